"""Merging benchmark runs (bench/nebbench/merge.py): which rows win, which runs are refused."""

from __future__ import annotations

import json

import pytest

CASE = "emt-adatom-hop"


@pytest.fixture(scope="module")
def merge(nebbench):
    return nebbench.merge, nebbench.methods


def _run(commit: str, rows: dict, *, energies=(-1.0, -0.5), geometry="slab-a", fmax=0.05):
    """A bench run's results.json with one case: ``rows`` maps method to its force calls."""
    entry = {
        "geometry": geometry,
        "endpoint_relax": {"energies_eV": list(energies), "force_calls": 20},
        "methods": {method: {"force_calls": calls} for method, calls in rows.items()},
    }
    return {
        "machine": {"git_commit": commit, "nproc": 2},
        "fmax": fmax,
        "n_images": 3,
        "cases": {CASE: entry},
    }


def _write(tmp_path, name: str, run: dict) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(run))
    return str(path)


def test_later_runs_add_methods_and_win_ties_and_rows_name_their_run(merge, tmp_path):
    merge_mod, _ = merge
    a = _write(tmp_path, "a.json", _run("aaa", {"ase-bfgs": 30, "cudiss-fast": 12}))
    b = _write(tmp_path, "b.json", _run("bbb", {"cudiss-fast": 9, "cudiss-default": 15}))
    merged = merge_mod.merge_runs([a, b])
    rows = merged["cases"][CASE]["methods"]
    assert rows == {
        "ase-bfgs": {"force_calls": 30, "run": 0},
        "cudiss-fast": {"force_calls": 9, "run": 1},
        "cudiss-default": {"force_calls": 15, "run": 1},
    }
    runs = merged["machine"]["runs"]
    assert [run["git_commit"] for run in runs] == ["aaa", "bbb"]
    assert runs[1]["file"] == b
    assert runs[1]["cases"] == {CASE: ["cudiss-default", "cudiss-fast"]}
    assert merged["cases"][CASE]["endpoint_relax_run"] == 0


def test_a_merged_file_merged_again_keeps_its_runs_and_shifts_their_indices(merge, tmp_path):
    merge_mod, _ = merge
    a = _write(tmp_path, "a.json", _run("aaa", {"ase-bfgs": 30}))
    b = _write(tmp_path, "b.json", _run("bbb", {"cudiss-fast": 9}))
    c = _write(tmp_path, "c.json", _run("ccc", {"cudiss-default": 15}))
    ab = _write(tmp_path, "ab.json", merge_mod.merge_runs([a, b]))
    merged = merge_mod.merge_runs([c, ab])
    rows = merged["cases"][CASE]["methods"]
    # c is run 0; the merged file's runs a and b become runs 1 and 2
    assert {method: row["run"] for method, row in rows.items()} == {
        "cudiss-default": 0,
        "ase-bfgs": 1,
        "cudiss-fast": 2,
    }
    assert [run["git_commit"] for run in merged["machine"]["runs"]] == ["ccc", "aaa", "bbb"]


def test_runs_whose_endpoints_differ_by_more_than_a_micro_ev_are_refused(merge, tmp_path):
    merge_mod, _ = merge
    a = _write(tmp_path, "a.json", _run("aaa", {"ase-bfgs": 30}))
    close = _run("bbb", {"ase-fire": 60}, energies=(-1.0, -0.5000005))
    far = _run("ccc", {"ase-fire": 60}, energies=(-1.0, -0.50001))
    close, far = _write(tmp_path, "close.json", close), _write(tmp_path, "far.json", far)
    assert "ase-fire" in merge_mod.merge_runs([a, close])["cases"][CASE]["methods"]
    refused = r"run 1's relaxed endpoints differ by 1\.00e-05 eV"
    with pytest.raises(merge_mod.MergeError, match=refused):
        merge_mod.merge_runs([a, far])


def test_runs_of_another_geometry_or_criterion_are_refused(merge, tmp_path):
    merge_mod, _ = merge
    a = _write(tmp_path, "a.json", _run("aaa", {"ase-bfgs": 30}))
    moved = _write(tmp_path, "moved.json", _run("bbb", {"ase-fire": 60}, geometry="slab-b"))
    looser = _write(tmp_path, "looser.json", _run("ccc", {"ase-fire": 60}, fmax=0.1))
    with pytest.raises(merge_mod.MergeError, match="run 1 has another geometry"):
        merge_mod.merge_runs([a, moved])
    with pytest.raises(merge_mod.MergeError, match="fmax/n_images differ"):
        merge_mod.merge_runs([a, looser])


def test_a_source_can_name_its_cases_and_a_missing_case_is_an_error(merge, tmp_path):
    merge_mod, _ = merge
    a = _write(tmp_path, "a.json", _run("aaa", {"ase-bfgs": 30}))
    assert list(merge_mod.merge_runs([f"{a}:{CASE}"])["cases"]) == [CASE]
    with pytest.raises(merge_mod.MergeError, match="has no case gpaw-adatom-oh"):
        merge_mod.merge_runs([f"{a}:gpaw-adatom-oh"])


def test_a_rename_keeps_the_row_only_when_its_settings_are_the_new_methods(merge, tmp_path):
    merge_mod, methods = merge
    fast = methods.settings_for("cudiss-fast").model_dump(exclude_defaults=True)
    run = _run("aaa", {"cudiss-auto": 9})
    run["cases"][CASE]["methods"]["cudiss-auto"]["settings"] = fast
    a = _write(tmp_path, "a.json", run)
    rows = merge_mod.merge_runs([f"{a}@cudiss-auto=cudiss-fast"])["cases"][CASE]["methods"]
    assert list(rows) == ["cudiss-fast"]
    assert rows["cudiss-fast"]["force_calls"] == 9
    with pytest.raises(merge_mod.MergeError, match="are not cudiss-default's"):
        merge_mod.merge_runs([f"{a}@cudiss-auto=cudiss-default"])
    run["cases"][CASE]["methods"]["cudiss-fast"] = {"force_calls": 12}
    both = _write(tmp_path, "both.json", run)
    with pytest.raises(merge_mod.MergeError, match="the run has a cudiss-fast row"):
        merge_mod.merge_runs([f"{both}@cudiss-auto=cudiss-fast"])
