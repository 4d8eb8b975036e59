"""Surface state vs potential and its exact crossing potentials (by hand)."""

from __future__ import annotations

import pandas as pd
import pytest

from cudiss.analysis.documents import CalculatorInfo
from cudiss.analysis.mechanism_documents import AdsorptionResult, GasResult
from cudiss.analysis.surface_state import surface_crossings, surface_state_table
from cudiss.structures.errors import CudissInputError
from tests.helpers.documents import make_result

# G(H2) = -7.0, G(H2O) = -14.0, G(CO2) = -23.0 after the literature corrections
# (H2 -0.0500752, H2O -0.0072288, CO2 -0.2600752; see test_adsorption).
E_GAS = {"H2": -7.0 + 0.0500752, "H2O": -14.0 + 0.0072288, "CO2": -23.0 + 0.2600752}
GRID = [-1.0, -0.5, 0.0, 0.5, 1.0]


def gases():
    return [
        GasResult(
            gas_id=f"gas/{n}",
            name=n,
            state="successful",
            energy_eV=e,
            geometry="linear",
            symmetry_number=2,
            calculator=CalculatorInfo(code="emt"),
        )
        for n, e in E_GAS.items()
    ]


def ads(name, energy, slab=-100.0):
    return AdsorptionResult(
        adsorption_id=f"c/100/{name}",
        campaign="c",
        facet="100",
        adsorbate=name,
        state="successful",
        slab_size=(2, 2),
        layers=3,
        n_surface_atoms=4,
        coverage_ML=0.25,
        clean_slab_energy_eV=slab,
        energy_eV=energy,
        calculator=CalculatorInfo(code="emt"),
    )


def terrace():
    # H*: dG0 = -103.38 + 100 + 3.5 = 0.12 -> H* below bare for U < -0.12
    # OH*: OH* <- H2O - (H+ + e-): dG0 = -110.4 + 100 + 14 - 3.5 = 0.1, n = -1
    #      -> OH* below bare for 0.1 - U < 0, U > 0.1
    return [ads("H", -103.38), ads("OH", -110.4)]


def state(**kw):
    return surface_state_table(terrace(), [], gases(), GRID, **kw)


def test_terrace_candidates_by_hand():
    df = state()
    at = df[df["U_V_RHE"] == -0.5].set_index("candidate")
    assert at.loc["H*", "dG_eV"] == pytest.approx(0.12 - 0.5, abs=1e-6)
    assert at.loc["OH*", "dG_eV"] == pytest.approx(0.1 + 0.5, abs=1e-6)
    assert at.loc["bare", "dG_eV"] == 0.0
    stable = df[df["most_stable"]].set_index("U_V_RHE")["candidate"]
    assert stable.to_dict() == {-1.0: "H*", -0.5: "H*", 0.0: "bare", 0.5: "OH*", 1.0: "OH*"}
    assert set(df["site"]) == {"terrace"}
    cov = df.drop_duplicates("candidate").set_index("candidate")["coverage_ML"]
    assert cov.to_dict() == {"bare": 0.0, "H*": 0.25, "OH*": 0.25}
    assert "CHE" in " ".join(df.attrs["approximations"])


def test_h_bare_crossing_is_minus_dG_H():
    # exact crossings, not grid points: H*/bare at U = -dG_H*(0)/e = -0.12; bare/OH* at +0.1
    cross = surface_crossings(state())
    assert cross["U_V_RHE"].tolist() == pytest.approx([-0.12, 0.1], abs=1e-6)
    assert cross[["from_state", "to_state"]].values.tolist() == [["H*", "bare"], ["bare", "OH*"]]


def test_crossings_on_she_scale_move_with_ph():
    # SHE grid at pH 0 and 7: the RHE crossings stay at -0.12 and 0.1 V_RHE;
    # on SHE they are U_RHE - 0.0591593 pH: at pH 7, -0.12 - 0.414115 = -0.534115
    grid = [-2.0, 1.0]
    df = surface_state_table(terrace(), [], gases(), grid, scale="SHE", pHs=[0, 7])
    cross = surface_crossings(df)
    at7 = cross[cross["pH"] == 7.0]
    assert at7["U_V_RHE"].tolist() == pytest.approx([-0.12, 0.1], abs=1e-6)
    assert at7["U_V"].iloc[0] == pytest.approx(-0.534115, abs=1e-5)
    assert set(at7["scale"]) == {"SHE"}


def test_removal_site_candidates():
    # bare kink slab -100.0; H on the kink Cu: E_IS = -103.2 -> dG0 = -103.2 + 100 + 3.5 = 0.3
    # CO on the kink Cu: E_IS = -116.5 -> dG0 = -116.5 + 100 + 16 = -0.5, n = 2
    removals = [
        make_result(),
        make_result(config_id="k/H", adsorbates=["H"], slab_energy_eV=-103.2),
        make_result(config_id="k/CO", adsorbates=["CO"], slab_energy_eV=-116.5),
    ]
    df = surface_state_table([], removals, gases(), GRID)
    kink = df[df["site"] == "kink"]
    at0 = kink[kink["U_V_RHE"] == 0.0].set_index("candidate")["dG_eV"]
    assert at0["H*"] == pytest.approx(0.3, abs=1e-6)
    assert at0["CO*"] == pytest.approx(-0.5, abs=1e-6)
    # CO* (n = 2) vs bare: -0.5 + 2U = 0 at U = 0.25; H* never wins against CO* on [-1, 1]
    # (0.3 + U < -0.5 + 2U needs U > 0.8, where bare is already lower)
    cross = surface_crossings(df)
    assert cross[["from_state", "to_state"]].values.tolist() == [["CO*", "bare"]]
    assert cross["U_V_RHE"].iloc[0] == pytest.approx(0.25, abs=1e-6)


def test_bad_inputs():
    with pytest.raises(CudissInputError):
        surface_state_table([], [], gases(), GRID)
    with pytest.raises(CudissInputError):
        state(pHs=[30])
    with pytest.raises(CudissInputError):
        state(scale="NHE")
    with pytest.raises(CudissInputError, match="not a surface-state table"):
        surface_crossings(pd.DataFrame({"x": [1]}))
