"""CHE: RHE/SHE scales, reaction steps, limiting potentials, free-energy diagrams (by hand)."""

from __future__ import annotations

import pytest

from cudiss.analysis.che import (
    ReactionStep,
    free_energy_diagram,
    limiting_potential,
    rhe_from_she,
    she_from_rhe,
    to_rhe,
)
from cudiss.structures.errors import CudissInputError


# ---------------------------------------------------------------- RHE / SHE
@pytest.mark.parametrize(("pH", "expected"), [(7.0, -1.0 + 7 * 0.0591593), (13.0, -0.230929)])
def test_rhe_she_conversion(pH, expected):
    # kT ln10 / e at 298.15 K = 0.0591593 V; -1 + 13 * 0.0591593 = -0.230929
    assert rhe_from_she(-1.0, pH) == pytest.approx(expected, abs=1e-5)
    assert she_from_rhe(rhe_from_she(-1.0, pH), pH) == pytest.approx(-1.0, abs=1e-12)
    assert to_rhe(-1.0, "SHE", pH) == pytest.approx(expected, abs=1e-5)
    assert to_rhe(-1.0, "RHE", pH) == -1.0


def test_unknown_scale_is_input_error():
    with pytest.raises(CudissInputError):
        to_rhe(0.0, "AgCl")


# ---------------------------------------------------------------- CHE network
def network():
    # CO2 -> *COOH (n=1, +0.4), *COOH -> *CO + H2O (n=1, -0.1), *CO -> CO(g) (chemical, +0.2)
    return [
        ReactionStep("*COOH", 0.4, 1),
        ReactionStep("*CO", -0.1, 1),
        ReactionStep("CO(g)", 0.2, 0),
    ]


def test_che_shift_and_limiting_potential():
    steps = network()
    # dG(U) = dG(0) + n U: at U = -0.5, 0.4 - 0.5 = -0.1; chemical step unchanged
    assert steps[0].free_energy(-0.5) == pytest.approx(-0.1)
    assert steps[2].free_energy(-0.5) == pytest.approx(0.2)
    lim = limiting_potential(steps)
    # U_L = -max(0.4, -0.1) = -0.4 V; the chemical step (0.2) is not potential-determining
    assert lim.U_L_V_RHE == pytest.approx(-0.4)
    assert lim.step_index == 0 and lim.step.name == "*COOH"


def test_limiting_potential_picks_later_step_and_two_electron_step():
    steps = [ReactionStep("a", 0.1, 1), ReactionStep("b", 0.8, 2), ReactionStep("c", 0.3, 1)]
    lim = limiting_potential(steps)
    # per electron: 0.1, 0.4, 0.3 -> U_L = -0.4 from step "b"
    assert lim.U_L_V_RHE == pytest.approx(-0.4) and lim.step.name == "b"
    with pytest.raises(CudissInputError):
        limiting_potential([ReactionStep("chem", 0.3, 0)])


def test_free_energy_diagram_levels():
    df = free_energy_diagram(network(), [0.0, -0.4], initial_state="CO2")
    at0 = df[df["U_V_RHE"] == 0.0]["G_eV"].tolist()
    at_ul = df[df["U_V_RHE"] == -0.4]["G_eV"].tolist()
    assert at0 == pytest.approx([0.0, 0.4, 0.3, 0.5])
    # at U_L every electrochemical level is non-increasing: 0, 0.0, -0.5, -0.3
    assert at_ul == pytest.approx([0.0, 0.0, -0.5, -0.3])
    assert df["state"].tolist()[:4] == ["CO2", "*COOH", "*CO", "CO(g)"]


def test_step_from_free_energies_uses_half_h2():
    step = ReactionStep.from_free_energies("x", -10.0, -13.0, 1, G_H2_eV=-6.8)
    assert step.dG0_eV == pytest.approx(-13.0 + 10.0 + 3.4)
