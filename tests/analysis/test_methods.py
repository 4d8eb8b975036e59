"""Calculators kept apart: MLIP rows labelled as screening, never combined with DFT rows.

A store may hold the same campaign under GPAW and under an MLIP (or EMT). Every
table must then be the union of the tables of each calculator alone: no lowest
site, most stable state, landscape, easiest route or CO2ER route may combine two
calculators' numbers. The MLIP copies of the hand-made documents
(tests/helpers/documents.py, tests/helpers/mechanism_documents.py) get energies
that would change those choices if they were mixed in.
"""

from __future__ import annotations

from typing import get_args

import pandas as pd
import pytest

from cudiss.analysis.adsorption import adsorption_table
from cudiss.analysis.co2er import co2er_table
from cudiss.analysis.documents import CalculatorInfo
from cudiss.analysis.landscape import landscape_summary, landscape_table
from cudiss.analysis.methods import (
    METHODS,
    MLIP_CODES,
    MLIP_NOTE,
    CalculatorCode,
    is_screening,
    method_notes,
    method_of,
)
from cudiss.analysis.reservoirs import calculator_label
from cudiss.analysis.surface_state import surface_crossings, surface_state_table
from cudiss.analysis.tables import barrier_table, export_barrier_table
from tests.helpers.documents import make_result
from tests.helpers.mechanism_documents import adsorptions, gases, removals

GPAW = CalculatorInfo(code="gpaw", preset="test")
SEVENNET = CalculatorInfo(code="sevennet")
GRID = [-0.6, -0.3, 0.0, 0.3]


def _as(doc, calculator: CalculatorInfo, shift_eV: float = 0.0):
    """``doc`` as computed by ``calculator``: its id carries the label, energies shifted."""
    update: dict = {"calculator": calculator}
    for key in ("config_id", "adsorption_id", "gas_id"):
        if hasattr(doc, key):
            update[key] = f"{getattr(doc, key)}/{calculator_label(calculator)}"
    # Shifted adsorbate-bound energies move every formation and route free energy.
    if getattr(doc, "adsorbate", None) or getattr(doc, "adsorbates", None):
        for key in ("energy_eV", "slab_energy_eV"):
            if getattr(doc, key, None) is not None:
                update[key] = getattr(doc, key) + shift_eV
    if getattr(doc, "forward_barrier_eV", None) is not None:
        update["forward_barrier_eV"] = doc.forward_barrier_eV + shift_eV / 2
    return doc.model_copy(update=update)


def _docs(calculator: CalculatorInfo, shift_eV: float) -> dict[str, list]:
    return {
        "adsorptions": [_as(a, calculator, shift_eV) for a in adsorptions()],
        "removals": [_as(r, calculator, shift_eV) for r in removals()],
        "gases": [_as(g, calculator) for g in gases()],
    }


# GPAW as in the helpers; SevenNet binds every adsorbate 0.8 eV more strongly, which
# would change the most stable state, the easiest route and U_L if it were mixed in.
DOCS = {"gpaw:test": _docs(GPAW, 0.0), "sevennet": _docs(SEVENNET, -0.8)}


def _mixed() -> dict[str, list]:
    return {key: DOCS["gpaw:test"][key] + DOCS["sevennet"][key] for key in DOCS["gpaw:test"]}


TABLES = {
    "adsorption": lambda d: adsorption_table(d["adsorptions"], d["gases"], GRID),
    "surface": lambda d: surface_state_table(d["adsorptions"], d["removals"], d["gases"], GRID),
    "crossings": lambda d: surface_crossings(
        surface_state_table(d["adsorptions"], d["removals"], d["gases"], GRID)
    ),
    "co2er": lambda d: co2er_table(d["adsorptions"], d["gases"]),
    "landscape": lambda d: landscape_table(d["removals"], d["gases"], GRID),
    "routes": lambda d: landscape_summary(landscape_table(d["removals"], d["gases"], GRID)),
    "barriers": lambda d: barrier_table(d["removals"], GRID),
}


def _rows(df: pd.DataFrame, label: str) -> pd.DataFrame:
    return df[df["calculator"] == label].reset_index(drop=True)


# ------------------------------------------------------------------ what a code is
def test_every_code_has_a_method_and_the_mlips_are_screening():
    assert set(METHODS) == set(get_args(CalculatorCode))
    assert MLIP_CODES == ("sevennet", "chgnet")
    assert [method_of(x) for x in ("gpaw:production", "emt", "sevennet", "chgnet")] == [
        "DFT",
        "EMT dry run",
        "MLIP screening",
        "MLIP screening",
    ]
    assert is_screening("chgnet") and not is_screening("gpaw:test")
    with pytest.raises(ValueError, match="unknown calculator 'vasp'"):
        method_of("vasp")


def test_notes_name_the_mlip_rows_once():
    assert method_notes(["gpaw:test", "emt", "gpaw:test"]) == []
    assert method_notes(["chgnet", "gpaw:test", "sevennet", "sevennet"]) == [
        f"chgnet, sevennet rows: {MLIP_NOTE}"
    ]
    assert "not DFT" in MLIP_NOTE and "\n" not in MLIP_NOTE


def test_results_record_the_mlip_code():
    # The documents accept every code of the workflows; the table labels are bare names.
    assert calculator_label(SEVENNET) == "sevennet"
    assert calculator_label(CalculatorInfo(code="chgnet")) == "chgnet"
    assert make_result(calculator=SEVENNET).calculator.code == "sevennet"


# --------------------------------------------------------- never mixed with DFT rows
@pytest.mark.parametrize("kind", list(TABLES))
def test_a_mixed_store_tabulates_as_each_calculator_alone(kind):
    build = TABLES[kind]
    mixed = build(_mixed())
    assert set(mixed["calculator"]) == {"gpaw:test", "sevennet"}
    for label, docs in DOCS.items():
        alone = build(docs)
        assert len(alone), kind
        pd.testing.assert_frame_equal(_rows(mixed, label), alone.reset_index(drop=True))
    # The two calculators' numbers differ: mixing them would have shown.
    value = {
        "adsorption": "dG_ads_eV",
        "surface": "dG_eV",
        "crossings": "U_V_RHE",
        "co2er": "dG0_eV",
        "landscape": "G_eV",
        "routes": "energy_span_eV",
        "barriers": "dE_forward_eV",
    }[kind]
    gpaw, mlip = (_rows(mixed, label)[value] for label in DOCS)
    assert not gpaw.reset_index(drop=True).equals(mlip.reset_index(drop=True))


def test_aggregations_pick_one_per_calculator():
    surface = TABLES["surface"](_mixed())
    best = surface[surface["most_stable"]]
    assert best.groupby(["calculator", "facet", "site", "pH", "U_V_RHE"]).size().eq(1).all()
    # At +0.3 V the GPAW kink is bare (G(CO*) = -0.31 + 0.6 eV); the MLIP's binds CO.
    at_03 = best[best["U_V_RHE"] == 0.3].set_index(["calculator", "site"])["candidate"]
    assert (at_03[("gpaw:test", "kink")], at_03[("sevennet", "kink")]) == ("bare", "CO*")
    routes = TABLES["routes"](_mixed())
    easiest = routes[routes["easiest"]]
    assert easiest.groupby(["calculator", "facet", "site_class", "U_V_RHE"]).size().eq(1).all()
    assert set(easiest["calculator"]) == {"gpaw:test", "sevennet"}


@pytest.mark.parametrize("kind", [k for k in TABLES if k != "barriers"])
def test_mechanism_tables_say_which_rows_are_screening(kind):
    mixed = TABLES[kind](_mixed())
    assert mixed.attrs["approximations"][0] == f"sevennet rows: {MLIP_NOTE}"
    dft = TABLES[kind](DOCS["gpaw:test"])
    assert not any("MLIP" in line for line in dft.attrs["approximations"])


def test_barrier_table_puts_screening_rows_after_dft_rows_and_says_so():
    df = TABLES["barriers"](_mixed())
    screening = df["calculator"].map(is_screening).tolist()
    assert screening == sorted(screening) and any(screening) and not all(screening)
    md = export_barrier_table(df, fmt="md")
    assert f"\n\nsevennet rows: {MLIP_NOTE}\n" in md
    latex = export_barrier_table(df, fmt="latex")
    assert f"% sevennet rows: {MLIP_NOTE}\n" in latex
    dft = export_barrier_table(TABLES["barriers"](DOCS["gpaw:test"]), fmt="md")
    assert "MLIP" not in dft
