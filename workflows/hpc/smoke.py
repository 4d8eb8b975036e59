"""Smoke-test Jobs: a tiny EMT Flow that proves a worker and its queue work.

``cudiss hpc check`` and the SLURM tests run :func:`smoke_test_flow`. The Jobs
live in the package (not in ``tests/``) because a queued Job runs in a fresh
process on the compute node, which must import its function by module path
(jobflow-remote stores ``cudiss.workflows.hpc.smoke.smoke_slab_energy``).
"""

from __future__ import annotations

import os
import socket
from typing import TYPE_CHECKING, Any

from jobflow import Flow, job

if TYPE_CHECKING:
    from ase import Atoms


def _where() -> dict[str, Any]:
    # which scheduler job, host and process ran the Job: proves it went
    # through the queue rather than running in the submitting process
    return {
        "slurm_job_id": os.environ.get("SLURM_JOB_ID"),
        "pbs_job_id": os.environ.get("PBS_JOBID"),
        "host": socket.gethostname(),
        "pid": os.getpid(),
    }


def _emt_cu100(layers: int, adatom: bool = False) -> Atoms:
    # both energy Jobs build the same slab, so that their energies subtract
    from ase.build import add_adsorbate, fcc100
    from ase.calculators.emt import EMT
    from ase.constraints import FixAtoms

    slab = fcc100("Cu", size=(2, 2, layers), vacuum=6.0)
    if adatom:
        add_adsorbate(slab, "Cu", 1.8, "hollow")
        # only the adatom moves: the check is about the queue, not the physics
        slab.set_constraint(FixAtoms(indices=list(range(len(slab) - 1))))
    slab.calc = EMT()
    return slab


def _energy_output(atoms: Atoms) -> dict[str, Any]:
    return {"energy": float(atoms.get_potential_energy()), "natoms": len(atoms), **_where()}


@job
def smoke_slab_energy(layers: int = 3) -> dict[str, Any]:
    """EMT energy of a 2x2 Cu(100) slab (seconds), plus where it ran.

    Parameters
    ----------
    layers : int
        Number of layers.

    Returns
    -------
    dict
        ``energy`` (eV), ``natoms`` and the scheduler job id / host / pid.
    """
    return _energy_output(_emt_cu100(layers))


@job
def smoke_adatom_energy(layers: int = 3, fmax: float = 0.05) -> dict[str, Any]:
    """EMT-relaxed energy of the same slab with a Cu adatom in the hollow site.

    Parameters
    ----------
    layers : int
        Number of layers.
    fmax : float
        Force criterion (eV/Å) of the BFGS relaxation of the adatom.

    Returns
    -------
    dict
        ``energy`` (eV), ``natoms`` and the scheduler job id / host / pid.
    """
    from ase.optimize import BFGS

    slab = _emt_cu100(layers, adatom=True)
    BFGS(slab, logfile=None).run(fmax=fmax, steps=100)
    return _energy_output(slab)


@job
def smoke_adatom_binding(
    slab: dict[str, Any], adatom: dict[str, Any], wait_for: Any = None
) -> dict[str, Any]:
    """Adatom energy E(slab+Cu) - E(slab) from the two previous Jobs.

    Parameters
    ----------
    slab, adatom : dict
        Outputs of :func:`smoke_slab_energy` and :func:`smoke_adatom_energy`.
    wait_for : Any, optional
        Unused; passing another Job's output makes this Job depend on it.

    Returns
    -------
    dict
        ``delta_e`` (eV) and the scheduler job id / host / pid.
    """
    return {"delta_e": adatom["energy"] - slab["energy"], **_where()}


@job
def smoke_fail(message: str = "deliberate failure") -> None:
    """Raise ``RuntimeError(message)``: checks that failures are reported.

    Parameters
    ----------
    message : str
        Error text expected back in
        :func:`~cudiss.workflows.hpc.status.job_states`.
    """
    raise RuntimeError(message)


def smoke_test_flow(fail: bool = False) -> Flow:
    """Three EMT Jobs (two independent, one depending on both), optionally failing.

    Parameters
    ----------
    fail : bool
        Add a fourth Job that raises, and make the binding Job depend on it too
        so its state shows what a failure does to children.

    Returns
    -------
    jobflow.Flow
        Named ``cudiss-smoke-test``.
    """
    slab = smoke_slab_energy()
    adatom = smoke_adatom_energy()
    jobs = [slab, adatom]
    wait_for = None
    if fail:
        bad = smoke_fail()
        jobs.append(bad)
        wait_for = bad.output
    jobs.append(smoke_adatom_binding(slab.output, adatom.output, wait_for=wait_for))
    return Flow(jobs, name="cudiss-smoke-test")
