"""The environment an HPC worker exports before every Job.

jobflow-remote executes each Job as one *serial* Python process on the
compute node (``jf -fe execution run DIR``). GPAW cannot simply be imported
there and run in parallel: ``mpiexec python`` raises for GPAW, and running the
whole ``jf`` process on N ranks would make every rank write the Job's output
files. The worker's ``pre_run`` therefore exports

* ``CUDISS_MPI_LAUNCHER`` -- the command that runs a Python script on all
  ranks of the allocation, e.g. ``mpiexec -np 64 gpaw python``;
* ``OMP_NUM_THREADS=1`` and ``OPENBLAS_NUM_THREADS=1`` -- otherwise OpenBLAS
  threads oversubscribe the cores that MPI already fills;
* ``CUDISS_CHECKPOINT_DIR`` (unless already set) -- ``checkpoints/`` in the
  worker's work_dir, so a Job rerun after a walltime kill or a dead node
  continues its relaxation or NEB from the last step
  (:mod:`cudiss.workflows.checkpoint`).

GPAW steps read the launcher back in :mod:`cudiss.workflows.mpi` and run their
script with ``shlex.split(launcher) + [script]``, the same pattern atomate2
uses for VASP's ``mpirun vasp_std``.

This module imports nothing beyond the standard library, so the compute side
(:mod:`cudiss.workflows.mpi`, started on every rank) can share the variable's
name without loading jobflow-remote.
"""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Sequence

#: Environment variable the worker exports with the MPI launcher for GPAW.
MPI_LAUNCHER_ENV = "CUDISS_MPI_LAUNCHER"
#: Same name as :data:`cudiss.workflows.checkpoint.CHECKPOINT_ENV` (kept free of imports).
CHECKPOINT_ENV = "CUDISS_CHECKPOINT_DIR"


def mpi_launcher(default: str | None = None) -> str:
    """Return the command that runs a Python script on all MPI ranks.

    Parameters
    ----------
    default : str, optional
        Used when :data:`MPI_LAUNCHER_ENV` is unset (e.g. ``"gpaw python"`` for
        a serial run). Without it, plain ``sys.executable`` is returned.

    Returns
    -------
    str
        E.g. ``"mpiexec -np 64 gpaw python"``; append the script path.
    """
    return os.environ.get(MPI_LAUNCHER_ENV) or default or sys.executable


def worker_pre_run(pre_run: Sequence[str], launcher: str, work_dir: str | None = None) -> str:
    """The worker's ``pre_run`` shell text: thread limits, the launcher, then the user's lines.

    Parameters
    ----------
    pre_run : sequence of str
        The user's shell lines (``module load``, ``source .venv/bin/activate``).
    launcher : str
        Value exported as :data:`MPI_LAUNCHER_ENV`.
    work_dir : str, optional
        The worker's work_dir: checkpoints go to its ``checkpoints/`` folder.

    Returns
    -------
    str
        One line per command, newline-separated.
    """
    # exported first so user lines (module load, venv) can still override them
    lines = [
        "export OMP_NUM_THREADS=1",
        "export OPENBLAS_NUM_THREADS=1",
        f"export {MPI_LAUNCHER_ENV}={shlex.quote(launcher)}",
    ]
    if work_dir is not None:
        default = shlex.quote(f"{work_dir}/checkpoints")
        lines.append(f"export {CHECKPOINT_ENV}=${{{CHECKPOINT_ENV}:-{default}}}")
    lines += pre_run
    return "\n".join(lines)
