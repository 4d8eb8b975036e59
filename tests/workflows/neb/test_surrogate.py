"""The fast path's extras: surrogate-preconditioned ODE, unconverged-surrogate guard,
adaptive SCF accuracy in the band loop (measurements: docs/neb.md).

EMT only, a few seconds.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pytest
from ase.calculators.calculator import Calculator, all_changes
from ase.calculators.emt import EMT
from ase.mep.neb import NEB
from ase.optimize import BFGS

from cudiss.structures.removal import build_removal_system
from cudiss.workflows.neb import (
    NebSettings,
    band_fmax,
    interpolate_band,
    run_neb,
    surrogate_band,
    surrogate_neb_hessian,
)
from cudiss.workflows.neb.surrogate import SurrogateHessian

FMAX = 0.05


def _band(adsorbates, calc=EMT, a=3.59):
    ends = build_removal_system("100", "adatom", adsorbates, size=(3, 3), a=a)
    energies = []
    for atoms in (ends.initial, ends.final):
        atoms.calc = calc()
        BFGS(atoms, logfile=None).run(fmax=FMAX, steps=300)
        energies.append(float(atoms.get_potential_energy()))
    band = interpolate_band(
        ends.initial, ends.final, 3, "idpp", ends.final.positions - ends.initial.positions
    )
    return band, energies


def _run_fast(adsorbates, make=EMT):
    """``NebSettings.fast()`` on the EMT adatom hop, one ``make()`` per image."""
    band, energies = _band(adsorbates)
    return run_neb(
        band, lambda i: make(), NebSettings.fast(fmax=FMAX), tuple(energies), traj_prefix=None
    )


class NoisyAdaptive(Calculator):
    """EMT whose forces carry an error of the requested tolerance (a stand-in for loose SCF)."""

    implemented_properties = ("energy", "forces")
    log: ClassVar[list[str]] = []

    def __init__(self):
        super().__init__()
        self.inner, self.force_tolerance, self.loose = EMT(), None, False
        self.rng = np.random.default_rng(1)

    def set_force_tolerance(self, tolerance):
        self.force_tolerance = tolerance

    def discard_loose_results(self):
        if not self.loose:
            return False
        self.results, self.loose = {}, False
        self.log.append("discard")
        return True

    def calculate(self, atoms=None, properties=("energy",), system_changes=all_changes):
        super().calculate(atoms, properties, system_changes)
        work = self.atoms.copy()
        work.calc = self.inner
        forces = work.get_forces(apply_constraint=False)
        tol = self.force_tolerance
        self.loose = tol is not None
        if self.loose:
            error = min(tol, 0.2) * self.rng.uniform(-1, 1, forces.shape) / np.sqrt(3)
            forces = forces + error
        self.log.append("loose" if self.loose else "tight")
        self.results = {"energy": work.get_potential_energy(), "forces": forces}


def test_surrogate_neb_hessian_is_symmetric_and_floored():
    band, _ = _band(["CO"])
    for image in band:
        image.calc = EMT()
    neb = NEB(band, k=0.1, climb=True, method="improvedtangent")
    hessian, calls = surrogate_neb_hessian(neb, "emt", floor=1.0)
    assert hessian.shape == (3 * len(band[0]) * 3,) * 2
    # EMT's are central differences: each image once, 2 per free coordinate, and
    # one to put each image but the last interior one back when the next one moves
    free_atoms = sum(len(image) - len(image.constraints[0].index) for image in band[1:-1])
    assert calls == len(band) + 2 * 3 * free_atoms + (len(band) - 3)
    assert np.allclose(hessian, hessian.T)
    assert np.linalg.eigvalsh(hessian).min() >= 1.0 - 1e-9
    # Fixed atoms: 70 eV/Å² on the diagonal, no coupling.
    fixed = band[1].constraints[0].index[0]
    assert hessian[3 * fixed, 3 * fixed] == 70.0
    assert np.count_nonzero(hessian[3 * fixed]) == 1


def test_fast_path_with_the_preconditioner_on_the_co_case():
    run = _run_fast(["CO"])
    assert run.converged
    assert run.optimizers[0] == "ode-precon"
    # the Hessian's EMT calls are reported apart from the band stage's: 5 images,
    # 3 interior ones with 21 free atoms each (two free Cu layers of 9, the
    # adatom, C, O), central differences, 2 calls putting images back
    assert run.surrogate_hessian_calls == 5 + 2 * 3 * 3 * 21 + 2
    # Measured 12 (BFGS from the same band: 96; HEAD fast path: 51).
    assert run.force_calls <= 20
    assert run.forward_barrier == pytest.approx(0.385, abs=0.02)


def test_an_unconverged_surrogate_band_is_not_used():
    band, _ = _band(["CO"])
    # The surrogate stage cannot converge in one step: the band must come back unchanged.
    settings = NebSettings.fast(fmax=FMAX, max_steps=1)
    out, calls = surrogate_band(band, settings)
    assert calls > 2
    for before, after in zip(band, out, strict=True):
        assert np.array_equal(before.positions, after.positions)


def test_loose_forces_never_end_a_run():
    NoisyAdaptive.log = []
    run = _run_fast([], NoisyAdaptive)
    assert run.converged
    assert NoisyAdaptive.log[:3] == ["loose"] * 3  # the first band: loosest
    assert NoisyAdaptive.log[-3:] == ["tight"] * 3  # the band returned: the calculators' own
    assert all(not image.calc.loose for image in run.images[1:-1])
    # and the returned forces are the exact ones
    exact = NEB([image.copy() for image in run.images], climb=True, method="improvedtangent")
    for image, original in zip(exact.images, run.images, strict=True):
        image.calc = EMT() if original.calc.__class__ is NoisyAdaptive else original.calc
    assert band_fmax(exact.get_forces()) <= FMAX


def test_a_preconditioner_that_makes_the_ode_crawl_is_dropped(monkeypatch):
    from cudiss.workflows.neb import driver

    # Far too soft for the adatom (0.02 eV/Å²), plausible elsewhere: the ODE's
    # step control shrinks every step to keep the adatom's in check and crawls.
    def bad_hessian(neb, *args, **kwargs):
        natoms, nint = len(neb.images[0]), len(neb.images) - 2
        diagonal = np.full((nint, natoms, 3), 5.0)
        diagonal[:, -1, :] = 0.02
        return SurrogateHessian(np.diag(diagonal.ravel()), 0)

    monkeypatch.setattr(driver, "surrogate_neb_hessian", bad_hessian)
    run = _run_fast([])
    assert run.converged
    assert run.optimizers[:2] == ["ode-precon", "ode"]


def test_the_preconditioned_first_step_is_at_most_a_newton_step(monkeypatch):
    from cudiss.workflows.neb.optimizers import NormNEBOptimizer

    steps: list[float | None] = []
    original = NormNEBOptimizer.initial_step

    def recorded(self):
        steps.append(original(self))
        return steps[-1]

    monkeypatch.setattr(NormNEBOptimizer, "initial_step", recorded)
    run = _run_fast([])
    assert run.converged
    # the surrogate stage (no preconditioner) keeps ASE's estimate: None
    assert steps[-1] is not None and 0 < steps[-1] <= 1.0
    # ASE's own estimate would be ~3 Newton steps here and its trial band is
    # rejected (9 calls); a Newton step from the surrogate band converges: the
    # starting band and one trial band, 3 images each.
    assert run.force_calls == 6
