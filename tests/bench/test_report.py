"""The NEB benchmark's page is generated, never edited (bench/nebbench/report.py)."""

from __future__ import annotations

import json

import pytest

from tests.helpers.paths import REPO

BENCH = REPO / "bench"


@pytest.fixture(scope="module")
def report(nebbench):
    return nebbench.report


def test_results_md_is_what_the_report_makes_of_results_json(report):
    results = json.loads((BENCH / "results.json").read_text())
    assert report.render_markdown(results) == (BENCH / "RESULTS.md").read_text()


def test_a_merged_run_line_names_its_restarts_notes_and_the_merge_command(report):
    run = {
        "nproc": 2,
        "cpu": "AMD EPYC",
        "date": "2026-11-29T03:29:57+00:00",
        "git_commit": "a3e2db7",
        "load_start": [2.0, 2.0, 1.9],
        "command": "python bench/bench_neb.py --cases gpaw-adatom-oh",
        "cases": {"gpaw-adatom-oh": ["cudiss-fast"]},
        "restarts": [{"date": "2026-11-29T05:40:22+00:00", "load_start": [0.8, 1.5, 2.0]}],
        "notes": ["paused 61 min"],
    }
    machine = {"runs": [run], "merge_command": "python bench/bench_neb.py --merge a.json"}
    lines = report._run_lines(machine)
    assert "- Merged by: `python bench/bench_neb.py --merge a.json`" in lines
    assert lines[-1].endswith(
        "(gpaw-adatom-oh: cudiss-fast); carried on with `--resume` at "
        "2026-11-29T05:40:22+00:00 (load [0.8, 1.5, 2.0]); paused 61 min"
    )
