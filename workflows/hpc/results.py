"""Read what a jobflow-remote project's Jobs computed, from its output JobStore."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cudiss.workflows.hpc.project_files import load_project


def open_jobstore(project: str | None = None, directory: str | Path | None = None) -> Any:
    """Connect to a project's output JobStore (read the results of a run).

    Parameters
    ----------
    project : str, optional
        Project name.
    directory : str or Path, optional
        Projects folder.

    Returns
    -------
    jobflow.JobStore
        Connected; use ``store.get_output(uuid)``.
    """
    from cudiss.workflows.hpc.stores import check_mongo_reachable

    proj = load_project(project, directory)
    check_mongo_reachable(proj)
    store = proj.get_jobstore()
    store.connect()
    return store


def removal_results(project: str | None = None, directory: str | Path | None = None) -> list:
    """The Cu-removal results (``RemovalResult``) a project's runs stored.

    The project's output store is a plain jobflow ``JobStore`` (MongoDB, or a
    ``MontyStore`` for test projects), which :func:`cudiss.workflows.store.results_in`
    reads like the local store.

    Parameters
    ----------
    project : str, optional
        Project name.
    directory : str or Path, optional
        Projects folder.

    Returns
    -------
    list of cudiss.analysis.documents.RemovalResult
        Newest document per configuration, sorted by configuration id.
    """
    # imported here: the store module pulls in the analysis documents, which
    # `cudiss hpc init`/`status` never need
    from cudiss.workflows.store import results_in

    store = open_jobstore(project, directory)
    try:
        return results_in(store)
    finally:
        store.close()
