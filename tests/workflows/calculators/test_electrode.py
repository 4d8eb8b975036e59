"""The electrode potential on a calculator spec (GPAW's SJM as data); no DFT runs here."""

from __future__ import annotations

import numpy as np
import pytest
from ase.build import fcc100
from ase.calculators.emt import EMT
from gpaw.solvation.sjm import PotentialConvergenceError

from cudiss.workflows.calculators import CalculatorSpec, as_spec
from cudiss.workflows.calculators.electrode import (
    POTENTIAL_LADDER,
    ElectrodeCalculator,
    ElectrodeSpec,
)
from cudiss.workflows.errors import SettingsError


def sjm(**electrode) -> CalculatorSpec:
    return CalculatorSpec(code="gpaw", preset="sjm-test", electrode=electrode)


def test_the_target_is_the_rhe_potential_on_gpaws_absolute_scale() -> None:
    # -0.5 V vs RHE at pH 7: -0.5 - 7 x 0.059159 = -0.91411 V vs SHE; + 4.4 V
    sj = sjm(potential_V=-0.5, pH=7).electrode.sj_parameters()
    assert sj["target_potential"] == pytest.approx(3.48589, abs=1e-5)
    assert sj["tol"] == 0.01 and sj["max_iters"] == 10
    assert sj["jelliumregion"] == {"top": -1.0, "bottom": -3.0}
    assert "slope" not in sj  # SJM's own first guess unless one is given
    assert sjm(potential_V=0.1, scale="she").electrode.target_absolute_V() == pytest.approx(4.5)


def test_constant_charge_has_no_target() -> None:
    electrode = ElectrodeSpec(potential_V=None, excess_electrons=-0.1)
    assert electrode.sj_parameters()["target_potential"] is None
    assert electrode.sj_parameters()["excess_electrons"] == -0.1
    assert not electrode.constant_potential
    assert electrode.label() == "-0.10 e (constant charge)"


def test_labels_and_tags_name_the_potential() -> None:
    spec = sjm(potential_V=-0.5, pH=7)
    assert spec.electrode.label() == "-0.50 V RHE pH 7"
    assert spec.label() == "gpaw-sjm-test@-0.50V_RHE_pH7"
    assert sjm(potential_V=0.2, scale="SHE", pH=7).label() == "gpaw-sjm-test@+0.20V_SHE"
    # two potentials are two calculators: ids (which contain the label) differ
    assert sjm(potential_V=-0.5).label() != sjm(potential_V=-0.6).label()


def test_a_campaign_mapping_reaches_the_spec() -> None:
    spec = as_spec(
        {"code": "gpaw", "preset": "sjm-test", "electrode": {"potential_V": -0.3, "pH": 13}}
    )
    assert spec.electrode.pH == 13 and spec.electrode.potential_V == -0.3


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"code": "gpaw", "electrode": {"potential_V": 0.0}}, "needs mode fd or lcao, not pw"),
        ({"code": "emt", "electrode": {"potential_V": 0.0}}, "needs code gpaw"),
        ({"code": "gpaw", "preset": "sjm-test", "electrode": {"potential_V": 0, "pH": 20}}, "pH"),
        (
            {"code": "gpaw", "preset": "sjm-test", "electrode": {"potential_V": 0, "scale": "x"}},
            "scale",
        ),
        (
            {
                "code": "gpaw",
                "preset": "sjm-test",
                "electrode": {"potential_V": 0, "tolerance_V": 0},
            },
            "tolerance_V",
        ),
        (
            {
                "code": "gpaw",
                "preset": "sjm-test",
                "electrode": {"potential_V": 0, "slope_V_per_electron": 5},
            },
            "slope_V_per_electron",
        ),
        ({"code": "gpaw", "preset": "sjm-test", "electrode": {"potential": 0}}, "potential"),
    ],
)
def test_bad_electrodes_are_one_line_errors(data, fragment) -> None:
    with pytest.raises(SettingsError, match=fragment) as info:
        as_spec(data)
    assert "\n" not in str(info.value)


def test_the_sjm_preset_is_a_real_space_grid() -> None:
    params = sjm(potential_V=0.0).parameters()
    assert params["mode"] == {"name": "fd"} and params["h"] == 0.2
    assert params["kpts"] == {"size": [2, 2, 1]}


def test_a_z_periodic_slab_is_not_a_new_geometry_for_the_electrode_calculator() -> None:
    # cudiss slabs are periodic along z; SJM computes them open along z
    calc = ElectrodeCalculator(lambda rung, electrode: EMT(), ElectrodeSpec(potential_V=0.0), {})
    slab = fcc100("Cu", (2, 2, 3), vacuum=6.0)
    slab.pbc = True
    opened = slab.copy()
    opened.pbc = [True, True, False]
    calc.atoms = opened
    assert calc.check_state(slab) == []
    moved = slab.copy()
    moved.positions[0] += 0.1
    assert "positions" in calc.check_state(moved)
    assert np.array_equal(slab.pbc, [True, True, True])  # the caller's atoms are untouched


class ReachesTheTargetWith(EMT):
    """EMT posing as SJM: fails to reach the potential unless the electrode allows ``needs``."""

    def __init__(self, electrode: ElectrodeSpec, needs) -> None:
        super().__init__()
        self.electrode = electrode
        self.needs = needs
        self.parameters["sj"] = {
            "excess_electrons": -0.07,
            "tol": electrode.tolerance_V,
            "always_adjust": False,
        }

    def calculate(self, *args, **kwargs) -> None:
        if not self.needs(self.electrode):
            raise PotentialConvergenceError("Potential could not be reached after 10 iterations")
        super().calculate(*args, **kwargs)

    def get_electrode_potential(self) -> float:
        return 3.5


def run_with(needs) -> ElectrodeCalculator:
    calc = ElectrodeCalculator(
        lambda rung, electrode: ReachesTheTargetWith(electrode, needs),
        ElectrodeSpec(potential_V=-0.9, scale="SHE", excess_electrons=-0.05),
        {},
    )
    atoms = fcc100("Cu", (2, 2, 2), vacuum=6.0)
    atoms.calc = calc
    atoms.get_potential_energy()
    return calc


def test_a_missed_potential_climbs_the_ladder_and_is_recorded() -> None:
    calc = run_with(lambda electrode: electrode.max_iterations >= 25)
    assert calc.potential_rung == 1
    assert calc.electrode.max_iterations == 25
    assert calc.results["electrode_potential"] == 3.5
    assert calc.results["excess_electrons"] == -0.07
    assert len(calc.recoveries) == 1
    assert "potential not reached" in calc.recoveries[0] and "25 attempts" in calc.recoveries[0]


def test_the_second_rung_restarts_from_the_neutral_slab() -> None:
    calc = run_with(lambda electrode: electrode.excess_electrons == 0.0)
    assert calc.potential_rung == 2
    assert calc.electrode.slope_V_per_electron is None
    assert len(calc.recoveries) == 2


def test_past_the_last_rung_the_error_says_so() -> None:
    with pytest.raises(PotentialConvergenceError, match=f"after {len(POTENTIAL_LADDER)} recovery"):
        run_with(lambda electrode: False)


def test_rough_forces_loosen_the_potential_search_and_none_restores_it() -> None:
    from tests.helpers.sjm_stand_in import stand_in_electrode

    calc = stand_in_electrode([])
    atoms = fcc100("Cu", size=(2, 2, 3), vacuum=6.0)
    atoms.calc = calc
    atoms.get_potential_energy()
    sj = calc.inner.parameters["sj"]
    assert (sj["tol"], sj["always_adjust"], calc.loose) == (0.01, False, False)
    calc.set_force_tolerance(0.2)  # an early band step: forces to 0.2 eV/Å
    atoms.positions[-1, 2] += 0.05
    atoms.get_potential_energy()
    assert (sj["tol"], sj["always_adjust"], calc.loose) == (0.05, True, True)
    calc.set_force_tolerance(None)
    assert calc.discard_loose_results() and not calc.results
    atoms.get_potential_energy()  # the same geometry again, at the electrode's tolerance
    assert (sj["tol"], sj["always_adjust"], calc.loose) == (0.01, False, False)


def test_an_electrode_tolerance_looser_than_the_band_one_is_kept() -> None:
    calc = ElectrodeCalculator(
        lambda rung, now: None, ElectrodeSpec(potential_V=-1.0, tolerance_V=0.1), {}
    )
    calc.set_force_tolerance(0.2)
    assert not calc.potential_loose


class ConstantChargeSjm(EMT):
    """EMT posing as SJM at constant charge: like SJM, a changed ``tol`` is compared
    with the target potential, None here (GPAW raises TypeError)."""

    def __init__(self) -> None:
        super().__init__()
        self.parameters["sj"] = {"excess_electrons": 0.0, "tol": 0.01, "always_adjust": False}

    def set(self, **kwargs):
        if "sj" in kwargs:
            raise TypeError("unsupported operand type(s) for -: 'float' and 'NoneType'")
        return super().set(**kwargs)

    def get_electrode_potential(self) -> float:
        return 2.7


def test_a_constant_charge_band_leaves_sjms_tolerance_alone() -> None:
    # the neutral reference of bench_sjm.py: a solvated band with a fixed count
    calc = ElectrodeCalculator(
        lambda rung, now: ConstantChargeSjm(), ElectrodeSpec(potential_V=None), {}
    )
    atoms = fcc100("Cu", size=(2, 2, 3), vacuum=6.0)
    atoms.calc = calc
    calc.set_force_tolerance(0.2)
    assert not calc.potential_loose
    atoms.get_potential_energy()
    assert calc.results["excess_electrons"] == 0.0 and not calc.loose
