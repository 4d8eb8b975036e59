"""Barrier tables (CHE/BEP and constant potential, dissolution) and their exports."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from cudiss.analysis.barriers import band_flags
from cudiss.analysis.dissolution import DEFAULT_CU2_ACTIVITY
from cudiss.analysis.documents import ImageData
from cudiss.analysis.tables import (
    COLUMNS,
    COMPACT_COLUMNS,
    LABELS,
    LATEX_LABELS,
    barrier_table,
    export_barrier_table,
    export_table,
    read_table,
    resolve_format,
    table_columns,
)
from cudiss.structures.errors import CudissInputError
from tests.helpers.documents import make_result


# ---------------------------------------------------------------- table
def test_barrier_table_rows_order_and_numbers(toy_results):
    df = barrier_table(toy_results, potentials=[0.0, -0.5])
    assert list(df.columns) == list(COLUMNS)
    assert len(df) == 3 * 2  # failed run kept
    # sorted by facet, site, adsorbates, calculator, config, potential
    assert df["facet"].tolist() == ["100", "100", "111", "111", "111", "111"]
    assert df["adsorbates"].tolist()[2:] == ["OH", "OH", "bare", "bare"]
    assert df["U_V_RHE"].tolist() == [-0.5, 0.0] * 3
    failed = df[df["state"] == "failed"]
    assert failed["dE_forward_eV"].isna().all() and failed["dG_dissolution_eV"].isna().all()
    assert failed["error"].iloc[0].startswith("SCF")
    oh = df[(df["adsorbates"] == "OH") & (df["U_V_RHE"] == -0.5)].iloc[0]
    # n = 1, beta 0.5: 0.8 - 0.25 = 0.55; dG_rxn = 0.3 - 0.5 = -0.2; reverse 0.75
    assert oh["dG_forward_eV(U)"] == pytest.approx(0.55)
    assert oh["dG_reverse_eV(U)"] == pytest.approx(0.75)
    assert oh["calculator"] == "gpaw:test"
    bare = df[(df["facet"] == "111") & (df["adsorbates"] == "bare") & (df["U_V_RHE"] == -0.5)]
    bare = bare.iloc[0]
    assert bare["dG_forward_eV(U)"] == bare["dE_forward_eV"] == 0.8  # chemical step
    # dissolution at 0 V_RHE, pH 0: 0.1 + 0.674 + kT ln 1e-6 = 0.419044; -2U adds 1.0 at -0.5 V
    assert bare["dG_dissolution_eV"] == pytest.approx(1.419044, abs=1e-5)
    assert bare["U_dissolution_V_RHE"] == pytest.approx(0.209522, abs=1e-5)
    # same input in another order -> identical table
    pd.testing.assert_frame_equal(df, barrier_table(toy_results[::-1], potentials=[-0.5, 0.0]))


def test_barrier_table_she_input_and_constant_potential(toy_results):
    sjm = make_result(config_id="camp/111/kink/bare/sjm", electrode_potential_V_RHE=-0.3)
    df = barrier_table([*toy_results, sjm], potentials=[-1.0], scale="SHE", pH=7.0)
    # -1 V_SHE at pH 7 = -1 + 7 * 0.0591593 V_RHE
    che = df[df["barrier_method"] == "che-bep"]
    assert che["U_V_RHE"].unique() == pytest.approx([-0.585885], abs=1e-5)
    assert che["U_V_SHE"].unique() == pytest.approx([-1.0])
    row = df[df["barrier_method"] == "constant-potential"].iloc[0]
    assert row["U_V_RHE"] == -0.3 and row["dG_forward_eV(U)"] == 0.8
    with pytest.raises(CudissInputError):
        barrier_table([], potentials=[0.0])


# ---------------------------------------------------------------- exports
@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_csv_json_round_trip(toy_results, tmp_path, fmt):
    df = barrier_table(toy_results, potentials=[0.0, -0.5, -1.0])
    path = tmp_path / f"table.{fmt}"
    text = export_table(df, path)
    assert path.read_text() == text
    back = read_table(path)
    pd.testing.assert_frame_equal(df, back, check_exact=True)
    assert not list(tmp_path.glob(".*tmp"))  # no temp file left behind


def test_markdown_parses(toy_results):
    df = barrier_table(toy_results, potentials=[0.0, -0.5])
    text = export_table(df, None, "md")
    lines = [ln for ln in text.splitlines() if ln.startswith("|")]
    assert len(lines) == 2 + len(df)  # header + separator + rows
    # "|" inside the error message is escaped, so every line has the same cell count
    cells = [len(re.split(r"(?<!\\)\|", ln)) - 2 for ln in lines]
    assert set(cells) == {len(df.columns)}
    assert re.fullmatch(r"\|[:\- |]+\|", lines[1])
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    assert header == list(df.columns)
    assert "| 100 " in text  # facet labels are not parsed into numbers


def test_latex_parses(toy_results, tmp_path):
    df = barrier_table(toy_results, potentials=[0.0])
    path = tmp_path / "t.tex"
    text = export_table(df, path, "latex")
    spec = re.search(r"\\begin\{tabular\}\{([lr]+)\}", text).group(1)
    assert len(spec) == len(df.columns)
    body = text.split("\\midrule\n")[1].split("\\bottomrule")[0]
    rows = [r for r in body.split("\\\\\n") if r.strip()]
    assert len(rows) == len(df)
    for r in rows:
        # unescaped & separate cells
        assert len(re.split(r"(?<!\\)&", r)) == len(df.columns)
    assert r"dG\_forward\_eV(U)" in text and text.strip().endswith(r"\end{tabular}")


def test_export_errors(toy_results, tmp_path):
    df = barrier_table(toy_results)
    with pytest.raises(CudissInputError, match="unknown table format"):
        export_table(df, tmp_path / "t.csv", "xlsx")
    with pytest.raises(CudissInputError, match="does not exist"):
        export_table(df, tmp_path / "missing" / "t.csv")
    with pytest.raises(CudissInputError):
        export_table(df, tmp_path / "t.dat")  # suffix says nothing


def test_dissolution_only_for_bare_sites():
    # E_vac - E_slab + mu = 0.1 eV for both; only the bare one is Cu -> Cu2+ + 2e-.
    bare = make_result()
    bound = make_result(config_id="camp/111/kink/CO/emt", adsorbates=["CO"])
    table = barrier_table([bare, bound], potentials=(0.0,))
    by_ads = {row["adsorbates"]: row for _, row in table.iterrows()}
    assert np.isfinite(by_ads["bare"]["dG_dissolution_eV"])
    assert np.isnan(by_ads["CO"]["dG_dissolution_eV"])
    assert np.isnan(by_ads["CO"]["U_dissolution_V_RHE"])
    # The barrier columns of the bound site are unaffected.
    assert by_ads["CO"]["dE_forward_eV"] == pytest.approx(0.8)


# ---------------------------------------------------------------- views for reading
def _md_header(text: str) -> list[str]:
    return [c.strip() for c in text.splitlines()[0].strip("|").split("|")]


def test_markdown_default_is_compact_with_units_and_conditions(toy_results):
    df = barrier_table(toy_results, potentials=[0.0, -0.5], pH=7.0, activity=1e-4)
    text = export_barrier_table(df, None, "md")
    assert _md_header(text) == [LABELS[c] for c in COMPACT_COLUMNS]
    assert "ΔE‡ fwd (eV)" in text and "U (V vs RHE)" in text and "dE_forward_eV" not in text
    assert "pH 7, a(Cu²⁺) = 0.0001, β = 0.5" in text.splitlines()[-1]
    # --all: every column, still under readable headers
    everything = export_barrier_table(df, None, "md", columns="all")
    assert _md_header(everything) == [LABELS[c] for c in COLUMNS]
    # potentials given vs SHE: the SHE column joins the compact set
    she = export_barrier_table(df, None, "md", scale="SHE")
    assert _md_header(she)[4:6] == ["U (V vs RHE)", "U (V vs SHE)"]


def test_csv_and_json_keep_machine_names_and_every_column(toy_results, tmp_path):
    df = barrier_table(toy_results, potentials=[0.0])
    for suffix in ("csv", "json"):
        path = tmp_path / f"t.{suffix}"
        export_barrier_table(df, path)
        pd.testing.assert_frame_equal(read_table(path), df, check_exact=True)
    picked = tmp_path / "picked.csv"
    export_barrier_table(df, picked, columns=["config_id", "dE_forward_eV", "barrier_warning"])
    assert picked.read_text().splitlines()[0] == "config_id,dE_forward_eV,barrier_warning"
    assert list(df.columns) == list(COLUMNS)
    assert set(LABELS) == set(COLUMNS) == set(LATEX_LABELS)


def test_latex_headers_are_latex_and_conditions_a_comment(toy_results):
    df = barrier_table(toy_results, potentials=[0.0], pH=3.0)
    text = export_barrier_table(df, None, "latex")
    assert text.startswith("% pH 3, a(Cu2+) = 1e-06, beta = 0.5")
    header = text.split("\\toprule\n")[1].split(" \\\\")[0]
    assert header.split(" & ") == [LATEX_LABELS[c] for c in COMPACT_COLUMNS]
    assert r"$\Delta E^\ddagger_\mathrm{fwd}$ (eV)" in header
    body = text.split("\\midrule\n")[1].split("\\bottomrule")[0]
    assert len([r for r in body.split("\\\\\n") if r.strip()]) == len(df)
    assert "--" in body  # NaN (the failed run)


def test_column_selection_and_format_errors():
    assert table_columns(None, "csv") == list(COLUMNS)
    assert table_columns(None, "latex") == list(COMPACT_COLUMNS)
    with pytest.raises(CudissInputError, match="unknown table column 'nope'"):
        table_columns(["facet", "nope"])
    with pytest.raises(CudissInputError, match="given twice"):
        table_columns(["facet", "facet"])
    with pytest.raises(CudissInputError, match=r"contradicts the output suffix '\.md'"):
        resolve_format("out.md", "csv")
    with pytest.raises(CudissInputError, match=r"unknown table file suffix '\.xlsx'"):
        resolve_format("out.xlsx")
    assert resolve_format("out.txt", "md") == "md"  # an unknown suffix: --format decides
    assert resolve_format("OUT.TEX", "tex") == "latex"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"pH": 99.0}, "pH must be between -1 and 15, got 99"),
        ({"pH": -1.5}, "pH must be between -1 and 15"),
        ({"pH": float("nan")}, "pH must be finite"),
        ({"activity": 0.0}, "Cu2+ activity must be > 0 and <= 1, got 0"),
        ({"activity": -1.0}, "Cu2+ activity must be > 0 and <= 1"),
        ({"activity": 2.0}, "Cu2+ activity must be > 0 and <= 1, got 2"),
        ({"activity": float("nan")}, "Cu2+ activity must be finite"),
        ({"beta": 1.5}, "beta must be in [0, 1]"),
        ({"potentials": [float("nan")]}, "potential must be finite"),
        ({"potentials": [float("-inf")]}, "potential must be finite"),
    ],
)
def test_absurd_conditions_are_refused(toy_results, options, message):
    options = {"potentials": [0.0], **options}
    with pytest.raises(CudissInputError) as info:
        barrier_table(toy_results, **options)
    assert message in str(info.value)
    # the edges are accepted
    barrier_table(toy_results, [0.0], pH=-1.0, activity=1.0)
    barrier_table(toy_results, [0.0], pH=15.0, activity=DEFAULT_CU2_ACTIVITY)


def test_barrier_warning_column(toy_results):
    # uphill band 0 -> 0.2 -> 0.5 eV: its highest point is the final state
    energies = [-100.0, -99.8, -99.5]
    uphill = make_result(
        config_id="camp/111/terrace/bare/emt",
        site_class="terrace",
        images=[
            ImageData(energy_eV=e, positions_A=[[0.0, 0.0, 0.0], [0.5 * k, 0.0, 2.0]])
            for k, e in enumerate(energies)
        ],
        forward_barrier_eV=0.5,
        reverse_barrier_eV=0.0,
        reaction_energy_eV=0.5,
    )
    df = barrier_table([*toy_results, uphill], potentials=[0.0])
    by_id = df.set_index("config_id")["barrier_warning"]
    assert by_id["camp/111/terrace/bare/emt"] == "max at endpoint (final)"
    assert by_id["camp/111/kink/bare/emt"] == "" and by_id["camp/100/step/bare/emt"] == ""
    assert band_flags(energies) == ["max at endpoint (final)"]
    text = export_barrier_table(df, None, "md")
    assert "band check" in _md_header(text) and "max at endpoint (final)" in text
