"""Where tables and figures read results from: a store folder or a jobflow-remote project.

``cudiss table`` and ``cudiss plot`` take ``--store PATH`` (a cudiss store
folder, or ``jobflow``) or ``--project NAME [--projects-dir DIR]`` (the output
JobStore of a jobflow-remote project, where ``cudiss submit`` put its results).
:func:`result_source` turns those options into one source, :func:`open_source`
opens it for reading; neither writes into a store or a project:

* a store folder is read from a copy of its files
  (:func:`cudiss.workflows.store.open_job_store`);
* a project is loaded and checked as ``cudiss status`` does (no such project,
  a broken project file, a MongoDB that does not answer within a few seconds:
  one line each) and its JobStore read by
  :func:`cudiss.workflows.hpc.results.read_jobstore` (an on-disk MontyStore
  from a private copy, MongoDB only queried).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cudiss.workflows.errors import StoreError

__all__ = ["ProjectSource", "describe_source", "open_source", "result_source"]


@dataclass(frozen=True)
class ProjectSource:
    """A jobflow-remote project whose output JobStore holds results (``--project NAME``).

    Parameters
    ----------
    name
        Project name (``NAME.yaml`` in the projects folder).
    projects_dir
        Projects folder; ``None``: jobflow-remote's own (``~/.jfremote``).
    """

    name: str
    projects_dir: Path | None = None

    def __str__(self) -> str:
        return f"project {self.name!r}"


def result_source(
    location: str | Path | ProjectSource | None = None,
    project: str | None = None,
    projects_dir: str | Path | None = None,
) -> str | Path | ProjectSource:
    """The one source named by a store location or a project (exactly one of them).

    Parameters
    ----------
    location
        A store folder, ``"jobflow"``, or already a :class:`ProjectSource`.
    project
        A jobflow-remote project name.
    projects_dir
        The projects folder of ``project`` (only with it).

    Returns
    -------
    str or Path or ProjectSource
        ``location`` as given, or the project.

    Raises
    ------
    StoreError
        Both or neither given, ``projects_dir`` without ``project``, an empty name.
    """
    if location is not None and project is not None:
        raise StoreError("give a store (--store PATH) or a project (--project NAME), not both")
    if projects_dir is not None and project is None:
        raise StoreError("--projects-dir goes with --project NAME (a store needs none)")
    if project is not None:
        if not str(project).strip():
            raise StoreError("the project name is empty (--project ''): give a project name")
        folder = None if projects_dir is None else Path(projects_dir).expanduser()
        return ProjectSource(str(project), folder)
    if location is None:
        raise StoreError("give a store (--store PATH) or a project (--project NAME)")
    return location


def describe_source(source: str | Path | ProjectSource) -> str:
    """``store PATH`` or ``project 'NAME'``, for messages."""
    return str(source) if isinstance(source, ProjectSource) else f"store {source}"


def open_source(source: str | Path | ProjectSource) -> Any:
    """Open a store folder or a project's output JobStore for reading (nothing is written).

    Parameters
    ----------
    source
        From :func:`result_source`.

    Returns
    -------
    jobflow.JobStore
        Connected; close it when done.

    Raises
    ------
    CudissInputError
        A missing or damaged store; a missing or broken project, or its database
        not answering within a few seconds (one line each).
    """
    if isinstance(source, ProjectSource):
        # imported here: jobflow-remote is needed only for projects
        from cudiss.workflows.hpc.results import read_jobstore

        return read_jobstore(source.name, source.projects_dir)
    from cudiss.workflows.store import open_job_store

    return open_job_store(source)
