"""Bad-input corpus of ``cudiss table`` and ``cudiss plot``.

Every case is a mistake a user can make; each must end in exit code 2 with one
``error:`` line naming the problem, no traceback, and nothing written: no
output file, no temporary file, the store (a copy of the session's EMT
campaign store, in the watched folder) unchanged.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.helpers.corpus import assert_refused, run_cli

STEPS_OK = [
    {"name": "*COOH", "dG0_eV": 0.4, "n_electrons": 1},
    {"name": "*CO", "dG0_eV": -0.1, "n_electrons": 1},
]

# (case id, arguments with {store} and {tmp} placeholders, expected fragment of the message)
CASES = [
    # formats and output paths
    ("table-format-vs-suffix", ["table", "--store", "{store}", "-f", "csv", "-o", "{tmp}/out.md"],
     "table format 'csv' contradicts the output suffix '.md'"),
    ("table-latex-into-csv", ["table", "--store", "{store}", "-f", "latex", "-o", "{tmp}/t.csv"],
     "contradicts the output suffix '.csv'"),
    ("table-unknown-suffix", ["table", "--store", "{store}", "-o", "{tmp}/t.xlsx"],
     "unknown table file suffix '.xlsx'"),
    ("table-unknown-format", ["table", "--store", "{store}", "-f", "xlsx"],
     "unknown table format 'xlsx'"),
    ("table-missing-folder", ["table", "--store", "{store}", "-o", "{tmp}/missing/t.csv"],
     "directory {tmp}/missing does not exist"),
    ("table-output-is-folder", ["table", "--store", "{store}", "-f", "csv", "-o", "{tmp}"],
     "it is a directory"),
    ("plot-unknown-suffix", ["plot", "neb", "--store", "{store}", "-o", "{tmp}/n.jpg"],
     "must end in .png or .svg"),
    ("plot-missing-folder", ["plot", "barriers", "--store", "{store}", "-o", "{tmp}/no/b.png"],
     "directory {tmp}/no does not exist"),
    # columns
    ("table-unknown-column", ["table", "--store", "{store}", "--columns", "facet,bogus"],
     "unknown table column 'bogus'"),
    ("table-all-and-columns", ["table", "--store", "{store}", "--all", "--columns", "facet"],
     "give --all or --columns, not both"),
    ("table-column-twice", ["table", "--store", "{store}", "--columns", "facet,facet"],
     "table column 'facet' given twice"),
    # dpi
    ("plot-dpi-0", ["plot", "neb", "--store", "{store}", "-o", "{tmp}/n.png", "--dpi", "0"],
     "dpi must be a whole number from 10 to 2400, got 0"),
    ("plot-dpi-1e6", ["plot", "neb", "--store", "{store}", "-o", "{tmp}/n.png", "--dpi",
                      "1000000"], "from 10 to 2400, got 1000000"),
    ("plot-dpi-negative", ["plot", "fed", "--steps", "{tmp}/steps.json", "-o", "{tmp}/f.png",
                           "--dpi", "-5"], "from 10 to 2400, got -5"),
    # pH, activity, beta, potentials, scale
    ("table-ph-99", ["table", "--store", "{store}", "--ph", "99"],
     "pH must be between -1 and 15, got 99"),
    ("plot-ph-negative", ["plot", "barriers", "--store", "{store}", "-o", "{tmp}/b.png",
                          "--ph", "-3"], "pH must be between -1 and 15, got -3"),
    ("fed-ph-nan", ["plot", "fed", "--steps", "{tmp}/steps.json", "-o", "{tmp}/f.png",
                    "--scale", "SHE", "--ph", "nan"], "pH must be finite"),
    ("table-activity-0", ["table", "--store", "{store}", "--activity", "0"],
     "Cu2+ activity must be > 0 and <= 1, got 0"),
    ("table-activity-negative", ["table", "--store", "{store}", "--activity", "-1"],
     "Cu2+ activity must be > 0 and <= 1, got -1"),
    ("plot-activity-2", ["plot", "barriers", "--store", "{store}", "-o", "{tmp}/b.png",
                         "--activity", "2"], "Cu2+ activity must be > 0 and <= 1, got 2"),
    ("table-activity-nan", ["table", "--store", "{store}", "--activity", "nan"],
     "Cu2+ activity must be finite"),
    ("table-beta-2", ["table", "--store", "{store}", "--beta", "2"],
     "transfer coefficient beta must be in [0, 1], got 2"),
    ("table-potential-nan", ["table", "--store", "{store}", "-U", "0", "-U", "nan"],
     "potential must be finite, got nan"),
    ("plot-potential-inf", ["plot", "barriers", "--store", "{store}", "-o", "{tmp}/b.png",
                            "-U", "inf"], "potential must be finite, got inf"),
    ("fed-potential-nan", ["plot", "fed", "--steps", "{tmp}/steps.json", "-o", "{tmp}/f.png",
                           "-U", "nan"], "potential must be finite"),
    ("table-unknown-scale", ["table", "--store", "{store}", "--scale", "NHE"],
     "unknown potential scale 'NHE'"),
    ("plot-unknown-scale", ["plot", "barriers", "--store", "{store}", "-o", "{tmp}/b.png",
                            "--scale", "vs"], "unknown potential scale 'vs'"),
    # stores and configurations
    ("plot-unknown-config", ["plot", "neb", "--store", "{store}", "-o", "{tmp}/n.png",
                             "--config", "emt-facets/999/kink/bare/emt"],
     "no result with config_id 'emt-facets/999/kink/bare/emt'"),
    ("plot-neb-without-store", ["plot", "neb", "-o", "{tmp}/n.png"], "plot neb needs --store"),
    ("table-missing-store", ["table", "--store", "{tmp}/nostore"], "no results store"),
    # plot fed and its steps file
    ("fed-without-steps", ["plot", "fed", "-o", "{tmp}/f.png"], "plot fed needs --steps"),
    ("fed-missing-steps", ["plot", "fed", "--steps", "{tmp}/nope.json", "-o", "{tmp}/f.png"],
     "cannot read steps file"),
]  # fmt: skip

# Malformed steps files: (case id, file content, expected fragment)
STEPS_CASES = [
    ("not-json", "[{name: *COOH}]", "is not JSON"),
    ("an-object", json.dumps({"name": "*COOH", "dG0_eV": 0.4, "n_electrons": 1}),
     "must be a JSON list of {name, dG0_eV, n_electrons}"),
    ("empty", "[]", "not empty"),
    ("missing-key", json.dumps([{"name": "*COOH", "dG0_eV": 0.4}]),
     "step 0: must be {name, dG0_eV, n_electrons}"),
    ("extra-key", json.dumps([{**STEPS_OK[0], "dG_eV": 0.4}]), "step 0: must be"),
    ("half-electron", json.dumps([STEPS_OK[0], {**STEPS_OK[1], "n_electrons": 1.5}]),
     "step 1: n_electrons must be an integer, got 1.5"),
    ("text-energy", json.dumps([{**STEPS_OK[0], "dG0_eV": "0.4 eV"}]),
     "step 0: dG0_eV must be a number (eV)"),
    ("nan-energy", '[{"name": "*COOH", "dG0_eV": NaN, "n_electrons": 1}]', "must be finite"),
    ("not-utf8", b"\xff\xfe[\x00".decode("latin-1"), "is not JSON"),
]  # fmt: skip


@pytest.fixture
def store(emt_campaign_store, tmp_path) -> Path:
    """A copy of the session's EMT campaign store inside the watched folder."""
    copy = tmp_path / "store"
    shutil.copytree(emt_campaign_store, copy)
    (tmp_path / "steps.json").write_text(json.dumps(STEPS_OK), encoding="utf-8")
    return copy


def _fill(args: list[str], store: Path, tmp: Path) -> list[str]:
    return [a.format(store=store, tmp=tmp) for a in args]


def test_the_corpus_is_large_and_distinct():
    assert len(CASES) + len(STEPS_CASES) >= 20
    assert len({c[0] for c in CASES}) == len(CASES)


@pytest.mark.parametrize(("args", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_refused(store, tmp_path, args, expected):
    assert_refused(_fill(args, store, tmp_path), expected.format(tmp=tmp_path), tmp_path)
    assert not (tmp_path / "nostore").exists()  # reading never creates a store


@pytest.mark.parametrize(
    ("content", "expected"), [c[1:] for c in STEPS_CASES], ids=[c[0] for c in STEPS_CASES]
)
def test_malformed_steps_file_refused(tmp_path, content, expected):
    steps = tmp_path / "bad.json"
    steps.write_text(content, encoding="latin-1")
    argv = ["plot", "fed", "--steps", str(steps), "-o", str(tmp_path / "fed.png")]
    assert_refused(argv, expected, tmp_path)


def test_the_same_commands_done_right_are_accepted(store, tmp_path):
    # the refusals above are about the mistake, not the command
    out = tmp_path / "out.csv"
    assert run_cli("table", "--store", str(store), "-f", "csv", "-o", str(out))[0] == 0
    assert run_cli("table", "--store", str(store), "--ph", "14", "--activity", "1")[0] == 0
    fig = tmp_path / "f.png"
    steps = str(tmp_path / "steps.json")
    assert run_cli("plot", "fed", "--steps", steps, "-o", str(fig), "--dpi", "10")[0] == 0
    assert out.is_file() and fig.is_file()
