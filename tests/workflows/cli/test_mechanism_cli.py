"""``cudiss table --kind ...`` and ``cudiss plot surface|landscape|span|co2er`` on a store.

The tests read hand-made documents (tests/helpers/mechanism_documents.py, values worked
there by hand) through a patched ``open_mechanism``.
"""

from __future__ import annotations

import io
import json
from types import SimpleNamespace

import pandas as pd
import pytest

from cudiss.structures.errors import CudissInputError
from cudiss.workflows.mechanism_store import MechanismData
from tests.helpers.cli_main import run_main
from tests.helpers.figures import png_size
from tests.helpers.mechanism_documents import adsorptions, gases, removals
from tests.helpers.paths import EXAMPLES


@pytest.fixture
def mech_store(monkeypatch, tmp_path):
    """A store folder (.path) whose open_mechanism gives .state["data"], counting the reads."""
    import cudiss.workflows.mechanism_store as mech

    store = tmp_path / "store"
    store.mkdir()
    state = {"opened": 0, "data": MechanismData(removals(), adsorptions(["H", "OH"]), gases())}

    def fake_open(path):
        if str(path) != str(store):
            raise CudissInputError(f"no results store at {path}")
        state["opened"] += 1
        return state["data"]

    monkeypatch.setattr(mech, "open_mechanism", fake_open)
    return SimpleNamespace(path=store, state=state)


def _capture_figures(monkeypatch) -> list:
    from cudiss.analysis import plots

    saved = []
    real = plots.save_figure

    def keep(fig, path, dpi=plots.DEFAULT_DPI):
        saved.append(fig)
        return real(fig, path, dpi)

    monkeypatch.setattr(plots, "save_figure", keep)
    return saved


def _csv(path) -> tuple[list[str], pd.DataFrame]:
    text = path.read_text(encoding="utf-8")
    comments = [line[2:] for line in text.splitlines() if line.startswith("# ")]
    return comments, pd.read_csv(io.StringIO(text), comment="#")


# ---------------------------------------------------------------- tables
def test_routes_table_window_and_threshold(monkeypatch, mech_store, tmp_path):
    # CO route: span 0.6 eV and G3 = -0.01 + 2U -> open for U <= 0.005 V: on the default
    # grid (-1.0 .. 0.5 step 0.1) the window is [-1.0, 0.0]; bare route: span 1.2, never open.
    out = tmp_path / "routes.csv"
    assert run_main(monkeypatch, "table", "--store", str(mech_store.path), "--kind", "routes",
                    "-o", str(out)) == 0  # fmt: skip
    comments, df = _csv(out)
    assert comments[0].startswith("cudiss routes table")
    assert any(c.startswith("CHE") for c in comments)
    assert any("0.75 eV" in c for c in comments)
    co = df[df["adsorbates"] == "CO"]
    assert len(co) == 16
    assert co["window_low_V_RHE"].iloc[0] == pytest.approx(-1.0)
    assert co["window_high_V_RHE"].iloc[0] == pytest.approx(0.0)
    assert co["energy_span_eV"].iloc[0] == pytest.approx(0.6, abs=1e-5)
    assert not df[df["adsorbates"] == "bare"]["open"].any()
    # A 0.5 eV threshold closes the CO route (span 0.6).
    assert run_main(monkeypatch, "table", "--store", str(mech_store.path), "--kind", "routes",
                    "--threshold", "0.5", "-o", str(out)) == 0  # fmt: skip
    assert not _csv(out)[1]["open"].any()


def test_crossings_json_carries_the_approximations(monkeypatch, mech_store, tmp_path):
    # H*: 0.12 + U -> leaves the envelope at U = -0.12 V (= -ΔG_H*(0)/e);
    # OH*: 0.10 - U -> below bare for U > 0.10 V.
    out = tmp_path / "x.json"
    assert run_main(monkeypatch, "table", "--store", str(mech_store.path), "--kind", "crossings",
                    "-o", str(out)) == 0  # fmt: skip
    doc = json.loads(out.read_text(encoding="utf-8"))
    rows = [r for r in doc["data"] if r["site"] == "terrace"]
    assert [r["U_V_RHE"] for r in rows] == pytest.approx([-0.12, 0.10], abs=1e-5)
    assert [(r["from_state"], r["to_state"]) for r in rows] == [("H*", "bare"), ("bare", "OH*")]
    assert doc["metadata"]["table"] == "crossings"
    assert any(a.startswith("CHE") for a in doc["metadata"]["approximations"])


def test_markdown_and_latex_notes(monkeypatch, mech_store, capsys):
    capsys.readouterr()
    assert run_main(monkeypatch, "table", "--store", str(mech_store.path), "--kind", "adsorption",
                    "-U", "0", "-U", "-0.5") == 0  # fmt: skip
    text = capsys.readouterr().out
    header = [c.strip() for c in text.splitlines()[0].strip("|").split("|")]
    assert header[:6] == [
        "facet",
        "adsorbate",
        "best_site",
        "relaxed_site",
        "coverage_ML",
        "U (V vs RHE)",
    ]
    assert "Approximations and conditions:" in text and "\n- CHE" in text
    assert len([line for line in text.splitlines() if line.startswith("| 100")]) == 4
    assert run_main(monkeypatch, "table", "--store", str(mech_store.path), "--kind", "landscape",
                    "-f", "latex", "-U", "0") == 0  # fmt: skip
    text = capsys.readouterr().out
    assert text.startswith("% CHE") and "\\begin{tabular}" in text


def test_barriers_stays_the_default(monkeypatch, mech_store, capsys):
    import cudiss.workflows.store as store_mod

    monkeypatch.setattr(store_mod, "open_results", lambda path: removals())
    capsys.readouterr()
    assert run_main(monkeypatch, "table", "--store", str(mech_store.path), "-f", "csv") == 0
    assert capsys.readouterr().out.startswith("facet,site_class")
    assert mech_store.state["opened"] == 0


# ---------------------------------------------------------------- figures
def test_plot_surface_marks_the_crossings(monkeypatch, mech_store, tmp_path):
    saved = _capture_figures(monkeypatch)
    out = tmp_path / "surface.png"
    assert run_main(monkeypatch, "plot", "surface", "--store", str(mech_store.path), "-o", str(out),
                    "--dpi", "40") == 0  # fmt: skip
    assert png_size(out)[0] > 100
    terrace = [ax for ax in saved[0].axes if ax.get_title().startswith("Cu(100) terrace")]
    marks = sorted(
        float(ln.get_xdata()[0])
        for ln in terrace[0].get_lines()
        if ln.get_marker() == "o" and ln.get_markerfacecolor() == "white"
    )
    assert marks == pytest.approx([-0.12, 0.10], abs=1e-5)
    assert "θ = 0.25 ML" in terrace[0].get_title()


def test_plot_landscape_span_and_co2er(monkeypatch, mech_store, tmp_path):
    saved = _capture_figures(monkeypatch)
    land = tmp_path / "land.svg"
    assert run_main(monkeypatch, "plot", "landscape", "--store", str(mech_store.path), "-o",
                    str(land), "-U", "0", "-U", "-0.5",
                    "--config", "camp/111/kink/CO/emt") == 0  # fmt: skip
    (ax,) = [a for a in saved[0].axes if a.get_visible()]
    assert ax.get_title() == "Cu(111) kink, CO"
    # G1 = -0.31 + 2U: -1.31 at -0.5 V, -0.31 at 0 V; TS = G1 + 0.6
    peaks = sorted(float(ln.get_ydata()[0]) for ln in ax.get_lines() if ln.get_marker() == "^")
    assert peaks == pytest.approx([-0.71, 0.29], abs=1e-5)
    span = tmp_path / "span.png"
    assert run_main(monkeypatch, "plot", "span", "--store", str(mech_store.path), "-o", str(span),
                    "--threshold", "0.7") == 0  # fmt: skip
    ax_s = saved[1].axes[0]
    dashed = [ln for ln in ax_s.get_lines() if ln.get_linestyle() == "--"]
    assert float(dashed[0].get_ydata()[0]) == pytest.approx(0.7)
    legend = [t.get_text() for t in saved[1].legends[0].get_texts()]
    assert "Cu(111) kink, CO; open −1.00 to +0.00 V vs RHE" in legend
    mech_store.state["data"] = MechanismData(removals(), adsorptions(), gases())
    co2er = tmp_path / "co2er.png"
    assert run_main(monkeypatch, "plot", "co2er", "--store", str(mech_store.path), "-o",
                    str(co2er)) == 0  # fmt: skip
    # CO route: CO2 -> COOH* 0.5 eV (n 1) limits: U_L = -0.5 V
    titles = [a.get_title() for a in saved[2].axes if a.get_visible()]
    assert any("CO(g)" in t and "−0.50 V" in t for t in titles)


# ---------------------------------------------------------------- mistakes
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["table", "--kind", "routes", "--threshold", "0"], "--threshold must be a positive"),
        (["table", "--kind", "routes", "--threshold", "nan"], "--threshold must be a positive"),
        (["table", "--kind", "adsorption", "--carbon", "CH4"], "--carbon must be CO2 or CO"),
        (["table", "--kind", "routes", "--ph", "99"], "pH must be between -1 and 15"),
        (["table", "--kind", "routes", "--ph", "0", "--ph", "7"], "takes one --ph"),
        (["table", "--kind", "co2er", "-U", "0"], "takes no --potential"),
        (["table", "--kind", "routes", "--columns", "nope"], "unknown column 'nope'"),
        (["table", "--kind", "bogus"], "bogus"),
        (["table", "--kind", "routes", "-o", "{tmp}/no/dir/t.csv"], "does not exist"),
        (["table", "--kind", "routes", "-o", "{tmp}/t.xlsx"], "unknown table file suffix"),
        (["plot", "span", "-o", "{tmp}/s.jpg"], ".png or .svg"),
        (["plot", "span", "-o", "{tmp}/s.png", "--threshold", "-1"], "--threshold"),
        (["plot", "surface", "-o", "{tmp}/s.png", "--config", "x"], "takes no --config"),
        (["plot", "co2er", "-o", "{tmp}/s.png", "-U", "-0.5"], "takes no --potential"),
        (["plot", "landscape", "-o", "{tmp}/s.png", "--ph", "0", "--ph", "1"], "one --ph"),
        (["plot", "surface", "-o", "{tmp}/s.png", "--scale", "NHE"], "NHE"),
    ],
)
def test_bad_options_one_line_before_the_store(
    monkeypatch, mech_store, tmp_path, capsys, args, message
):
    args = [a.format(tmp=tmp_path) for a in args]
    assert run_main(monkeypatch, *args[:1], "--store", str(mech_store.path), *args[1:]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and message in err and "\n" not in err
    assert mech_store.state["opened"] == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store"]


@pytest.mark.parametrize(
    ("data", "args", "message"),
    [
        (MechanismData(removals(), [], gases()), ["table", "--kind", "adsorption"],
         "no adsorption results in store"),
        (MechanismData(removals(), [], gases()), ["plot", "co2er", "-o", "{tmp}/c.png"],
         "add a mechanism: section"),
        (MechanismData(removals(), adsorptions(), []), ["table", "--kind", "surface"],
         "no gas references in store"),
        (MechanismData([], adsorptions(), gases()), ["plot", "span", "-o", "{tmp}/s.png"],
         "no Cu-removal results in store"),
        (MechanismData(removals(), adsorptions(), gases()),
         ["plot", "landscape", "-o", "{tmp}/s.png", "--config", "zz"], "config_id 'zz'"),
        (MechanismData(removals(), adsorptions(), gases()),
         ["plot", "landscape", "-o", "{tmp}/s.png", "-U", "-0.3", "--config",
          "camp/111/kink/CO/emt"], None),
    ],
)  # fmt: skip
def test_store_without_what_the_kind_needs(
    monkeypatch, mech_store, tmp_path, capsys, data, args, message
):
    mech_store.state["data"] = data
    args = [a.format(tmp=tmp_path) for a in args]
    code = run_main(monkeypatch, *args[:1], "--store", str(mech_store.path), *args[1:])
    if message is None:  # a potential off the default grid is computed, not refused
        assert code == 0
        return
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and message in err and "\n" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store"]


def test_threshold_default_matches_the_analysis():
    from cudiss.analysis.landscape import DEFAULT_SPAN_THRESHOLD_EV
    from cudiss.analysis.plot_landscape import DEFAULT_SPAN_THRESHOLD_EV as FIGURE_DEFAULT
    from cudiss.workflows.cli.mechanism import DEFAULT_THRESHOLD_EV

    assert DEFAULT_THRESHOLD_EV == DEFAULT_SPAN_THRESHOLD_EV == FIGURE_DEFAULT


# ---------------------------------------------------------------- a real EMT store
@pytest.fixture(scope="module")
def emt_mechanism_store(tmp_path_factory):
    """The EMT example campaign with a mechanism: section, run once through `cudiss run`."""
    folder = tmp_path_factory.mktemp("mech_cli")
    store = folder / "store"
    mp = pytest.MonkeyPatch()
    mp.setenv("CUDISS_CHECKPOINT_DIR", str(folder / "checkpoints"))
    try:
        code = run_main(mp, "run", str(EXAMPLES / "emt_mechanism.yaml"), "--store", str(store))
    finally:
        mp.undo()
    assert code == 0
    return store


def test_chain_on_a_real_emt_store(monkeypatch, emt_mechanism_store, tmp_path, capsys):
    store = str(emt_mechanism_store)
    tables = {}
    for kind in ("adsorption", "surface", "crossings", "co2er", "landscape", "routes"):
        out = tmp_path / f"{kind}.csv"
        assert run_main(monkeypatch, "table", "--store", store, "--kind", kind,
                        "-o", str(out)) == 0, capsys.readouterr().err  # fmt: skip
        comments, df = _csv(out)
        assert len(df) and any(c.startswith("CHE") for c in comments)
        tables[kind] = df
    # The CO route pairs with its bare site (cells differ in height only): every
    # point of it has a free energy, and its complex is point 3.
    co = tables["landscape"][tables["landscape"]["adsorbates"].astype(str).str.contains("CO")]
    assert len(co) and co["G_eV"].notna().all()
    # EMT's CO2 is bent (imaginary modes): the literature correction stands in, labelled.
    assert tables["adsorption"]["gas_source"].str.contains("CO2: literature").any() or (
        tables["adsorption"]["gas_source"].str.contains("literature").any()
    )
    for kind in ("surface", "landscape", "span", "co2er"):
        out = tmp_path / f"{kind}.png"
        assert run_main(monkeypatch, "plot", kind, "--store", store, "-o", str(out),
                        "--dpi", "40") == 0, capsys.readouterr().err  # fmt: skip
        assert png_size(out)[0] > 100
