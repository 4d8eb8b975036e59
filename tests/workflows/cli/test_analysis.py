"""``cudiss table`` and ``cudiss plot``: outputs and one-line input errors (exit code 2)."""

from __future__ import annotations

import json
import sys

import pytest

from cudiss.analysis.tables import read_table
from cudiss.structures.errors import CudissInputError
from tests.helpers.figures import png_size


# ---------------------------------------------------------------- CLI
def _run_cli(monkeypatch, *args: str) -> int:
    from cudiss.workflows.cli import main

    monkeypatch.setattr(sys, "argv", ["cudiss", *args])
    with pytest.raises(SystemExit) as exc:
        main()
    return exc.value.code


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
    assert _run_cli(monkeypatch, "table", "--store", str(fake_store), "-U", "0", "-U", "-0.5",
                    "-o", str(out)) == 0  # fmt: skip
    assert len(read_table(out)) == 6
    capsys.readouterr()
    assert _run_cli(monkeypatch, "table", "--store", str(fake_store), "--format", "csv") == 0
    assert capsys.readouterr().out.startswith("facet,site_class")
    fig = tmp_path / "b.png"
    assert _run_cli(monkeypatch, "plot", "barriers", "--store", str(fake_store), "-o", str(fig),
                    "--dpi", "50") == 0  # fmt: skip
    assert png_size(fig) == (500, 200)
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
