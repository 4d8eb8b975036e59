"""CO2ER routes from adsorption results: step ΔG(0), limiting potential, PDS (by hand)."""

from __future__ import annotations

import pytest

from cudiss.analysis.co2er import co2er_routes, co2er_table
from cudiss.analysis.documents import CalculatorInfo
from cudiss.analysis.mechanism_documents import AdsorptionResult, GasResult
from cudiss.structures.errors import CudissInputError

# Literature corrections (analysis.thermo, kT = 0.0256928 eV): H2 -0.0500752, H2O -0.0072288,
# CO2 -0.2600752, CO 0.13 + 3.5 kT - 0.61 = -0.3900752. Energies chosen for round G:
# G(H2) = -7.0, G(H2O) = -14.0, G(CO2) = -23.0, G(CO) = -15.8 (to 1e-5: kT rounded).
E_GAS = {
    "H2": -7.0 + 0.0500752,
    "H2O": -14.0 + 0.0072288,
    "CO2": -23.0 + 0.2600752,
    "CO": -15.8 + 0.3900752,
    "HCOOH": -30.0,  # no frequencies, no bundled literature value: left out
}
EMT = CalculatorInfo(code="emt")


def gases():
    return [
        GasResult(
            gas_id=f"gas/{n}",
            name=n,
            state="successful",
            energy_eV=e,
            geometry="nonlinear",
            symmetry_number=1,
            calculator=EMT,
        )
        for n, e in E_GAS.items()
    ]


def ads(name, energy, facet="100", calc=EMT):
    return AdsorptionResult(
        adsorption_id=f"c/{facet}/{name}",
        campaign="c",
        facet=facet,
        adsorbate=name,
        state="successful",
        slab_size=(2, 2),
        layers=3,
        n_surface_atoms=4,
        coverage_ML=0.25,
        clean_slab_energy_eV=-100.0,
        energy_eV=energy,
        calculator=calc,
    )


def adsorptions():
    # formation F(0) = E - E_slab - reservoirs (E_slab = -100):
    # COOH*: CO2 + 1/2 H2 = -26.5   -> F = -126.0 + 100 + 26.5 = 0.5,  n = 1
    # CO*:   CO2 - H2O + H2 = -16.0 -> F = -116.3 + 100 + 16.0 = -0.3, n = 2
    # CHO*:  CO2 - H2O + 3/2 H2 = -19.5 -> F = -119.0 + 100 + 19.5 = 0.5, n = 3
    # COH*:  same reservoirs        -> F = -118.6 + 100 + 19.5 = 0.9, n = 3
    # OCHO*: like COOH*             -> F = -126.3 + 100 + 26.5 = 0.2, n = 1
    return [
        ads("COOH", -126.0),
        ads("CO", -116.3),
        ads("CHO", -119.0),
        ads("COH", -118.6),
        ads("OCHO", -126.3),
    ]


def test_routes_by_hand():
    routes = co2er_routes(adsorptions(), gases(), "100")
    # HCOOH(g) has no free energy (no own vibrations, no citable literature value)
    assert set(routes) == {"CO", "CHO", "COH"}
    co = routes["CO"]
    # CO2 -> COOH*: 0.5 (n 1); COOH* -> CO* + H2O: -0.3 - 0.5 = -0.8 (n 1);
    # CO* -> CO(g): F(CO g) = -15.8 + 16.0 = 0.2, 0.2 - (-0.3) = 0.5 (n 0, chemical)
    assert [s.dG0_eV for s in co] == pytest.approx([0.5, -0.8, 0.5], abs=1e-5)
    assert [s.n_electrons for s in co] == [1, 1, 0]
    assert co[1].name == "COOH* -> CO* + H2O"
    # CO* -> CHO*: 0.5 + 0.3 = 0.8 (n 1); CO* -> COH*: 0.9 + 0.3 = 1.2 (n 1)
    assert routes["CHO"][-1].dG0_eV == pytest.approx(0.8, abs=1e-5)
    assert routes["COH"][-1].dG0_eV == pytest.approx(1.2, abs=1e-5)


def test_table_limiting_potentials():
    df = co2er_table(adsorptions(), gases())
    ul = df.groupby("route")["U_L_V_RHE"].first()
    # U_L = -max dG_i/n_i over reduction steps: CO -0.5 (CO2 -> COOH*), CHO -0.8, COH -1.2
    assert ul.to_dict() == pytest.approx({"CO": -0.5, "CHO": -0.8, "COH": -1.2}, abs=1e-5)
    pds = df[df["potential_determining"]].set_index("route")["step"].to_dict()
    assert pds == {"CO": "CO2 -> COOH*", "CHO": "CO* -> CHO*", "COH": "CO* -> COH*"}
    left = " ".join(df.attrs["routes_left_out"])
    assert "HCOOH" in left and "no frequencies" in left
    assert set(df["vibrations_source"]) >= {"COOH* no vibrations: ΔE only"}
    assert "CHE" in " ".join(df.attrs["approximations"])


def test_missing_species_leaves_route_out():
    # without CHO* the CHO route is gone, the others stay
    routes = co2er_routes([a for a in adsorptions() if a.adsorbate != "CHO"], gases(), "100")
    assert set(routes) == {"CO", "COH"}


def test_bad_inputs():
    with pytest.raises(CudissInputError, match="no adsorption results on facet"):
        co2er_routes(adsorptions(), gases(), "111")
    gpaw = ads("H", -103.0, calc=CalculatorInfo(code="gpaw", preset="test"))
    with pytest.raises(CudissInputError, match="pass one calculator"):
        co2er_routes([*adsorptions(), gpaw], gases(), "100")
    with pytest.raises(CudissInputError, match="two CO\\* results"):
        co2er_routes([*adsorptions(), ads("CO", -116.0)], gases(), "100")
    with pytest.raises(CudissInputError):
        co2er_table([], gases())


def test_two_cells_of_one_facet_are_told_apart_by_the_cell_column():
    # the same energies in a 3x3 cell (E_slab -100 too): the same steps, labelled 3x3
    big = [
        a.model_copy(update={"slab_size": (3, 3), "adsorption_id": "big"}) for a in adsorptions()
    ]
    df = co2er_table([*adsorptions(), *big], gases())
    assert sorted(df["cell"].unique()) == ["2x2", "3x3"]
    co = df[df["route"] == "CO"].groupby("cell")["dG0_eV"].apply(list)
    assert co["2x2"] == pytest.approx([0.5, -0.8, 0.5], abs=1e-5)
    assert co["3x3"] == pytest.approx([0.5, -0.8, 0.5], abs=1e-5)
