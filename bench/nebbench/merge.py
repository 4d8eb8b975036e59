"""Merge the results of several runs of bench_neb.py into one results.json.

A full run takes hours on 2 cores, and GPAW cases run fastest one per core, so
the benchmark is often run as several processes over disjoint cases or methods
(e.g. ``--cases gpaw-adatom-co`` beside ``--cases gpaw-adatom-h``). Merging keeps
each run's machine record, and each method row and endpoint study says which
run made it (``run``: index into ``machine["runs"]``). Runs of the same case
must share its geometry and their plain-BFGS endpoint energies must agree
(they are deterministic), else the merge refuses them: rows from different
endpoints cannot be compared.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from nebbench.cases import CASES
from nebbench.methods import settings_for

ENDPOINT_AGREEMENT_EV = 1e-6


class MergeError(ValueError):
    """Runs that cannot be merged (different endpoints, criteria or geometry)."""


def merge_runs(sources: list[str]) -> dict[str, Any]:
    """One results dictionary from the results.json files of several runs (in order).

    Each source is ``PATH`` or ``PATH:CASE,CASE`` (only those cases of that run),
    optionally followed by ``@OLD=NEW``: that run's rows of method ``OLD`` are
    merged as method ``NEW`` (:func:`_renamed`). Later runs add methods and
    endpoint studies to a case; a method measured by two runs keeps the later
    row. A source may itself be a merged results.json: its runs are kept, and
    its rows still name theirs.
    """
    paths = [Path(source.partition("@")[0].partition(":")[0]) for source in sources]
    runs = [_read(source) for source in sources]
    _check_same_criterion(runs, paths)
    records: list[dict[str, Any]] = []
    merged: dict[str, Any] = {
        "machine": {"runs": records},
        "fmax": runs[0]["fmax"],
        "n_images": runs[0]["n_images"],
        "cases": {},
    }
    for run, path in zip(runs, paths, strict=True):
        index = len(records)
        records.extend(_run_records(run, path))
        for name, entry in run["cases"].items():
            _merge_case(merged["cases"], name, entry, index)
    overhead = [run["overhead"] for run in runs if "overhead" in run]
    if overhead:
        merged["overhead"] = overhead[-1]
    return merged


def _read(source: str) -> dict[str, Any]:
    source, _, rename = source.partition("@")
    path, _, cases = source.partition(":")
    run = json.loads(Path(path).read_text())
    if rename:
        old, _, new = rename.partition("=")
        for name, entry in run["cases"].items():
            entry["methods"] = _renamed(entry.get("methods", {}), old, new, name)
        run["machine"]["merged_as"] = {old: new}
    if cases:
        wanted = cases.split(",")
        missing = [name for name in wanted if name not in run["cases"]]
        if missing:
            raise MergeError(f"{path} has no case {', '.join(missing)}")
        run["cases"] = {name: run["cases"][name] for name in wanted}
    return run


def _renamed(rows: dict[str, Any], old: str, new: str, case: str) -> dict[str, Any]:
    """``rows`` with the row of method ``old`` named ``new``.

    For a row whose method changed meaning later (``cudiss-auto`` took another
    path for the case at a newer commit): the row keeps what it measured under
    the name of the method with the same settings, checked here.

    Raises
    ------
    MergeError
        When ``new`` is already a row, or ``old``'s recorded settings are not ``new``'s.
    """
    if old not in rows:
        return rows
    if new in rows:
        raise MergeError(f"{case}: cannot rename {old} to {new}: the run has a {new} row")
    expected = settings_for(new, CASES[case]).model_dump(exclude_defaults=True)
    if rows[old].get("settings") != expected:
        raise MergeError(f"{case}: {old}'s settings {rows[old].get('settings')} are not {new}'s")
    return {new if method == old else method: row for method, row in rows.items()}


def _run_records(run: dict, path: Path) -> list[dict[str, Any]]:
    """The machine records of ``run``: its own, or those of the runs an earlier merge kept."""
    if "runs" in run["machine"]:
        return list(run["machine"]["runs"])
    cases = {name: sorted(entry.get("methods", {})) for name, entry in run["cases"].items()}
    return [{**run["machine"], "file": str(path), "cases": cases}]


def _tag(row: dict, index: int) -> dict:
    """``row`` naming its run: ``index``, or shifted by it when an earlier merge named one."""
    return {**row, "run": index + row["run"] if "run" in row else index}


def _check_same_criterion(runs: list[dict], paths: list[Path]) -> None:
    for run, path in zip(runs[1:], paths[1:], strict=True):
        if (run["fmax"], run["n_images"]) != (runs[0]["fmax"], runs[0]["n_images"]):
            raise MergeError(f"{path}: fmax/n_images differ from {paths[0]}")


def _merge_case(cases: dict, name: str, entry: dict, index: int) -> None:
    tagged = {method: _tag(row, index) for method, row in entry.get("methods", {}).items()}
    studies = {mlip: _tag(s, index) for mlip, s in entry.get("endpoint_study", {}).items()}
    if name not in cases:
        relax_run = index + entry.get("endpoint_relax_run", 0)
        cases[name] = {**entry, "methods": tagged, "endpoint_relax_run": relax_run}
        if studies:
            cases[name]["endpoint_study"] = studies
        return
    case = cases[name]
    if entry.get("geometry") != case.get("geometry"):
        raise MergeError(f"{name}: run {index} has another geometry")
    _check_endpoints(name, case["endpoint_relax"], entry["endpoint_relax"], index)
    case["methods"].update(tagged)
    if studies:
        case.setdefault("endpoint_study", {}).update(studies)
    for key in ("cold_start_control",):
        if key in entry:
            case[key] = entry[key]


def _check_endpoints(name: str, first: dict, other: dict, index: int) -> None:
    for a, b in zip(first["energies_eV"], other["energies_eV"], strict=True):
        if abs(a - b) > ENDPOINT_AGREEMENT_EV:
            raise MergeError(
                f"{name}: run {index}'s relaxed endpoints differ by {abs(a - b):.2e} eV"
            )
