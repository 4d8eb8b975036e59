"""Reading the mechanism documents (gas references, adsorption) back from a store.

Like :func:`~cudiss.workflows.store.results_in` for removal results: the newest
document per ``gas_id`` / ``adsorption_id``, validated into the analysis
documents. :func:`open_mechanism` reads a copy of a store folder
(:func:`~cudiss.workflows.store.open_job_store`), never the store itself, or a
jobflow-remote project's output JobStore without writing into it
(:mod:`cudiss.workflows.result_sources`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from jobflow import JobStore
from pydantic import BaseModel

from cudiss.analysis.documents import RemovalResult
from cudiss.analysis.mechanism_documents import (
    ADSORPTION_KIND,
    GAS_KIND,
    AdsorptionResult,
    GasResult,
)
from cudiss.workflows.result_sources import ProjectSource, open_source, result_source
from cudiss.workflows.store import results_in

__all__ = [
    "MechanismData",
    "adsorption_results_in",
    "finished_mechanism_ids",
    "gas_results_in",
    "open_mechanism",
]


def _newest(store: JobStore, kind: str, key: str, model: type[BaseModel], load: bool) -> list:
    latest: dict[str, dict] = {}
    for doc in store.query(
        {"metadata.cudiss_kind": kind}, properties=["output", "completed_at"], load=load
    ):
        output = doc["output"]
        if not isinstance(output, dict) or key not in output:
            continue
        name = output[key]
        if name not in latest or doc["completed_at"] > latest[name]["completed_at"]:
            latest[name] = doc
    return [
        model.model_validate(
            {k: v for k, v in latest[name]["output"].items() if not k.startswith("@")}
        )
        for name in sorted(latest)
    ]


def gas_results_in(store: JobStore, load_data: bool = True) -> list[GasResult]:
    """Every :class:`GasResult` in ``store``, the newest per ``gas_id`` (sorted by id)."""
    return _newest(store, GAS_KIND, "gas_id", GasResult, load_data)


def adsorption_results_in(store: JobStore, load_data: bool = True) -> list[AdsorptionResult]:
    """Every :class:`AdsorptionResult` in ``store``, the newest per ``adsorption_id``."""
    return _newest(store, ADSORPTION_KIND, "adsorption_id", AdsorptionResult, load_data)


def finished_mechanism_ids(store: JobStore) -> set[str]:
    """``gas_id`` and ``adsorption_id`` of results that are not ``failed`` (a rerun skips them)."""
    gases = {r.gas_id for r in gas_results_in(store, False) if r.state != "failed"}
    adsorptions = {
        r.adsorption_id for r in adsorption_results_in(store, False) if r.state != "failed"
    }
    return gases | adsorptions


@dataclass
class MechanismData:
    """Everything the mechanism analysis reads: removals, adsorptions and gas references."""

    removals: list[RemovalResult] = field(default_factory=list)
    adsorptions: list[AdsorptionResult] = field(default_factory=list)
    gases: list[GasResult] = field(default_factory=list)


def open_mechanism(
    location: str | Path | ProjectSource | None = None,
    *,
    project: str | None = None,
    projects_dir: str | Path | None = None,
) -> MechanismData:
    """Load the removal, adsorption and gas results of a store or a project.

    Reads a copy of a store folder's files, or a project's output JobStore
    without writing into it (as :func:`~cudiss.workflows.store.open_results`).

    Parameters
    ----------
    location
        A store folder, ``"jobflow"``, or a :class:`~cudiss.workflows.result_sources.ProjectSource`.
    project
        Instead of ``location``: a jobflow-remote project name.
    projects_dir
        The projects folder of ``project`` (default ``~/.jfremote``).

    Raises
    ------
    CudissInputError
        Both or neither source, no store there or a damaged one, a missing or
        broken project, or its database not answering within a few seconds.
    """
    store = open_source(result_source(location, project, projects_dir))
    try:
        return MechanismData(
            removals=results_in(store),
            adsorptions=adsorption_results_in(store),
            gases=gas_results_in(store),
        )
    finally:
        store.close()
