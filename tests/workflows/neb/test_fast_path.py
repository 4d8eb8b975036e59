"""The fast NEB path (EMT surrogate stage + ODE) against a plain-ASE baseline, on EMT.

The baseline is what an ASE user writes: IDPP band, ``NEB(climb=True,
method="improvedtangent")``, BFGS, one calculator per image. Both runs start from
the same relaxed endpoints and band and are judged by the same criterion
(per-atom norm of the NEB force, climbing image on, <= 0.05 eV/Å).

On EMT the surrogate *is* the target potential, so these tests check the
mechanism (the staged band reaches the same saddle with fewer calls to the
target calculator), not the size of the saving with DFT; that is measured in
bench/RESULTS.md. Ratio bounds are the values measured in bench/results.json
(0.15 and 0.12) plus a margin, so a broken surrogate stage fails them.
"""

from __future__ import annotations

import numpy as np
import pytest
from ase import Atoms
from ase.calculators.emt import EMT
from ase.calculators.singlepoint import SinglePointCalculator
from ase.mep.neb import NEB
from ase.optimize import BFGS

from cudiss.structures.removal import build_removal_system
from cudiss.workflows.neb import (
    EndpointShiftedCalculator,
    ForceCallCounter,
    NebSettings,
    band_fmax,
    interpolate_band,
    run_neb,
)

FMAX = 0.05
A_EMT = 3.59  # ASE EMT's own fcc Cu lattice constant

# case -> largest allowed (fast-path target calls) / (baseline calls); measured 0.15 and
# 0.12 with NebSettings.fast() (bench/RESULTS.md; the plain EMT surrogate gave 0.31, 0.53)
CASES = {"adatom-hop": ([], 0.25), "adatom-co": (["CO"], 0.25)}


def _relaxed_band(adsorbates: list[str]) -> tuple[list[Atoms], list[float]]:
    ends = build_removal_system("100", "adatom", adsorbates, size=(3, 3), a=A_EMT)
    displacement = ends.final.positions - ends.initial.positions
    energies = []
    for atoms in (ends.initial, ends.final):
        atoms.calc = EMT()
        BFGS(atoms, logfile=None).run(fmax=FMAX, steps=300)
        energies.append(float(atoms.get_potential_energy()))
    return interpolate_band(ends.initial, ends.final, 3, "idpp", displacement), energies


def _with_endpoint_energies(band: list[Atoms], energies: list[float]) -> list[Atoms]:
    images = [image.copy() for image in band]
    for index, energy in ((0, energies[0]), (-1, energies[1])):
        zero = np.zeros((len(images[index]), 3))
        images[index].calc = SinglePointCalculator(images[index], energy=energy, forces=zero)
    return images


def _judge(images: list[Atoms]) -> tuple[float, float]:
    """(final NEB fmax with CI on, barrier) from the images' cached results."""
    band = NEB(images, climb=True, method="improvedtangent")
    energies = [image.get_potential_energy() for image in images]
    return band_fmax(band.get_forces()), max(energies) - energies[0]


def _baseline(band: list[Atoms], energies: list[float]) -> tuple[int, float, float]:
    images = _with_endpoint_energies(band, energies)
    counter = ForceCallCounter()
    for image in images[1:-1]:
        image.calc = EMT()
        counter.attach(image)
    BFGS(NEB(images, climb=True, method="improvedtangent"), logfile=None).run(fmax=FMAX, steps=500)
    fmax, barrier = _judge(images)
    return counter.count, barrier, fmax


@pytest.fixture(scope="module", params=sorted(CASES))
def case(request):
    adsorbates, bound = CASES[request.param]
    band, energies = _relaxed_band(adsorbates)
    return band, energies, bound


def test_fast_path_same_barrier_fewer_target_calls(case):
    band, energies, bound = case
    calls_ref, barrier_ref, fmax_ref = _baseline(band, energies)
    assert fmax_ref <= FMAX

    settings = NebSettings.fast(n_images=3, fmax=FMAX, max_steps=500)
    run = run_neb(
        _with_endpoint_energies(band, energies),
        lambda i: EMT(),
        settings,
        endpoint_energies=tuple(energies),
        traj_prefix=None,
    )
    fmax, barrier = _judge(run.images)

    assert run.converged and fmax <= FMAX
    assert abs(barrier - barrier_ref) <= 0.02
    assert run.surrogate_force_calls > 0  # the surrogate stage really ran
    assert run.force_calls <= bound * calls_ref, (run.force_calls, calls_ref)


def test_default_settings_keep_old_behaviour():
    settings = NebSettings()
    assert settings.surrogate == "none" and settings.optimizer == "ode"
    assert not settings.dynamic


def test_shifted_calculator_makes_endpoint_stationary():
    ends = build_removal_system("100", "adatom", [], size=(2, 2), layers=3, a=3.63)
    atoms = ends.initial
    atoms.calc = EMT()
    offset = atoms.get_forces(apply_constraint=False)
    shifted = atoms.copy()
    shifted.calc = EndpointShiftedCalculator(EMT(), offset, atoms.positions.copy())
    assert np.abs(shifted.get_forces(apply_constraint=False)).max() < 1e-10
    # Energy and forces stay consistent (finite difference along one coordinate).
    moved = shifted.copy()
    moved.calc = EndpointShiftedCalculator(EMT(), offset, atoms.positions.copy())
    step = 1e-4
    moved.positions[-1, 0] += step
    f_mid = -(moved.get_potential_energy() - shifted.get_potential_energy()) / step
    assert f_mid == pytest.approx(moved.get_forces(apply_constraint=False)[-1, 0], abs=1e-2)


def test_bfgs_from_the_surrogate_hessian_beats_bfgs_from_the_identity(case):
    """``optimizer: bfgs`` with ``surrogate_precon``: BFGS starts from the surrogate's
    NEB Hessian. With EMT as both surrogate and target that Hessian is nearly exact, so
    it must take fewer target calls than BFGS from its 70 eV/Å² identity on the same
    surrogate band, and reach the plain-ASE barrier."""
    band, energies, _ = case
    _, barrier_ref, _ = _baseline(band, energies)
    runs = {}
    for precon in (True, False):
        settings = NebSettings(
            surrogate="emt", optimizer="bfgs", surrogate_precon=precon, max_steps=500
        )
        runs[precon] = run_neb(
            _with_endpoint_energies(band, energies),
            lambda i: EMT(),
            settings,
            endpoint_energies=tuple(energies),
            traj_prefix=None,
        )
    preconditioned = runs[True]
    assert preconditioned.optimizers[0] == "bfgs-precon"
    assert runs[False].optimizers[0] == "bfgs"
    fmax, barrier = _judge(preconditioned.images)
    assert preconditioned.converged and fmax <= FMAX
    assert abs(barrier - barrier_ref) <= 0.02
    assert preconditioned.force_calls < runs[False].force_calls, {
        k: r.force_calls for k, r in runs.items()
    }
