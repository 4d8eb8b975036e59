"""MPI worker: run one cudiss step on every rank (started by :mod:`cudiss.workflows.mpi`).

Usage (by file path, because ``gpaw python`` takes a script, not a module)::

    mpiexec -np 2 gpaw python .../cudiss/workflows/mpi/task.py task.json

Every rank runs the serial code path in-process (GPAW parallelises over its
default communicator, ``world``); ASE and GPAW write files on rank 0 only, and
rank 0 pickles the result for the parent. A NEB whose rank count is a multiple
of its interior images runs the images in parallel (ASE ``NEB(parallel=True)``,
one GPAW communicator per image, as in the ASE/GPAW "NEB in parallel" docs);
otherwise each image uses all ranks in turn.
"""

from __future__ import annotations

import os
import pickle
import sys
import traceback
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from ase import Atoms
from ase.calculators.calculator import Calculator
from ase.calculators.singlepoint import SinglePointCalculator
from ase.parallel import broadcast, world


class _OtherRanksImage(Calculator):
    """Stands in for an image computed by other ranks.

    ASE's parallel NEB broadcasts every image's energy and forces to all ranks
    but leaves only the own image with a calculator; ``run_neb`` reads energies,
    forces and trajectory frames of every image. This calculator serves the
    broadcast values (fed by :class:`_RecordingWorld`) and never computes.
    """

    implemented_properties = ["energy", "free_energy", "forces"]  # noqa: RUF012

    def __init__(self) -> None:
        super().__init__()
        self._electrode: tuple[dict | None, Any] = (None, None)

    def receive(self, energy: float, forces: np.ndarray) -> None:
        """Store the band's latest energy (eV) and unconstrained forces (eV/Å)."""
        self.results = {"energy": energy, "free_energy": energy, "forces": forces.copy()}

    def receive_electrode(self, shared: tuple[dict | None, Any]) -> None:
        """Store the owning ranks' SJM state and record (see :func:`electrode_of`)."""
        self._electrode = shared

    def electrode_state(self) -> dict | None:
        """The owning ranks' SJM checkpoint state (``None`` without an electrode)."""
        return self._electrode[0]

    def record(self) -> Any:
        """The owning ranks' ``ElectrodeRecord`` of the last calculation, or ``None``."""
        return self._electrode[1]

    def check_state(self, atoms: Atoms, tol: float = 1e-15) -> list[str]:
        # results always belong to the current band: never discard them
        return []

    def calculate(self, atoms=None, properties=None, system_changes=None) -> None:
        raise RuntimeError("this NEB image is computed on other MPI ranks")


def electrode_of(calc: Calculator | None) -> tuple[dict | None, Any]:
    """An image calculator's SJM checkpoint state and record, ``(None, None)`` without SJM."""
    if calc is None or not hasattr(calc, "electrode_state"):
        return None, None
    return calc.electrode_state(), calc.record()


class _RecordingWorld:
    """``world`` for ASE's parallel NEB that also hands broadcasts to stand-ins.

    ``NEB.get_forces`` ends with ``world.sum`` (error check) and then, for each
    interior image in order, three broadcasts: energy, NEB forces, real forces.
    With ``own_calc`` (constant potential), the image's SJM state and record
    follow as a fourth broadcast from the same root, so every rank's checkpoint
    and document hold every image's electron count, not only its own.
    """

    def __init__(
        self,
        comm: Any,
        stand_ins: dict[int, _OtherRanksImage],
        own_calc: Callable[[], Calculator | None] | None = None,
    ) -> None:
        self.comm = comm
        self.stand_ins = stand_ins
        self.own_calc = own_calc
        self._count = 0
        self._energy = 0.0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.comm, name)

    def sum(self, value: Any, root: int = -1) -> Any:
        self._count = 0
        return self.comm.sum(value, root)

    def broadcast(self, array: np.ndarray, root: int) -> None:
        self.comm.broadcast(array, root)
        image, part = divmod(self._count, 3)
        self._count += 1
        if part == 0:
            self._energy = float(array[0])
        elif part == 2:
            if image + 1 in self.stand_ins:
                self.stand_ins[image + 1].receive(self._energy, array)
            if self.own_calc is not None:
                self._share_electrode(image + 1, root)

    def _share_electrode(self, index: int, root: int) -> None:
        """Broadcast image ``index``'s SJM state from ``root``, its owner, to every rank."""
        mine = electrode_of(self.own_calc()) if self.comm.rank == root else None
        shared = broadcast(mine, root, self.comm)
        if index in self.stand_ins:
            self.stand_ins[index].receive_electrode(shared)


def _freeze(images: list[Atoms]) -> None:
    """Replace calculators by their results, so the band pickles without GPAW."""
    for atoms in images:
        energy = atoms.get_potential_energy()
        forces = atoms.get_forces(apply_constraint=False)
        atoms.calc = SinglePointCalculator(atoms, energy=energy, forces=forces)


def run_neb_task(task: dict[str, Any]) -> tuple[Any, bool]:
    """Run :func:`run_neb` on all ranks; returns (NebRun, images in parallel?)."""
    from ase.io import read

    from cudiss.workflows.checkpoint import Checkpoint
    from cudiss.workflows.neb import run_neb

    spec, settings = task["spec"], task["settings"]
    band = read(task["band_file"], ":")
    n_interior = len(band) - 2
    parallel = world.size > 1 and world.size % n_interior == 0 and not settings.dynamic
    comm: Any = world
    stand_ins: dict[int, _OtherRanksImage] = {}
    own: dict[str, Calculator] = {}
    if parallel:
        per_image = world.size // n_interior
        # ASE's parallel NEB gives rank r the image r * n_interior // size + 1
        mine = world.rank // per_image + 1
        group = list(range((mine - 1) * per_image, mine * per_image))
        stand_ins = {i: _OtherRanksImage() for i in range(1, n_interior + 1) if i != mine}
        share = spec.electrode is not None
        comm = _RecordingWorld(world, stand_ins, (lambda: own.get("calc")) if share else None)

    def factory(index: int) -> Calculator:
        if index in stand_ins:
            return stand_ins[index]
        txt = f"gpaw-image-{index}.txt"
        if parallel and 0 < index <= n_interior:
            # GPAW wants its own communicator object (a rank list is deprecated)
            from gpaw.mpi import world as gpaw_world

            calc = spec.build(txt=txt, communicator=gpaw_world.new_communicator(group))
            own["calc"] = calc  # the newest: a recovery may rebuild it
            return calc
        return spec.build(txt=txt)  # endpoints, or every image on all ranks

    run = run_neb(
        band,
        factory,
        settings,
        endpoint_energies=task.get("endpoint_energies"),
        traj_prefix=task.get("traj_prefix"),
        parallel=parallel,
        world=comm,
        checkpoint=Checkpoint(task["checkpoint"]) if task.get("checkpoint") else None,
    )
    if parallel:
        # run_neb counts this rank's own image plus one final read of each
        # stand-in; add up the own images, once per image (its group's rank 0).
        own = run.force_calls - len(stand_ins)
        run.force_calls = int(world.sum(float(own if world.rank % per_image == 0 else 0)))
    _freeze(run.images)
    return run, parallel


class _ResultPickler(pickle.Pickler):
    """Pickles results without live calculators (GPAW holds MPI communicators).

    pymatgen keeps the calculator on a converted ``Structure`` (``.calc``);
    results and documents never use it, so it is dropped. NEB images carry
    single-point results instead (:func:`_freeze`).
    """

    def reducer_override(self, obj: Any) -> Any:
        # GPAW's new ASECalculator is not an ase Calculator subclass
        live = isinstance(obj, Calculator) or type(obj).__module__.startswith("gpaw")
        if live and not isinstance(obj, SinglePointCalculator):
            return types.NoneType, ()  # unpickles as None in any process
        return NotImplemented


def main(task_file: str) -> None:
    """Run the task in ``task_file`` and (rank 0) pickle ``{"result", "ranks", ...}``."""
    from monty.serialization import loadfn

    from cudiss.workflows.mpi import MPI_LAUNCHER_ENV

    # the Maker methods called below must take their serial, in-process branch
    os.environ.pop(MPI_LAUNCHER_ENV, None)
    task = loadfn(task_file)
    folder = Path(task_file).parent
    try:
        parallel = False
        if task["kind"] == "relax":
            maker = task["maker"]
            if world.rank > 0:
                # atomate2 writes the trajectory (rank 0 only) and reads it back
                # on every rank, racing the writer; the other ranks' results are
                # discarded anyway, so they skip the file.
                maker.relax_kwargs = {**maker.relax_kwargs, "traj_file": None}
            result = maker.run_ase(task["structure"])
        elif task["kind"] == "bulk":
            result = task["maker"].run_eos(task["a_guess"])
        elif task["kind"] == "vibrations":
            from pymatgen.io.ase import AseAtomsAdaptor

            atoms = AseAtomsAdaptor().get_atoms(task["structure"])
            result = task["maker"].run_vibrations(atoms, list(task["indices"]))
        elif task["kind"] == "neb":
            result, parallel = run_neb_task(task)
        else:
            raise ValueError(f"unknown MPI task kind {task['kind']!r}")
    except Exception:
        (folder / "error.txt").write_text(f"rank {world.rank}:\n{traceback.format_exc()}")
        raise
    if world.rank == 0:
        answer = {"result": result, "ranks": world.size, "parallel_images": parallel}
        with open(task["result_file"], "wb") as f:
            _ResultPickler(f).dump(answer)
    world.barrier()


if __name__ == "__main__":
    main(sys.argv[1])
