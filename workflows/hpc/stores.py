"""Store specs (maggma stores as dicts) in the form jobflow-remote projects read.

A project names two kinds of store: the *queue* (jobflow-remote's Job and Flow
documents; MongoDB in production) and the *JobStore* (the Jobs' outputs).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def mongo_store(
    collection: str,
    host: str = "localhost",
    port: int = 27017,
    database: str = "cudiss",
    username: str | None = None,
    password: str | None = None,
) -> dict[str, Any]:
    """Spec of a maggma ``MongoStore`` in the form jobflow-remote reads.

    Parameters
    ----------
    collection : str
        Collection name (``jobs`` for the queue, ``outputs`` for results).
    host, port, database : str, int, str
        The MongoDB server and database.
    username, password : str, optional
        Credentials; prefer a ``~/.jfremote`` file readable only by you.

    Returns
    -------
    dict
        ``{"type": "MongoStore", ...}``.
    """
    spec: dict[str, Any] = {
        "type": "MongoStore",
        "host": host,
        "port": port,
        "database": database,
        "collection_name": collection,
    }
    if username:
        spec["username"] = username
    if password:
        spec["password"] = password
    return spec


def monty_store(path: str | Path, collection: str = "outputs") -> dict[str, Any]:
    """Spec of an on-disk (sqlite) maggma ``MontyStore`` for job outputs.

    Parameters
    ----------
    path : str or Path
        Folder holding the database files; created on first use.
    collection : str
        Collection name.

    Returns
    -------
    dict
        ``{"type": "MontyStore", ...}``; usable as a JobStore ``docs_store``,
        not as a jobflow-remote queue store (montydb lacks the aggregation and
        pipeline updates the queue needs).
    """
    return {
        "type": "MontyStore",
        "database_path": str(Path(path).expanduser().resolve()),
        "database_name": "cudiss",
        "collection_name": collection,
        "storage": "sqlite",
    }


def jobstore_spec(docs_store: dict[str, Any]) -> dict[str, Any]:
    """A JobStore spec with the ``data`` store that cudiss and atomate2 Jobs need.

    Jobs declared with ``@job(data=...)`` (the CI-NEB's images and forces,
    atomate2's trajectories) put large fields into an additional store named
    ``data``; without it jobflow raises "Unrecognised additional store name".

    Parameters
    ----------
    docs_store : dict
        Spec of the outputs store (:func:`mongo_store` or :func:`monty_store`).

    Returns
    -------
    dict
        ``{"docs_store": ..., "additional_stores": {"data": ...}}``; the
        ``data`` store is the docs store's kind, in the collection ``<name>_data``.
    """
    data_store = {**docs_store, "collection_name": f"{docs_store['collection_name']}_data"}
    return {"docs_store": docs_store, "additional_stores": {"data": data_store}}
