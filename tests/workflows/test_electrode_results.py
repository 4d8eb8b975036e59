"""The electrode fields of a removal result, from synthetic relaxation and NEB documents.

No GPAW: the documents carry hand-made ElectrodeRecords as SJM runs leave them
(relaxations: ``electrode``; NEB: ``image_electrodes``, end points None), and
the expected numbers are worked by hand in each test.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from cudiss.analysis.barriers import barriers_at_potentials
from cudiss.workflows.calculators import CalculatorSpec
from cudiss.workflows.calculators.electrode import ElectrodeSpec
from cudiss.workflows.flows import RemovalConfig, SlabSettings, build_endpoints
from cudiss.workflows.neb import NebSettings
from cudiss.workflows.potential_sweep import pzc_reference
from cudiss.workflows.results import removal_result
from cudiss.workflows.schemas import CuNebResult, ElectrodeRecord
from tests.helpers.bulk import given_bulk

# kT ln10 / e at 298.15 K: 8.617333e-5 eV/K x 298.15 K x 2.302585 = 0.059159 V
NERNST_V = 0.059159
CONFIG = RemovalConfig(
    campaign="sweep",
    facet="100",
    site_class="adatom",
    slab=SlabSettings(size=(2, 2), layers=3, vacuum=6.0, fixed_layers=1),
)
BULK = given_bulk(3.6, -3.7)
# the band's grand potentials (eV): the highest image is number 2
BAND_EV = [-100.0, -99.8, -99.5, -99.7, -99.9]


def _spec(potential_V: float | None, excess_electrons: float = 0.0) -> CalculatorSpec:
    electrode = ElectrodeSpec(
        potential_V=potential_V, scale="SHE", pH=7.0, excess_electrons=excess_electrons
    )
    return CalculatorSpec(code="gpaw", preset="sjm-test", electrode=electrode)


def _record(potential_SHE: float, excess: float, target: float | None = -0.9) -> ElectrodeRecord:
    return ElectrodeRecord(
        scale="SHE",
        pH=7.0,
        target_V=target,
        potential_V=potential_SHE,
        potential_absolute_V=potential_SHE + 4.4,
        excess_electrons=excess,
        tolerance_V=0.01,
    )


def _relaxed(energy: float, electrode: ElectrodeRecord | None):
    """A relaxation document as removal_result reads it."""
    return SimpleNamespace(
        output=SimpleNamespace(energy=energy),
        is_force_converged=True,
        scf_recoveries=[],
        resumed=None,
        dir_name=None,
        electrode=electrode,
    )


def _neb(structure, electrodes: list[ElectrodeRecord | None], energies=BAND_EV) -> CuNebResult:
    return CuNebResult(
        images=[structure] * len(energies),
        energies=list(energies),
        converged=True,
        image_fmax=[0.01] * len(energies),
        image_electrodes=electrodes,
    )


@pytest.fixture(scope="module")
def endpoints():
    return build_endpoints.original(CONFIG, BULK)


def _result(endpoints, calculator, initial, final, neb):
    return removal_result.original(
        CONFIG,
        calculator,
        NebSettings(n_images=3),
        BULK,
        endpoints,
        initial,
        final,
        None,
        neb,
    )


def test_an_sjm_result_carries_potentials_and_the_charge_along_the_path(endpoints):
    # -0.9 V SHE at pH 7; the initial state reached -0.905 V SHE with 0.10 e, the
    # images 0.12, 0.18 (the top), 0.15 e, the final state 0.14 e.
    initial = _relaxed(BAND_EV[0], _record(-0.905, 0.10))
    final = _relaxed(BAND_EV[-1], _record(-0.897, 0.14))
    images = [None, _record(-0.9, 0.12), _record(-0.9, 0.18), _record(-0.9, 0.15), None]
    result = _result(endpoints, _spec(-0.9, 0.05), initial, final, _neb(endpoints.initial, images))
    assert result.state == "successful"
    assert result.electrode == "constant-potential"
    # U_RHE = U_SHE + 0.059159 V x 7 = U_SHE + 0.414113 V
    assert result.electrode_target_V_RHE == pytest.approx(-0.9 + 0.414113, abs=1e-5)
    assert result.electrode_potential_V_RHE == pytest.approx(-0.905 + 0.414113, abs=1e-5)
    assert result.initial_potential_V_RHE == result.electrode_potential_V_RHE
    assert result.excess_electrons_initial_e == pytest.approx(0.10)
    assert result.excess_electrons_ts_e == pytest.approx(0.18)
    assert result.excess_electrons_final_e == pytest.approx(0.14)
    assert result.charge_transferred_e == pytest.approx(0.08)  # 0.18 - 0.10
    assert result.charge_transferred_final_e == pytest.approx(0.04)  # 0.14 - 0.10
    # the barrier is the grand potential's: -99.5 - (-100.0)
    assert result.forward_barrier_eV == pytest.approx(0.5)
    (bar,) = barriers_at_potentials(result, [0.0, -1.0])
    assert bar.method == "constant-potential"
    assert bar.potential_V_RHE == pytest.approx(-0.490887, abs=1e-5)


def test_the_reference_is_constant_charge_and_the_che_treats_it_as_zero_charge(endpoints):
    # zero excess charge all along; the neutral solvated initial state sat at
    # -0.30 V SHE (its potential of zero charge)
    records = [_record(-0.30, 0.0, target=None) for _ in range(5)]
    reference = pzc_reference(_spec(-0.9, 0.05))
    initial = _relaxed(BAND_EV[0], records[0])
    final = _relaxed(BAND_EV[-1], records[-1])
    neb = _neb(endpoints.initial, [None, *records[1:4], None])
    result = _result(endpoints, reference, initial, final, neb)
    assert result.electrode == "constant-charge"
    assert result.electrode_potential_V_RHE is None
    assert result.electrode_target_V_RHE is None
    assert result.initial_potential_V_RHE == pytest.approx(-0.30 + 0.414113, abs=1e-5)
    assert result.charge_transferred_e == 0.0
    assert result.pzc_reference_id == result.config_id
    (bar,) = barriers_at_potentials(result, [-0.5])
    assert (bar.method, bar.potential_V_RHE) == ("che-bep", -0.5)


def test_every_potential_of_a_sweep_names_one_reference():
    ids = {CONFIG.config_id(pzc_reference(_spec(u, 0.05))) for u in (-0.9, -0.5, None)}
    assert ids == {CONFIG.config_id(pzc_reference(_spec(None)))}
    assert CONFIG.config_id(_spec(-0.9)) not in ids


def test_a_band_topped_by_its_final_state_takes_the_final_relaxation(endpoints):
    # uphill all the way: the highest point is the final state, whose record is
    # its relaxation's (the NEB records interior images only)
    uphill = [-100.0, -99.9, -99.8, -99.7, -99.6]
    initial = _relaxed(uphill[0], _record(-0.9, 0.10))
    final = _relaxed(uphill[-1], _record(-0.9, 0.25))
    images = [None, _record(-0.9, 0.12), _record(-0.9, 0.15), _record(-0.9, 0.2), None]
    neb = _neb(endpoints.initial, images, energies=uphill)
    result = _result(endpoints, _spec(-0.9), initial, final, neb)
    assert result.excess_electrons_ts_e == pytest.approx(0.25)
    assert result.charge_transferred_e == pytest.approx(0.15)  # 0.25 - 0.10


def test_a_failed_initial_relaxation_keeps_the_target_as_the_potential(endpoints):
    final = _relaxed(BAND_EV[-1], _record(-0.9, 0.14))
    result = _result(endpoints, _spec(-0.9), None, final, None)
    assert result.state == "failed"
    assert result.electrode_potential_V_RHE == pytest.approx(-0.9 + 0.414113, abs=1e-5)
    assert result.excess_electrons_initial_e is None
    assert result.charge_transferred_final_e is None


def test_a_result_without_electrode_has_no_electrode_fields(endpoints):
    spec = CalculatorSpec(code="emt")
    result = _result(
        endpoints, spec, _relaxed(-100.0, None), _relaxed(-99.9, None), _neb(endpoints.initial, [])
    )
    assert result.electrode is None and result.pzc_reference_id is None
    assert result.electrode_potential_V_RHE is None and result.charge_transferred_e is None
