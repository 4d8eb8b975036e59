"""The MLIP surrogates (SevenNet, CHGNet) shaping and preconditioning a band.

EMT plays the "real" calculator (milliseconds per call), so every band's
barrier is EMT's and is known independently from plain ASE (``ase.mep`` NEB,
linear interpolation, BFGS): the MLIP may change how many target calls the band
needs, never where it ends. The MLIP was trained on PBE data, not on EMT, so
it is as approximate a surrogate here as it is for DFT.

Small cells (Cu(100) 2x2x3 + adatom, the top layer and the adatom free), so a
test takes seconds, most of them the MLIP's (loading SevenNet: ~7 s once).
"""

from __future__ import annotations

import numpy as np
import pytest
from ase.calculators.calculator import Calculator
from ase.calculators.emt import EMT
from ase.mep import NEB
from ase.optimize import BFGS

from cudiss.structures.errors import CudissInputError
from cudiss.structures.removal import build_removal_system
from cudiss.workflows.neb import NebSettings, interpolate_band, run_neb, surrogate_neb_hessian
from cudiss.workflows.neb import surrogate as surrogate_module
from cudiss.workflows.neb.surrogate import shifted_surrogates, surrogate_calculator
from tests.helpers.neb_reference import plain_ase_barrier

A_EMT = 3.59  # ASE EMT's own fcc Cu lattice constant (Å)
FMAX = 0.05


def _hop(adsorbates: list[str]):
    """The adatom hop (with ``adsorbates`` on the adatom), EMT-relaxed: band and energies."""
    ends = build_removal_system(
        "100", "adatom", adsorbates, size=(2, 2), layers=3, vacuum=6.0, fixed_layers=2, a=A_EMT
    )
    energies = []
    for atoms in (ends.initial, ends.final):
        atoms.calc = EMT()
        BFGS(atoms, logfile=None).run(fmax=0.01, steps=500)
        energies.append(float(atoms.get_potential_energy()))
    displacement = ends.final.positions - ends.initial.positions
    band = interpolate_band(ends.initial, ends.final, 3, "idpp", displacement)
    return band, tuple(energies)


@pytest.fixture(scope="module")
def bare():
    band, energies = _hop([])
    return band, energies, plain_ase_barrier(band[0], band[-1], FMAX)


@pytest.fixture(scope="module")
def oxygen():
    band, energies = _hop(["O"])
    return band, energies, plain_ase_barrier(band[0], band[-1], FMAX)


def _run(case, name: str, precon: bool):
    band, energies, _ = case
    settings = NebSettings(surrogate=name, surrogate_precon=precon, fmax=FMAX)
    return run_neb(band, lambda i: EMT(), settings, energies, traj_prefix=None)


@pytest.mark.parametrize("precon", [True, False], ids=["precon", "no-precon"])
@pytest.mark.parametrize("name", ["sevennet", "chgnet"])
def test_mlip_surrogate_reaches_the_plain_ase_barrier(bare, name, precon):
    # Measured (EMT calls; plain ASE BFGS 44, barrier 0.414 eV): precon
    # SevenNet 12, CHGNet 9; without, both 24.
    run = _run(bare, name, precon)
    reference, reference_calls = bare[2]
    assert run.converged
    assert run.forward_barrier == pytest.approx(reference, abs=0.02)
    assert run.surrogate_force_calls > 2  # the MLIP stage ran
    assert run.optimizers[0] == ("ode-precon" if precon else "ode")
    assert run.force_calls < reference_calls


def test_mlip_surrogate_with_oxygen_on_the_moving_cu(oxygen):
    # Measured (EMT calls; plain ASE BFGS 95, barrier 0.383 eV): SevenNet 27
    # (CHGNet 30, not run here: seconds saved). CO on this cell is no test: EMT's
    # C-O is 1.12 Å, the MLIPs' is PBE's, so the endpoint shift pulls 3.9 eV/Å on
    # C and O, the MLIP stage does not converge and the driver drops its band.
    run = _run(oxygen, "sevennet", precon=True)
    reference, reference_calls = oxygen[2]
    assert run.converged
    assert run.forward_barrier == pytest.approx(reference, abs=0.02)
    assert run.optimizers[0] == "ode-precon"
    assert run.force_calls < reference_calls


def test_the_shifted_mlip_has_the_real_endpoints_as_minima(oxygen):
    band = oxygen[0]
    factory, energies = shifted_surrogates(band, "sevennet")
    for index in (0, len(band) - 1):
        probe = band[index].copy()
        probe.calc = factory(index)
        assert np.abs(probe.get_forces(apply_constraint=False)).max() < 1e-4
        # the energy shift is zero at the image's own (reference) positions
        assert probe.get_potential_energy() == pytest.approx(energies[0 if index == 0 else 1])
    # halfway, the offset is the mean of the endpoints' MLIP forces
    middle = factory(2)
    assert np.allclose(middle.offset, 0.5 * (factory(0).offset + factory(4).offset))


def test_the_sevennet_hessian_by_forward_differences_is_close_to_central(bare):
    band = [bare[0][0], bare[0][2], bare[0][-1]]  # one interior image: 15 coordinates
    neb = NEB([image.copy() for image in band], k=0.1, climb=True, method="improvedtangent")
    forward, forward_calls = surrogate_neb_hessian(neb, "sevennet")  # SevenNet's default
    central, central_calls = surrogate_neb_hessian(neb, "sevennet", central=True)
    assert (forward_calls, central_calls) == (3 + 15, 3 + 2 * 15)  # each image, then the steps
    for hessian in (forward, central):
        assert np.allclose(hessian, hessian.T)
        assert np.linalg.eigvalsh(hessian).min() >= 1.0 - 1e-9
    # measured 0.1-2 % on the bands of docs/neb.md
    assert np.linalg.norm(forward - central) < 0.05 * np.linalg.norm(central)


def test_each_call_builds_a_new_mlip_calculator():
    make = surrogate_calculator("sevennet")
    first, second = make(), make()
    assert isinstance(first, Calculator) and first is not second


def test_an_unknown_surrogate_names_the_choices():
    with pytest.raises(CudissInputError, match="emt, sevennet, chgnet"):
        surrogate_calculator("mace")  # type: ignore[arg-type]  # what a user might write


def test_names_in_a_campaign_file_are_matched_without_case():
    settings = NebSettings(surrogate=" SevenNet", optimizer="ODE", interpolation="IDPP")
    assert (settings.surrogate, settings.optimizer, settings.interpolation) == (
        "sevennet",
        "ode",
        "idpp",
    )
    with pytest.raises(ValueError, match="'none', 'emt', 'sevennet' or 'chgnet'"):
        NebSettings(surrogate="SevenNet-0")


def test_an_mlip_error_is_not_taken_for_a_missing_element(bare, monkeypatch):
    """EMT's KeyError means "element not described" (band left as it is); an MLIP's is a bug."""

    class Broken(Calculator):
        implemented_properties = ("energy", "forces")

        def calculate(self, *args, **kwargs):
            raise KeyError("not an element")

    monkeypatch.setattr(surrogate_module, "mlip_calculator", lambda name: Broken())
    with pytest.raises(KeyError, match="not an element"):
        shifted_surrogates(bare[0], "sevennet")
    monkeypatch.setattr(surrogate_module, "surrogate_calculator", lambda name: Broken)
    assert shifted_surrogates(bare[0], "emt") is None
