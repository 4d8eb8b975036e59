"""``cudiss table`` and ``cudiss plot``: outputs and one-line input errors (exit code 2)."""

from __future__ import annotations

import json

import pytest

from cudiss.analysis.tables import read_table
from cudiss.structures.errors import CudissInputError
from tests.helpers.cli_main import run_main
from tests.helpers.figures import png_size


# ---------------------------------------------------------------- CLI
@pytest.fixture
def fake_store(monkeypatch, toy_results, tmp_path):
    """A store folder whose open_results returns the hand-made results (fixture toy_results)."""
    import cudiss.workflows.store as store_mod

    store = tmp_path / "store"
    store.mkdir()

    def fake_open(path):
        if str(path) != str(store):
            raise CudissInputError(f"no results store at {path}")
        return toy_results

    monkeypatch.setattr(store_mod, "open_results", fake_open)
    return store


def test_cli_table_and_plot(monkeypatch, fake_store, tmp_path, capsys):
    out = tmp_path / "t.json"
    assert run_main(monkeypatch, "table", "--store", str(fake_store), "-U", "0", "-U", "-0.5",
                    "-o", str(out)) == 0  # fmt: skip
    assert len(read_table(out)) == 6
    capsys.readouterr()
    assert run_main(monkeypatch, "table", "--store", str(fake_store), "--format", "csv") == 0
    assert capsys.readouterr().out.startswith("facet,site_class")
    fig = tmp_path / "b.png"
    assert run_main(monkeypatch, "plot", "barriers", "--store", str(fake_store), "-o", str(fig),
                    "--dpi", "50") == 0  # fmt: skip
    assert png_size(fig) == (500, 200)
    steps = tmp_path / "steps.json"
    steps.write_text(json.dumps([{"name": "*COOH", "dG0_eV": 0.4, "n_electrons": 1}]))
    assert run_main(monkeypatch, "plot", "fed", "--steps", str(steps), "-o",
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
    assert run_main(monkeypatch, *args) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and message in err and "\n" not in err
    assert not list(tmp_path.glob("**/*.tmp"))


def test_cli_store_without_results(monkeypatch, tmp_path, capsys):
    import cudiss.workflows.store as store_mod

    monkeypatch.setattr(store_mod, "open_results", lambda path: [])
    assert run_main(monkeypatch, "table", "--store", str(tmp_path)) == 2
    assert "no Cu-removal results" in capsys.readouterr().err


# ---------------------------------------------------------------- readable tables, figures
def test_cli_table_columns(monkeypatch, fake_store, tmp_path, capsys):
    from cudiss.analysis.tables import COLUMNS, COMPACT_COLUMNS, LABELS

    def header(*extra):
        assert run_main(monkeypatch, "table", "--store", str(fake_store), *extra) == 0
        first = capsys.readouterr().out.splitlines()[0]
        return [c.strip() for c in first.strip("|").split("|")]

    capsys.readouterr()
    assert header() == [LABELS[c] for c in COMPACT_COLUMNS]  # Markdown on stdout: compact
    assert header("--all") == [LABELS[c] for c in COLUMNS]
    assert header("--columns", "facet,dE_forward_eV", "--columns", "barrier_warning") == [
        "facet",
        "ΔE‡ fwd (eV)",
        "band check",
    ]
    out = tmp_path / "picked.csv"
    assert run_main(monkeypatch, "table", "--store", str(fake_store), "--columns",
                    "config_id,U_V_SHE", "-o", str(out), "--ph", "7") == 0  # fmt: skip
    assert list(read_table(out).columns) == ["config_id", "U_V_SHE"]


def _capture_figures(monkeypatch):
    """Keep the figures `cudiss plot` saves (they are still written)."""
    from cudiss.analysis import plots

    saved = []
    real = plots.save_figure

    def keep(fig, path, dpi=plots.DEFAULT_DPI):
        saved.append(fig)
        return real(fig, path, dpi)

    monkeypatch.setattr(plots, "save_figure", keep)
    return saved


def test_cli_plot_barriers_she_and_activity(monkeypatch, fake_store, tmp_path):
    saved = _capture_figures(monkeypatch)
    out = tmp_path / "b.png"
    assert run_main(monkeypatch, "plot", "barriers", "--store", str(fake_store), "-o", str(out),
                    "--scale", "SHE", "--ph", "7", "--activity", "1e-3") == 0  # fmt: skip
    ax_b, ax_d = saved[0].axes
    assert ax_b.get_xlabel() == ax_d.get_xlabel() == "U (V vs SHE)"
    # the default grid (-1 .. 0.5 V) is on the scale asked for
    assert min(ax_b.lines[0].get_xdata()) == pytest.approx(-1.0)
    assert "pH 7" in ax_d.get_title() and "$10^{-3}$" in ax_d.get_title()
    # without --activity the figure uses the table's default, 1e-6
    assert run_main(monkeypatch, "plot", "barriers", "--store", str(fake_store), "-o",
                    str(out)) == 0  # fmt: skip
    assert "$10^{-6}$" in saved[1].axes[1].get_title()
    assert saved[1].axes[0].get_xlabel() == "U (V vs RHE)"


def test_cli_plot_fed_marks_the_limiting_step(monkeypatch, tmp_path):
    saved = _capture_figures(monkeypatch)
    steps = tmp_path / "steps.json"
    steps.write_text(json.dumps([{"name": "*COOH", "dG0_eV": 0.4, "n_electrons": 1},
                                 {"name": "*CO", "dG0_eV": -0.1, "n_electrons": 1}]))  # fmt: skip
    args = ["-U", "-0.8", "--scale", "SHE", "--ph", "7", "-o", str(tmp_path / "f.png")]
    assert run_main(monkeypatch, "plot", "fed", "--steps", str(steps), *args) == 0
    title = saved[0].get_suptitle()
    assert "−0.40 V vs RHE" in title and "pH 7" in title and "*COOH" in title
    assert saved[0].legends[0].get_texts()[0].get_text() == "U = −0.80 V vs SHE"


def test_cli_activity_default_is_the_analysis_default():
    from cudiss.analysis.dissolution import DEFAULT_CU2_ACTIVITY
    from cudiss.workflows.cli.analysis import DEFAULT_ACTIVITY

    assert DEFAULT_ACTIVITY == DEFAULT_CU2_ACTIVITY
