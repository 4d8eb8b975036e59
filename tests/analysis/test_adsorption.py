"""Adsorption free energies under the CHE (by hand)."""

from __future__ import annotations

import math

import pytest

from cudiss.analysis.adsorption import adsorbate_vibrations, adsorption_table
from cudiss.analysis.documents import CalculatorInfo
from cudiss.analysis.mechanism_documents import AdsorptionResult, GasResult
from cudiss.structures.errors import CudissInputError
from cudiss.structures.placement import place_adsorbate
from cudiss.structures.sites import get_site
from cudiss.structures.slabs import cu_slab

# Literature gas corrections (analysis.thermo), kT(298.15 K) = 0.0256928 eV:
# H2 -0.0500752, H2O -0.0072288, CO2 -0.2600752. Gas energies chosen so that G is round:
# G(H2) = -7.0, G(H2O) = -14.0, G(CO2) = -23.0.
E_H2, E_H2O, E_CO2 = -7.0 + 0.0500752, -14.0 + 0.0072288, -23.0 + 0.2600752


def gases(calc=None):
    calc = calc or CalculatorInfo(code="emt")
    return [
        GasResult(
            gas_id=f"gas/{n}",
            name=n,
            state="successful",
            energy_eV=e,
            geometry="linear",
            symmetry_number=2,
            calculator=calc,
        )
        for n, e in (("H2", E_H2), ("H2O", E_H2O), ("CO2", E_CO2))
    ]


def ads(name, energy, slab=-100.0, freqs=(), state="successful", facet="100"):
    return AdsorptionResult(
        adsorption_id=f"c/{facet}/{name}",
        campaign="c",
        facet=facet,
        adsorbate=name,
        state=state,
        slab_size=(2, 2),
        layers=3,
        n_surface_atoms=4,
        coverage_ML=0.25,
        clean_slab_energy_eV=slab,
        best_site="hollow",
        energy_eV=energy,
        frequencies_cm=list(freqs),
        calculator=CalculatorInfo(code="emt"),
    )


def test_h_star_by_hand():
    # H*: n = 1. E(slab+H) - E(slab) = -103.3 + 100.0 = -3.3
    # dE = -3.3 - 1/2 E(H2) = -3.3 + 3.4749624 = 0.1749624
    # dG0 = -3.3 - 1/2 G(H2) = -3.3 + 3.5 = 0.2 (no vibrations: the adsorbate adds nothing)
    df = adsorption_table([ads("H", -103.3)], gases(), potentials=[0.0, -0.5])
    row = df[df["U_V_RHE"] == -0.5].iloc[0]
    assert row["dE_ads_eV"] == pytest.approx(0.1749624, abs=1e-6)
    assert row["dG0_ads_eV"] == pytest.approx(0.2, abs=1e-6)  # kT rounded to 7 digits
    assert row["dG_ads_eV"] - row["dG0_ads_eV"] == pytest.approx(-0.5, abs=1e-12)  # n e U
    assert row["n_pairs"] == 1
    assert row["vibrations_source"] == "no vibrations: ΔE only"
    assert "H2: literature" in row["gas_source"]
    assert math.isnan(row["zpe_eV"])
    assert row["coverage_ML"] == 0.25


def test_co_star_shifts_by_two_eU():
    # CO* <- CO2 - H2O + 2 (H+ + e-): reservoirs G = -23 + 14 - 7 = -16.0
    # dG0 = (-116.1 + 100.0) + 16.0 = -0.1; dG(U) - dG(0) = 2U exactly
    us = [-1.0, -0.37, 0.0, 0.4]
    df = adsorption_table([ads("CO", -116.1)], gases(), potentials=us)
    assert df["dG0_ads_eV"].iloc[0] == pytest.approx(-0.1, abs=1e-6)
    for u, dg, dg0 in zip(df["U_V_RHE"], df["dG_ads_eV"], df["dG0_ads_eV"], strict=True):
        assert dg - dg0 == pytest.approx(2 * u, abs=1e-12)
    assert set(df["n_pairs"]) == {2}


def test_harmonic_correction_by_hand():
    # H* modes 1000, 800, 600 cm-1 (x 1.239842e-4 eV): 0.1239842, 0.0991874, 0.0743905 eV
    # ZPE = 1/2 x 0.2975621 = 0.1487811
    # x = hv/kT = 4.82565, 3.86052, 2.89539; e^-x = 0.0080222, 0.0210532, 0.0552936
    # U - ZPE = kT sum x e^-x/(1-e^-x) = 0.0256928 x (0.039025 + 0.083025 + 0.169470) = 0.0074899
    # S/k = sum [x e^-x/(1-e^-x) - ln(1-e^-x)] = 0.047079 + 0.104303 + 0.226351 = 0.377733
    # TS = 0.0256928 x 0.377733 = 0.0097050
    # correction = 0.1487811 + 0.0074899 - 0.0097050 = 0.1465660; dG0 = 0.2 + 0.146566
    df = adsorption_table([ads("H", -103.3, freqs=[1000, 800, 600])], gases())
    row = df.iloc[0]
    assert row["zpe_eV"] == pytest.approx(0.1487811, abs=2e-5)
    assert row["ts_eV"] == pytest.approx(0.0097050, abs=2e-5)
    assert row["dG0_ads_eV"] == pytest.approx(0.346566, abs=5e-5)
    assert row["vibrations_source"] == "harmonic"


def test_imaginary_modes_are_labelled():
    _, soft = adsorbate_vibrations([1000.0, -30.0])
    assert soft == "harmonic (1 soft imaginary mode raised to 50 cm-1)"
    corr, hard = adsorbate_vibrations([1000.0, -200.0])
    assert corr is None and hard == "imaginary mode -200 cm-1: ΔE only"


def test_failed_run_and_missing_gas_stay_as_nan():
    # OH* needs H2O and H2; only H2 given -> NaN with the gas source saying what is missing
    failed = ads("CO", None, state="failed")
    df = adsorption_table([failed, ads("OH", -110.0)], gases()[:1], potentials=[0.0])
    assert math.isnan(df.loc[df["adsorbate"] == "CO", "dG0_ads_eV"].iloc[0])
    oh = df[df["adsorbate"] == "OH"].iloc[0]
    assert math.isnan(oh["dG0_ads_eV"]) and "H2O: missing" in oh["gas_source"]


def test_gases_matched_by_calculator():
    # gases from another calculator do not count for the EMT adsorption
    other = gases(CalculatorInfo(code="gpaw", preset="test"))
    row = adsorption_table([ads("H", -103.3)], other).iloc[0]
    assert math.isnan(row["dG0_ads_eV"]) and row["gas_source"] == "no gas results for emt"


def test_she_scale_and_metadata():
    # -0.6 V SHE at pH 7: U_RHE = -0.6 + 7 x 0.0591593 = -0.1858849; dG = 0.2 - 0.1858849
    df = adsorption_table([ads("H", -103.3)], gases(), potentials=[-0.6], scale="SHE", pH=7)
    row = df.iloc[0]
    assert row["U_V_RHE"] == pytest.approx(-0.1858849, abs=1e-6)
    assert row["U_V"] == -0.6 and row["scale"] == "SHE"
    assert row["dG_ads_eV"] == pytest.approx(0.0141151, abs=1e-6)
    text = " ".join(df.attrs["approximations"])
    for word in ("CHE", "harmonic", "ideal gas", "coverage"):
        assert word in text


@pytest.mark.parametrize(
    "kwargs",
    [{"adsorptions": []}, {"pH": 20}, {"scale": "AgCl"}, {"potentials": []}, {"carbon": "C"}],
)
def test_bad_inputs_are_one_line_errors(kwargs):
    args = {"adsorptions": [ads("H", -103.3)], "gases": gases()} | kwargs
    with pytest.raises(CudissInputError) as err:
        adsorption_table(**args)
    assert "\n" not in str(err.value)


def test_relaxed_site_is_read_from_the_stored_geometry():
    """An OH started ontop that ended in a Cu(111) fcc hollow is labelled fcc, not ontop."""
    slab = cu_slab("111")
    oh = place_adsorbate(slab, "OH", "ontop")
    indices = [len(oh) - 2, len(oh) - 1]
    oh.positions[indices, :2] += get_site(slab, "fcc").position[:2] - oh.positions[-2, :2]
    doc = ads("OH", -110.0, facet="111").model_copy(
        update={
            "best_site": "ontop",
            "adsorbate_indices": indices,
            "symbols": oh.get_chemical_symbols(),
            "positions_A": oh.positions.tolist(),
            "cell_A": oh.cell.tolist(),
        }
    )
    df = adsorption_table([doc, ads("H", -103.3)], gases(), potentials=[0.0])
    assert df.set_index("adsorbate")["best_site"].to_dict() == {"OH": "ontop", "H": "hollow"}
    # the H document holds no geometry: nothing to read
    assert df.set_index("adsorbate")["relaxed_site"].to_dict() == {"OH": "fcc", "H": ""}
