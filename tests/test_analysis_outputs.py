"""Barrier tables, exports, figures and the table/plot CLI."""

from __future__ import annotations

import json
import math
import re
import sys
import xml.etree.ElementTree as ET

import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pytest

from cudiss.analysis.che import ReactionStep
from cudiss.analysis.documents import CalculatorInfo, ImageData, RemovalResult
from cudiss.analysis.plots import (
    plot_barriers_vs_potential,
    plot_free_energy_diagram,
    plot_neb_profiles,
)
from cudiss.analysis.tables import COLUMNS, barrier_table, export_table, read_table
from cudiss.structures.errors import CudissInputError


def make_result(**overrides) -> RemovalResult:
    """A hand-made RemovalResult: 2-atom toy band, dE‡ 0.8, dE_rxn 0.3, E_removal 0.1."""
    energies = [-100.0, -99.6, -99.2, -99.5, -99.7]
    images = [
        ImageData(
            energy_eV=e,
            positions_A=[[0.0, 0.0, 0.0], [0.5 * k, 0.0, 2.0]],
            forces_eVA=[[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]],
        )
        for k, e in enumerate(energies)
    ]
    base = {
        "config_id": "camp/111/kink/bare/emt",
        "campaign": "camp",
        "facet": "111",
        "site_class": "kink",
        "adsorbates": [],
        "target_index": 1,
        "n_atoms": 2,
        "symbols": ["Cu", "Cu"],
        "cell_A": [[5.0, 0.0, 0.0], [0.0, 5.0, 0.0], [0.0, 0.0, 20.0]],
        "state": "successful",
        "forward_barrier_eV": 0.8,
        "reverse_barrier_eV": 0.5,
        "reaction_energy_eV": 0.3,
        "images": images,
        "neb_converged": True,
        "slab_energy_eV": -100.0,
        "vacancy_energy_eV": -96.4,
        "bulk_energy_per_atom_eV": -3.5,
        "calculator": CalculatorInfo(code="emt"),
    }
    base.update(overrides)
    return RemovalResult(**base)


@pytest.fixture
def results() -> list[RemovalResult]:
    return [
        make_result(),
        make_result(
            config_id="camp/100/step/bare/emt",
            facet="100",
            site_class="step",
            state="failed",
            error="SCF did not converge | step 3",
            forward_barrier_eV=None,
            reverse_barrier_eV=None,
            reaction_energy_eV=None,
            images=[],
            neb_converged=False,
            vacancy_energy_eV=None,
        ),
        make_result(
            config_id="camp/111/kink/OH/gpaw",
            adsorbates=["OH"],
            electrons_transferred=1,
            calculator=CalculatorInfo(code="gpaw", preset="test"),
        ),
    ]


# ---------------------------------------------------------------- table
def test_barrier_table_rows_order_and_numbers(results):
    df = barrier_table(results, potentials=[0.0, -0.5])
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
    pd.testing.assert_frame_equal(df, barrier_table(results[::-1], potentials=[-0.5, 0.0]))


def test_barrier_table_she_input_and_constant_potential(results):
    sjm = make_result(config_id="camp/111/kink/bare/sjm", electrode_potential_V_RHE=-0.3)
    df = barrier_table([*results, sjm], potentials=[-1.0], scale="SHE", pH=7.0)
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
def test_csv_json_round_trip(results, tmp_path, fmt):
    df = barrier_table(results, potentials=[0.0, -0.5, -1.0])
    path = tmp_path / f"table.{fmt}"
    text = export_table(df, path)
    assert path.read_text() == text
    back = read_table(path)
    pd.testing.assert_frame_equal(df, back, check_exact=True)
    assert not list(tmp_path.glob(".*tmp"))  # no temp file left behind


def test_markdown_parses(results):
    df = barrier_table(results, potentials=[0.0, -0.5])
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


def test_latex_parses(results, tmp_path):
    df = barrier_table(results, potentials=[0.0])
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


def test_export_errors(results, tmp_path):
    df = barrier_table(results)
    with pytest.raises(CudissInputError, match="unknown table format"):
        export_table(df, tmp_path / "t.csv", "xlsx")
    with pytest.raises(CudissInputError, match="does not exist"):
        export_table(df, tmp_path / "missing" / "t.csv")
    with pytest.raises(CudissInputError):
        export_table(df, tmp_path / "t.dat")  # suffix says nothing


# ---------------------------------------------------------------- figures
def _png_size(path):
    img = mpimg.imread(path)
    return img.shape[1], img.shape[0]


def test_neb_profile_png_and_svg(results, tmp_path):
    png = plot_neb_profiles(results, tmp_path / "neb.png", figsize=(6.0, 4.0), dpi=50)
    assert _png_size(png) == (300, 200)
    assert png.stat().st_size > 1000
    svg = plot_neb_profiles(results[0], tmp_path / "neb.svg", figsize=(6.0, 4.0))
    root = ET.parse(svg).getroot()
    assert root.get("width") == "432pt" and root.get("height") == "288pt"  # 72 pt per inch
    assert len(root.findall(".//{http://www.w3.org/2000/svg}path")) > 5
    with pytest.raises(CudissInputError):
        plot_neb_profiles(results[1], tmp_path / "none.png")  # failed run: no band
    with pytest.raises(CudissInputError):
        plot_neb_profiles(results, tmp_path / "neb.pdf")


def test_neb_profile_without_forces_uses_spline(tmp_path):
    res = make_result()
    for img in res.images:
        img.forces_eVA = None
    out = plot_neb_profiles(res, tmp_path / "n.png", figsize=(4, 3), dpi=100)
    assert _png_size(out) == (400, 300)


def test_free_energy_diagram_and_barriers_vs_potential(results, tmp_path):
    steps = [ReactionStep("*COOH", 0.4, 1), ReactionStep("*CO", -0.1, 1)]
    fed = plot_free_energy_diagram(steps, tmp_path / "fed.png", [0.0, -0.4], dpi=80)
    assert _png_size(fed) == (512, 384)  # default 6.4 x 4.8 in
    df = barrier_table(results, np.linspace(-1.0, 0.5, 7))
    bars = plot_barriers_vs_potential(df, tmp_path / "bars.svg")
    assert bars.stat().st_size > 1000


def test_figures_from_emt_campaign(emt_campaign_results, tmp_path):
    # Real EMT campaign results (fixture from tests/conftest.py).
    ok = [r for r in emt_campaign_results if len(r.images) >= 2]
    assert ok
    neb = plot_neb_profiles(ok, tmp_path / "campaign_neb.png", figsize=(6, 4), dpi=100)
    assert _png_size(neb) == (600, 400)
    df = barrier_table(emt_campaign_results, [-1.0, -0.5, 0.0, 0.5])
    assert len(df) == 4 * len(emt_campaign_results)
    assert all(math.isfinite(v) for v in df[df["state"] == "successful"]["dE_forward_eV"])
    bars = plot_barriers_vs_potential(df, tmp_path / "campaign_bars.png", dpi=50)
    assert _png_size(bars) == (500, 200)


# ---------------------------------------------------------------- CLI
def _run_cli(monkeypatch, *args: str) -> int:
    from cudiss.workflows.cli import main

    monkeypatch.setattr(sys, "argv", ["cudiss", *args])
    with pytest.raises(SystemExit) as exc:
        main()
    return exc.value.code


@pytest.fixture
def fake_store(monkeypatch, results, tmp_path):
    """A store folder whose open_results returns the hand-made results."""
    import cudiss.workflows.store as store_mod

    store = tmp_path / "store"
    store.mkdir()

    def fake_open(path):
        if str(path) != str(store):
            raise CudissInputError(f"no results store at {path}")
        return results

    monkeypatch.setattr(store_mod, "open_results", fake_open)
    return store


def test_cli_table_and_plot(monkeypatch, fake_store, tmp_path, capsys):
    out = tmp_path / "t.json"
    assert _run_cli(monkeypatch, "table", "--store", str(fake_store), "-U", "0", "-U", "-0.5",
                    "-o", str(out)) == 0  # fmt: skip
    assert len(read_table(out)) == 6
    capsys.readouterr()
    assert _run_cli(monkeypatch, "table", "--store", str(fake_store), "--format", "csv") == 0
    assert capsys.readouterr().out.startswith("facet,site_class")
    fig = tmp_path / "b.png"
    assert _run_cli(monkeypatch, "plot", "barriers", "--store", str(fake_store), "-o", str(fig),
                    "--dpi", "50") == 0  # fmt: skip
    assert _png_size(fig) == (500, 200)
    steps = tmp_path / "steps.json"
    steps.write_text(json.dumps([{"name": "*COOH", "dG0_eV": 0.4, "n_electrons": 1}]))
    assert _run_cli(monkeypatch, "plot", "fed", "--steps", str(steps), "-o",
                    str(tmp_path / "f.svg"), "-U", "0", "-U", "-0.4") == 0  # fmt: skip


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["table", "--store", "{store}", "--format", "xlsx"], "unknown table format"),
        (["table", "--store", "{tmp}/nowhere"], "no results store"),
        (["table", "--store", "{store}", "-o", "{tmp}/no/dir/t.csv"], "does not exist"),
        (["plot", "neb", "--store", "{store}", "-o", "{tmp}/x.jpg"], ".png or .svg"),
        (["plot", "neb", "--store", "{store}", "-o", "{tmp}/x.png", "--config", "zz"], "zz"),
        (["plot", "fed", "-o", "{tmp}/x.png"], "--steps"),
    ],
)
def test_cli_bad_input_exits_2(monkeypatch, fake_store, tmp_path, capsys, args, message):
    args = [a.format(store=fake_store, tmp=tmp_path) for a in args]
    assert _run_cli(monkeypatch, *args) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and message in err and "\n" not in err
    assert not list(tmp_path.glob("**/*.tmp"))


def test_cli_store_without_results(monkeypatch, tmp_path, capsys):
    import cudiss.workflows.store as store_mod

    monkeypatch.setattr(store_mod, "open_results", lambda path: [])
    assert _run_cli(monkeypatch, "table", "--store", str(tmp_path)) == 2
    assert "no Cu-removal results" in capsys.readouterr().err


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
