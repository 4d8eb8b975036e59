"""Choose the MPI launcher of a step and run the step in the MPI worker.

:func:`launcher_command` reads ``CUDISS_MPI_LAUNCHER`` and decides whether a
step goes through MPI at all; :func:`run_task` writes the step's inputs to a
task folder, runs :mod:`cudiss.workflows.mpi.task` under the launcher and
returns its result. The package :mod:`cudiss.workflows.mpi` re-exports these
names and holds :data:`cudiss.workflows.mpi.last_run`.
"""

from __future__ import annotations

import os
import pickle
import shlex
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from monty.serialization import dumpfn

from cudiss.workflows.calculators import CalculatorSpec
from cudiss.workflows.errors import SettingsError
from cudiss.workflows.hpc.worker_env import MPI_LAUNCHER_ENV  # one name for workers and this module

#: The worker, run by file path (``gpaw python`` takes a script, not a module).
WORKER_SCRIPT = Path(__file__).with_name("task.py")
# First words that start a program on several ranks; anything else (``gpaw
# python``, ``python``) would only add a serial subprocess.
_MPI_STARTERS = {"mpiexec", "mpirun", "srun", "aprun", "orterun", "prterun"}


class MpiTaskError(RuntimeError):
    """The MPI worker exited with an error (its traceback is in the message)."""


@dataclass
class MpiRunInfo:
    """How the last MPI step ran (for tests, benchmarks and logs)."""

    kind: str
    command: list[str]
    ranks: int
    parallel_images: bool
    wall_s: float


def launcher_for_ranks(ranks: int) -> str:
    """The launcher ``cudiss run --ranks N`` sets: mpiexec + this venv's ``gpaw python``.

    Parameters
    ----------
    ranks
        Number of MPI ranks (> 1).

    Raises
    ------
    SettingsError
        More ranks than the cores this process may use: mpiexec would refuse
        to start them, at the first GPAW step rather than now.
    """
    cores = usable_cores()
    if ranks > cores:
        raise SettingsError(
            f"--ranks {ranks}: this machine gives cudiss {cores} core(s); "
            f"use --ranks {cores} or fewer (mpiexec starts one rank per core)"
        )
    gpaw = Path(sys.executable).with_name("gpaw")
    root = " --allow-run-as-root" if os.geteuid() == 0 else ""
    return f"mpiexec{root} -np {ranks} {shlex.quote(str(gpaw))} python"


def usable_cores() -> int:
    """The CPU cores this process may run on (its affinity mask, e.g. a cgroup's cpuset)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def launcher_command(spec: CalculatorSpec | None = None) -> list[str] | None:
    """The launcher as an argument list, or ``None`` when the step runs in-process.

    Parameters
    ----------
    spec
        The step's calculator; EMT never uses MPI.
    """
    if spec is not None and spec.code != "gpaw":
        return None
    words = shlex.split(os.environ.get(MPI_LAUNCHER_ENV, ""))
    if not words or Path(words[0]).name not in _MPI_STARTERS:
        return None
    return words


def _env() -> dict[str, str]:
    env = dict(os.environ)
    # one thread per rank: OpenBLAS threads would oversubscribe the cores MPI fills
    env.setdefault("OMP_NUM_THREADS", "1")
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    if os.geteuid() == 0:
        # OpenMPI refuses root without these (containers, CI); harmless elsewhere
        env.setdefault("OMPI_ALLOW_RUN_AS_ROOT", "1")
        env.setdefault("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
    # the worker must not start MPI again from inside MPI
    env.pop(MPI_LAUNCHER_ENV, None)
    return env


def run_task(kind: str, payload: dict[str, Any], command: list[str]) -> Any:
    """Run one step in the MPI worker and return what the serial code would have.

    On success, ``cudiss.workflows.mpi.last_run`` describes the run.

    Parameters
    ----------
    kind
        ``relax`` (a Maker's ``run_ase``), ``bulk`` (``CuBulkMaker.run_eos``),
        ``vibrations`` (``VibrationsStepMaker.run_vibrations``) or ``neb``
        (:func:`run_neb`); see :mod:`cudiss.workflows.mpi.task`.
    payload
        The step's inputs: MSONable objects (Makers, Structures, pydantic
        models), written with monty; ``band`` (a list of Atoms) goes to an ASE
        trajectory, which keeps constraints.
    command
        From :func:`launcher_command`.

    Raises
    ------
    MpiTaskError
        Non-zero exit of the launcher (with the end of its output).
    """
    from ase.io import write

    # Task files live next to the step's own outputs (the job folder), so a
    # failed run can be inspected where it happened.
    folder = Path(tempfile.mkdtemp(prefix=f"mpi-{kind}-", dir=Path.cwd()))
    payload = dict(payload)
    band = payload.pop("band", None)
    if band is not None:
        write(folder / "band.traj", band)
        payload["band_file"] = str(folder / "band.traj")
    task = folder / "task.json"
    dumpfn({"kind": kind, "result_file": str(folder / "result.pkl"), **payload}, task)
    full = [*command, str(WORKER_SCRIPT), str(task)]
    start = time.perf_counter()
    proc = subprocess.run(full, env=_env(), capture_output=True, text=True)
    wall = time.perf_counter() - start
    (folder / "stdout.txt").write_text(proc.stdout)
    (folder / "stderr.txt").write_text(proc.stderr)
    result_file = folder / "result.pkl"
    if proc.returncode != 0 or not result_file.exists():
        raise MpiTaskError(_failure_message(kind, full, proc, folder))
    with result_file.open("rb") as f:
        # our own worker wrote it, in this venv, a moment ago
        answer = pickle.load(f)
    _record(MpiRunInfo(kind, full, answer["ranks"], answer["parallel_images"], wall))
    return answer["result"]


def _failure_message(
    kind: str, command: list[str], proc: subprocess.CompletedProcess, folder: Path
) -> str:
    """The worker's traceback, or the launcher's output when the worker left none.

    Its last line is what a failed step shows in tables and status: the
    worker's error, or (e.g. mpiexec refusing to start) where the launcher's
    output was kept.
    """
    head = f"MPI {kind} step failed (exit {proc.returncode}, {shlex.join(command)}):"
    error = folder / "error.txt"
    if error.exists():
        return f"{head}\n{error.read_text()}"
    return (
        f"{head}\n{proc.stderr[-3000:]}\n{Path(command[0]).name} exited {proc.returncode} "
        f"and the worker left no result or error; its output: {folder / 'stderr.txt'}"
    )


def _record(info: MpiRunInfo) -> None:
    """Publish ``info`` as ``cudiss.workflows.mpi.last_run``.

    The attribute lives on the package, not here: callers read (and tests
    reset) ``mpi.last_run``, and a copy made by ``from .launcher import ...``
    would not follow a reassignment.
    """
    from cudiss.workflows import mpi

    mpi.last_run = info
