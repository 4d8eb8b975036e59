"""Read what a jobflow-remote project's Jobs computed, from its output JobStore.

:func:`open_jobstore` connects to the project's JobStore as jobflow-remote
does (to write, or to read outputs by uuid). :func:`read_jobstore` is the
reader behind ``cudiss table --project`` and ``open_results(project=...)``: it
never writes into the project's stores. An on-disk ``MontyStore`` (test
projects) is read from a private copy of its sqlite files, because montydb
rewrites its marker files and switches sqlite to WAL mode even to read; a
MongoDB store is pinged first (:func:`~cudiss.workflows.hpc.stores.check_mongo_reachable`,
a few seconds at most) and then only queried.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from cudiss.structures.errors import CudissInputError
from cudiss.workflows.hpc.project_files import load_project

#: MontyDB's marker files in a database folder (copied with the collections).
_MONTY_MARKERS = (".monty.storage", "monty.storage.cfg")


def open_jobstore(project: str | None = None, directory: str | Path | None = None) -> Any:
    """Connect to a project's output JobStore (read the results of a run).

    Connecting an on-disk ``MontyStore`` rewrites its marker files; to read
    results without touching the project use :func:`read_jobstore`.

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


def _monty_documents(part: Any, project: str) -> list[dict]:
    """Every document of an on-disk MontyStore, read from a private copy of its files."""
    # the store module's copy-and-check of a sqlite collection (retried while a
    # runner writes, damage named by the original file)
    from cudiss.workflows.store_files import _read_collection, _stable_copy

    if getattr(part, "storage", "sqlite") != "sqlite":
        raise CudissInputError(
            f"project {project!r}: output store {part.collection_name!r} is a MontyStore with "
            f"{part.storage!r} storage; cudiss reads sqlite ones (what `cudiss hpc init` writes)"
        )
    folder = Path(part.database_path)
    original = folder / part.database_name / f"{part.collection_name}.collection"
    if not original.exists():
        return []  # no Job has stored anything yet
    with tempfile.TemporaryDirectory(prefix="cudiss-project-") as tmp:
        copy = Path(tmp)
        for marker in _MONTY_MARKERS:
            if (folder / marker).is_file():
                shutil.copyfile(folder / marker, copy / marker)
        (copy / "db").mkdir()
        target = copy / "db" / original.name
        _stable_copy(original, target)
        return _read_collection(folder, original, target, part.collection_name)


def _in_memory(part: Any, project: str) -> Any:
    """A connected in-memory copy of an on-disk MontyStore; any other store as it is."""
    from maggma.stores import MemoryStore, MontyStore

    if not isinstance(part, MontyStore):
        return part
    documents = _monty_documents(part, project)
    memory = MemoryStore(part.collection_name, key=part.key)
    memory.connect()
    if documents:
        memory._coll.insert_many(documents)
    return memory


def read_jobstore(project: str | None = None, directory: str | Path | None = None) -> Any:
    """A project's output JobStore for reading, without writing into any of its stores.

    Parameters
    ----------
    project : str, optional
        Project name; default the only project of the folder.
    directory : str or Path, optional
        Projects folder; default ``~/.jfremote``.

    Returns
    -------
    jobflow.JobStore
        Connected. Its on-disk MontyStores (test projects) are in-memory copies
        of their files, read now; MongoDB stores are the live ones (only queried).

    Raises
    ------
    CudissInputError
        No such project, a project file jobflow-remote cannot read, its MongoDB
        does not answer within a few seconds, or a damaged output store: one line.
    """
    from jobflow import JobStore

    from cudiss.workflows.hpc.stores import check_mongo_reachable

    proj = load_project(project, directory)
    check_mongo_reachable(proj)
    live = proj.get_jobstore()
    store = JobStore(
        _in_memory(live.docs_store, proj.name),
        additional_stores={
            name: _in_memory(part, proj.name) for name, part in live.additional_stores.items()
        },
        save=live.save,
        load=live.load,
    )
    store.connect()
    return store


def removal_results(project: str | None = None, directory: str | Path | None = None) -> list:
    """The Cu-removal results (``RemovalResult``) a project's runs stored.

    The project's output store is a plain jobflow ``JobStore`` (MongoDB, or a
    ``MontyStore`` for test projects), which :func:`cudiss.workflows.store.results_in`
    reads like the local store; it is read with :func:`read_jobstore` (nothing
    written).

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

    store = read_jobstore(project, directory)
    try:
        return results_in(store)
    finally:
        store.close()
