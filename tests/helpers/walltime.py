"""A relaxation too slow for its walltime, and an in-process jobflow-remote Runner to rerun it.

:class:`SlowRelaxMaker` is cudiss's :class:`~cudiss.workflows.makers.CuRelaxMaker`
whose EMT sleeps before every force call; it changes no number and no
checkpoint key (the key names the structure, calculator spec, fmax, step limit
and optimizer, not the Maker's class). A queued Job imports it in the SLURM
job's own Python, so the worker's ``pre_run`` must put the repository on
``PYTHONPATH``.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from ase.calculators.emt import EMT
from ase.optimize import BFGS
from pymatgen.core import Structure
from pymatgen.io.ase import AseAtomsAdaptor

from cudiss.structures.removal import build_removal_system
from cudiss.workflows.hpc.project_files import projects_dir
from cudiss.workflows.makers import CuRelaxMaker


class SlowEMT(EMT):
    """EMT that sleeps ``delay`` seconds before each calculation."""

    def __init__(self, delay: float, **kwargs) -> None:
        super().__init__(**kwargs)
        self.delay = delay

    def calculate(self, *args, **kwargs) -> None:
        time.sleep(self.delay)
        super().calculate(*args, **kwargs)


@dataclass
class SlowRelaxMaker(CuRelaxMaker):
    """A CuRelaxMaker (EMT) whose every force call takes ``delay_s`` seconds longer."""

    delay_s: float = 1.0

    def _get_calculator(self) -> EMT:
        return SlowEMT(self.delay_s)


def rattled_slab() -> tuple[Structure, int, float]:
    """Cu(100) 3x3x4 with an adatom, free atoms rattled (seed 7): a 20-step EMT relaxation.

    Returns
    -------
    tuple of (Structure, int, float)
        The structure, the force calls and the final energy of its BFGS
        relaxation at fmax 0.05 (EMT, no sleep, no checkpoint).
    """
    atoms = build_removal_system("100", "adatom", [], (3, 3), 4, 7.5, 2, 3.59).initial
    free = [i for i in range(len(atoms)) if atoms.positions[i, 2] > atoms.positions[:, 2].min() + 1]
    atoms.positions[free] += np.random.default_rng(7).normal(0.0, 0.08, (len(free), 3))
    structure = AseAtomsAdaptor().get_structure(atoms)
    atoms = atoms.copy()
    atoms.calc = EMT()
    optimizer = BFGS(atoms, logfile=None)
    optimizer.run(fmax=0.05)
    return structure, optimizer.nsteps + 1, float(atoms.get_potential_energy())


@contextlib.contextmanager
def memory_runner(project: str, folder: Path) -> Iterator[object]:
    """jobflow-remote's Runner on a ``--local`` project's in-memory queue, kept between runs.

    ``run_flow_in_process`` ends its Runner (and with it the queue) after one
    run; a rerun of a Job in the same queue, as ``jf job rerun`` does on a
    MongoDB queue, needs the Runner to live on.
    """
    from jobflow_remote.jobs.runner import Runner

    with projects_dir(folder):
        runner = Runner(project_name=project)
        quiet = logging.getLogger("jobflow_remote.jobs.jobcontroller")
        level = quiet.level
        quiet.setLevel(logging.ERROR)  # montydb has no drop_indexes: a harmless warning
        try:
            runner.job_controller.reset(max_limit=0)
        finally:
            quiet.setLevel(level)
        try:
            yield runner
        finally:
            runner.cleanup()
