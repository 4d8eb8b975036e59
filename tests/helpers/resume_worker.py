"""Subprocess for tests/workflows/test_checkpoint.py: one relaxation or NEB through cudiss's makers.

Usage::

    python tests/helpers/resume_worker.py {emt|gpaw|sjm} {relax|neb|neb-fast} OUT.json

``sjm``: a relaxation only, at constant potential (GPAW SJM) on Cu(111) 1x1x3.

``neb-fast``: the CO-bound hop with ``NebSettings.fast()`` (EMT surrogate band,
surrogate-preconditioned ODE, adaptive SCF accuracy).

Checkpoints go to ``$CUDISS_CHECKPOINT_DIR`` (set by the test). ``RESUME_SLOW``
(seconds) makes every EMT evaluation sleep that long, so that the test can kill
the process at a chosen step; it changes no number. The same inputs are built on
every call, so a second call after a SIGKILL finds the first call's checkpoint.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import numpy as np
from ase import Atoms
from ase.build import fcc111
from ase.calculators.emt import EMT
from ase.constraints import FixAtoms
from ase.optimize import BFGS
from pymatgen.io.ase import AseAtomsAdaptor

from cudiss.structures.removal import build_removal_system
from cudiss.workflows.calculators import CalculatorSpec
from cudiss.workflows.makers import CuNebMaker, CuRelaxMaker
from cudiss.workflows.neb import NebSettings, interpolate_band

# EMT: Cu(100) 3x3x4 with an adatom; GPAW (test preset): the 2x2x3 cell of the main job.
# GPAW NEB: a resumed band's next SCF starts cold where the uninterrupted one was
# warm, so the two continue along paths that differ by SCF noise and stop at
# different points inside the convergence ball. At fmax 0.05 and the preset's SCF
# criteria the barriers differed by 3 meV (seed 299737), at 0.02 by 2.4 meV (seed
# 896791, taller cell). "Within 1 meV" can only be tested where the ball is
# smaller than that: fmax 0.01 and SCF converged far below the preset's criteria.
CASES = {
    "emt": {
        "size": (3, 3),
        "layers": 4,
        "vacuum": 7.5,
        "fixed": 2,
        "a": 3.59,
        "images": 3,
        "neb_fmax": 0.05,
    },
    "gpaw": {
        "size": (2, 2),
        "layers": 3,
        "vacuum": 6.0,
        "fixed": 1,
        "a": 3.63,
        "images": 1,
        "neb_fmax": 0.01,
    },
}


# -1.0 V SHE is 3.40 V on SJM's scale, 0.25 V above this cell's potential of zero
# charge (3.15 V): about -0.05 electrons at dU/dN = -5.2 V/e (docs/constant-potential.md)
SJM_ELECTRODE = {
    "potential_V": -1.0,
    "scale": "SHE",
    "jellium_bottom_A": 13.5,
    "jellium_top_A": 15.5,
    "slope_V_per_electron": -5.2,
    "tolerance_V": 0.02,
}


def _slow_emt(delay: float) -> None:
    original = EMT.calculate

    def calculate(self, *args, **kwargs):
        time.sleep(delay)
        return original(self, *args, **kwargs)

    EMT.calculate = calculate


def _endpoints(case: dict, adsorbates: tuple[str, ...] = ()):
    return build_removal_system(
        "100",
        "adatom",
        list(adsorbates),
        case["size"],
        case["layers"],
        case["vacuum"],
        case["fixed"],
        case["a"],
    )


def run_relax(spec: CalculatorSpec, case: dict) -> dict:
    """Relax the adatom slab from a seeded rattle (so it takes a dozen steps or more)."""
    atoms = _endpoints(case).initial
    free = [i for i in range(len(atoms)) if atoms.positions[i, 2] > atoms.positions[:, 2].min() + 1]
    rng = np.random.default_rng(7)
    atoms.positions[free] += rng.normal(0.0, 0.08, (len(free), 3))
    structure = AseAtomsAdaptor().get_structure(atoms)
    maker = CuRelaxMaker(calculator_spec=spec, fmax=0.05)
    return run_relax_answer(maker, structure, maker.run_ase(structure))


def run_relax_answer(maker: CuRelaxMaker, start, result) -> dict:
    """Final energy, steps recorded in the checkpoint and the resume note of a relaxation."""
    checkpoint = maker.checkpoint(start)
    saved = checkpoint.load() if checkpoint is not None else None
    traj = result.trajectory
    energy = traj.energy[-1] if hasattr(traj, "energy") else traj.frame_properties[-1]["energy"]
    return {
        "energy": float(energy),
        "steps": int(saved["nsteps"]) if saved else -1,
        "resume": [result.resumed] if result.resumed else [],
    }


def sjm_slab() -> Atoms:
    """Cu(111) 1x1x3 in a 16 Å cell (test_electrode_gpaw.py), its top atom 0.05 Å too high."""
    atoms = fcc111("Cu", size=(1, 1, 3), a=3.63)
    atoms.cell[2][2] = 16.0
    atoms.translate([0, 0, 6.0 - min(atoms.positions[:, 2])])
    atoms.set_constraint(FixAtoms(indices=[0, 1]))
    atoms.positions[2, 2] += 0.05
    atoms.pbc = True
    return atoms


def run_sjm_relax(spec: CalculatorSpec) -> dict:
    """Relax the top atom at constant potential; report the electrode and the carried state."""
    atoms = sjm_slab()
    maker = CuRelaxMaker(calculator_spec=spec, fmax=0.05)
    checkpoint = maker.checkpoint(atoms)
    saved = checkpoint.load() if checkpoint is not None else None
    carried = (saved or {}).get("carried", {}).get("electrode")
    result = maker.run_ase(atoms.copy())  # relaxed in place: keep the start for its key
    answer = run_relax_answer(maker, atoms, result)
    return {
        **answer,
        "electrode": result.electrode.model_dump(),
        "started_from_electrons": carried["electrode"]["excess_electrons"] if carried else None,
    }


def run_neb(spec: CalculatorSpec, case: dict, fast: bool = False) -> dict:
    """CI-NEB of the adatom hop between EMT-relaxed endpoints (GPAW uses them as given)."""
    ends = _endpoints(case, ("CO",) if fast else ())
    for atoms in (ends.initial, ends.final):
        atoms.calc = EMT()
        BFGS(atoms, logfile=None).run(fmax=0.05)
        atoms.calc = None
    displacement = ends.final.positions - ends.initial.positions
    band = interpolate_band(ends.initial, ends.final, case["images"], "idpp", displacement)
    settings = (NebSettings.fast if fast else NebSettings)(
        n_images=case["images"], fmax=case["neb_fmax"]
    )
    result = CuNebMaker(calculator_spec=spec, settings=settings).run_ase(band)
    return {
        "barrier": max(result.energies) - result.energies[0],
        "steps": result.steps,
        "force_calls": result.force_calls,
        "resumed_steps": result.resumed_steps,
        "converged": result.converged,
    }


def main(code: str, kind: str, out: str) -> None:
    if code == "emt" and os.environ.get("RESUME_SLOW"):
        _slow_emt(float(os.environ["RESUME_SLOW"]))
    spec = CalculatorSpec()
    if code == "gpaw":
        # SCF far below the preset's criteria: a resumed run's first SCF is cold
        # where the uninterrupted one was warm, and with the preset's criteria the
        # two then take different paths (a relaxation ended 1.2 meV lower after
        # 13 steps instead of 11 on the taller cell)
        tight = {"convergence": {"energy": 1e-7, "density": 1e-6}}
        spec = CalculatorSpec(code=code, preset="test", overrides=tight)
    if code == "sjm":
        # a coarser grid than the preset's 0.2 Å: each SJM geometry takes two
        # potential attempts, and this test only checks the resume
        spec = CalculatorSpec(
            code="gpaw", preset="sjm-test", overrides={"h": 0.25}, electrode=SJM_ELECTRODE
        )
    start = time.perf_counter()
    if code == "sjm":
        answer = run_sjm_relax(spec)
    elif kind == "relax":
        answer = run_relax(spec, CASES[code])
    else:
        answer = run_neb(spec, CASES[code], fast=kind == "neb-fast")
    answer["wall"] = time.perf_counter() - start
    answer["checkpoints"] = sorted(
        str(p) for p in Path(os.environ["CUDISS_CHECKPOINT_DIR"]).glob("*.pkl")
    )
    Path(out).write_text(json.dumps(answer))


if __name__ == "__main__":
    main(*sys.argv[1:4])
