"""Reservoirs: formation stoichiometry, gas free energies, atom and charge balance (by hand)."""

from __future__ import annotations

import pytest

from cudiss.analysis.balance import State, check_balance, removal_states
from cudiss.analysis.documents import CalculatorInfo
from cudiss.analysis.mechanism_documents import GasResult
from cudiss.analysis.reservoirs import (
    GasReferences,
    formation,
    gas_free_energies,
    gas_product_formation,
)
from cudiss.structures.errors import CudissInputError

# kT at 298.15 K = 8.617333e-5 x 298.15 = 0.0256928 eV; literature corrections
# (analysis.thermo): H2 0.27 + 3.5 kT - 0.41 = -0.0500752; H2O 0.56 + 4 kT - 0.67 = -0.0072288
# (0.035 bar); CO2 0.31 + 3.5 kT - 0.66 = -0.2600752.
CORR_H2, CORR_H2O, CORR_CO2 = -0.0500752, -0.0072288, -0.2600752


def gas(name, energy, state="successful", freqs=(), **kw):
    geo = {"H2": ([[0, 0, 0], [0, 0, 0.74]], "linear", 2)}
    pos, geometry, sigma = geo.get(name, ([[0, 0, 0]] * 0, "nonlinear", 2))
    symbols = ["H", "H"] if name == "H2" else []
    return GasResult(
        gas_id=f"gas/{name}/emt",
        name=name,
        state=state,
        energy_eV=energy,
        symbols=symbols,
        positions_A=pos,
        frequencies_cm=list(freqs),
        geometry=geometry,
        symmetry_number=sigma,
        calculator=CalculatorInfo(code="emt"),
        **kw,
    )


# ------------------------------------------------------------ stoichiometry
@pytest.mark.parametrize(
    ("name", "abn"),
    [
        # a = nC, b = nO - 2 nC, n = nH - 2b
        ("CO", (1, -1, 2)),  # b = 1 - 2 = -1, n = 0 + 2 = 2
        ("OH", (0, 1, -1)),  # b = 1, n = 1 - 2 = -1
        ("H", (0, 0, 1)),
        ("COOH", (1, 0, 1)),  # b = 2 - 2 = 0, n = 1
        ("O", (0, 1, -2)),
        ("H2O", (0, 1, 0)),
        ("CO2", (1, 0, 0)),
        ("CHO", (1, -1, 3)),  # n = 1 + 2 = 3
        ("COH*", (1, -1, 3)),
        ("OCHO", (1, 0, 1)),
        ("HCOO", (1, 0, 1)),  # alias of OCHO
    ],
)
def test_formation_from_co2(name, abn):
    f = formation(name)
    assert (f.a_carbon, f.b_h2o, f.n_pairs) == abn
    assert f.carbon == "CO2"


@pytest.mark.parametrize(
    ("name", "abn"),
    # a = nC (CO), b = nO - nC, n = nH - 2b
    [("CO", (1, 0, 0)), ("COOH", (1, 1, -1)), ("CHO", (1, 0, 1)), ("OH", (0, 1, -1))],
)
def test_formation_from_co(name, abn):
    f = formation(name, carbon="CO")
    assert (f.a_carbon, f.b_h2o, f.n_pairs) == abn


def test_formation_of_a_set_sums():
    # CO + H: C1 O1 H1 -> a = 1, b = -1, n = 1 + 2 = 3
    f = formation(["CO", "H"])
    assert (f.a_carbon, f.b_h2o, f.n_pairs, f.name) == (1, -1, 3, "CO+H")


@pytest.mark.parametrize(("name", "carbon"), [("NH3", "CO2"), ("Xq7", "CO2"), ("CO", "CH4")])
def test_formation_bad_input_is_one_line_error(name, carbon):
    with pytest.raises(CudissInputError) as err:
        formation(name, carbon)
    assert "\n" not in str(err.value)


# ------------------------------------------------------------ balance
@pytest.mark.parametrize("carbon", ["CO2", "CO"])
@pytest.mark.parametrize(
    "ads",
    [[], ["H"], ["OH"], ["O"], ["CO"], ["COOH"], ["OCHO"], ["CHO"], ["COH"], ["H2O"],
     ["CO2"], ["CO", "H"], ["H", "H"], ["CO", "OH"]],
)  # fmt: skip
def test_every_removal_state_balances(ads, carbon):
    states = removal_states(ads, carbon)
    check_balance(states)  # raises if any state differs
    assert len(states) == (5 if ads else 4)
    assert [s.kind for s in states].count("ts") == 1


def test_co_balance_by_hand():
    # CO* from CO2: bare site + CO2 - H2O + 2 H+ + 2 e-:
    #   Cu 1, C 1, O 2 - 1 = 1, H -2 + 2 = 0, charge +2 - 2 = 0
    # final: Cu2+ + vacancy + CO2 - H2O + 2 H+ + (2 + 2) e-: charge 2 + 2 - 4 = 0
    states = removal_states(["CO"])
    for st in states:
        assert st.balance() == {"Cu": 1, "C": 1, "O": 1}
    assert states[-1].species["e-"] == 4


def test_unbalanced_state_is_refused():
    # H* formed without its electron: charge +1 in the first state, 0 in the second
    s0 = State("bare", "state", {"Cu(site)": 1, "H+": 1})
    with pytest.raises(CudissInputError, match="holds"):
        check_balance([s0, State("H*", "state", {"Cu(site)": 1, "H*": 1})])


# ------------------------------------------------------------ gases
def test_literature_fallback_by_hand():
    refs = gas_free_energies([gas("H2", -6.77), gas("H2O", -14.2), gas("CO2", -22.9)])
    # G = E + correction: -6.77 - 0.0500752 = -6.8200752
    assert refs.G_eV["H2"] == pytest.approx(-6.8200752, abs=1e-6)
    assert refs.G_eV["H2O"] == pytest.approx(-14.2 + CORR_H2O, abs=1e-6)
    assert refs.G_eV["CO2"] == pytest.approx(-22.9 + CORR_CO2, abs=1e-6)
    assert refs.source["H2"].startswith("literature: Nørskov 2004")
    assert refs.E_eV["H2"] == -6.77


def test_co2_correction_added_only_to_co2():
    refs = gas_free_energies([gas("H2", -6.77), gas("CO2", -22.9)], co2_correction_eV=0.45)
    assert refs.G_eV["CO2"] == pytest.approx(-22.9 + CORR_CO2 + 0.45, abs=1e-6)
    assert refs.G_eV["H2"] == pytest.approx(-6.77 + CORR_H2, abs=1e-6)
    assert "0.45" in refs.source["CO2"]


def test_own_vibrations_used_when_present():
    # H2 with one stretch at 4400 cm-1: ZPE = 1/2 x 4400 x 1.239842e-4 = 0.2727652 eV
    refs = gas_free_energies([gas("H2", -6.77, freqs=[0, 0, 0, 10, 10, 4400])])
    assert refs.source["H2"].startswith("own vibrations")
    assert refs.corrections["H2"].zpe_eV == pytest.approx(0.2727652, abs=1e-5)


def test_missing_gases_are_reported():
    refs = gas_free_energies(
        [gas("H2", None, state="failed"), gas("HCOOH", -30.0), gas("H2O", -14.2)],
        fallback=True,
    )
    assert "H2" not in refs.G_eV and "failed" in refs.missing["H2"]
    # no own HCOOH vibrations and no citable literature value: left out, with the reason
    assert "HCOOH" not in refs.G_eV and "no frequencies" in refs.missing["HCOOH"]
    no_fb = gas_free_energies([gas("H2", -6.77)], fallback=False)
    assert "H2" in no_fb.missing and not no_fb.G_eV
    with pytest.raises(CudissInputError, match="needs gas references"):
        refs.reservoir_G(formation("H"))


def test_duplicate_gas_is_input_error():
    with pytest.raises(CudissInputError, match="two successful H2"):
        gas_free_energies([gas("H2", -6.77), gas("H2", -6.70)])


def test_gas_product_formation_by_hand():
    refs = GasReferences(G_eV={"CO": -15.0, "CO2": -23.0, "H2O": -14.0, "H2": -7.0})
    # CO(g) <- CO2 - H2O + 2 (H+ + e-): -15 - (-23 + 14 + 2 x 1/2 x (-7)) = -15 + 16 = 1.0
    assert gas_product_formation("CO", refs) == pytest.approx(1.0)
    assert formation("CO").n_pairs == 2
