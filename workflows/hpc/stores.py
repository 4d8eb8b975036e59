"""Store specs (maggma stores as dicts) in the form jobflow-remote projects read.

A project names two kinds of store: the *queue* (jobflow-remote's Job and Flow
documents; MongoDB in production) and the *JobStore* (the Jobs' outputs).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cudiss.structures.errors import CudissInputError

#: Timeouts (ms) written into every MongoDB store spec: an unreachable server
#: fails a command after seconds, not after pymongo's 30 s server selection.
MONGO_TIMEOUT_MS = 5000
#: Seconds cudiss waits for a MongoDB ``ping`` before a command uses a project.
PING_SECONDS = 3.0
_MONGO_TYPES = ("MongoStore", "MongoURIStore", "GridFSStore", "GridFSURIStore")


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
        ``{"type": "MongoStore", ...}``, with ``serverSelectionTimeoutMS`` and
        ``connectTimeoutMS`` of :data:`MONGO_TIMEOUT_MS` for pymongo.
    """
    spec: dict[str, Any] = {
        "type": "MongoStore",
        "host": host,
        "port": port,
        "database": database,
        "collection_name": collection,
        "mongoclient_kwargs": {
            "serverSelectionTimeoutMS": MONGO_TIMEOUT_MS,
            "connectTimeoutMS": MONGO_TIMEOUT_MS,
        },
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


def _mongo_specs(node: Any, where: str) -> list[tuple[str, dict[str, Any]]]:
    """(place in the project, spec) of every MongoDB store inside a store/JobStore spec."""
    found: list[tuple[str, dict[str, Any]]] = []
    if isinstance(node, dict):
        kind = str(node.get("type") or node.get("@class") or "")
        if kind in _MONGO_TYPES:
            found.append((where, node))
        for key, value in node.items():
            if isinstance(value, dict):
                found += _mongo_specs(value, f"{where}.{key}")
    return found


def _address(spec: dict[str, Any]) -> str:
    if spec.get("uri"):
        # never show credentials of a mongodb://user:password@host URI
        return str(spec["uri"]).split("@")[-1].split("/")[0]
    return f"{spec.get('host', 'localhost')}:{spec.get('port', 27017)}"


def _reason(exc: Exception, address: str) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    for cut in (" (configured timeouts", ", Timeout:", ", full error:"):
        text = text.split(cut)[0]
    return text.removeprefix(f"{address}: ")


def check_mongo_reachable(project: Any, seconds: float = PING_SECONDS) -> None:
    """Ping every MongoDB server a project names; refuse in one line if one does not answer.

    jobflow-remote and maggma connect lazily with pymongo's 30 s server
    selection (per attempt) and then fail with a long traceback; cudiss pings
    first, with a short timeout, so a command on a project whose database is
    down or mistyped ends after a few seconds with one line.

    Parameters
    ----------
    project : jobflow_remote.config.base.Project
        The project; its queue store and JobStore are examined.
    seconds : float
        How long each server may take to answer.

    Raises
    ------
    CudissInputError
        A server did not answer: names the host and port, what uses it and
        what to check.
    """
    from pymongo import MongoClient
    from pymongo.errors import PyMongoError

    stores = _mongo_specs(project.queue.store, "queue.store")
    stores += _mongo_specs(project.jobstore, "jobstore")
    addresses: dict[str, list[str]] = {}
    specs: dict[str, dict[str, Any]] = {}
    for where, spec in stores:
        if spec.get("ssh_tunnel"):
            continue  # reached through a tunnel maggma opens itself
        address = _address(spec)
        addresses.setdefault(address, []).append(where)
        specs.setdefault(address, spec)
    ms = int(seconds * 1000)
    timeouts = {"serverSelectionTimeoutMS": ms, "connectTimeoutMS": ms, "socketTimeoutMS": ms}
    for address, spec in specs.items():
        client = None
        try:
            if spec.get("uri"):
                client = MongoClient(spec["uri"], **timeouts)
            else:
                client = MongoClient(spec.get("host", "localhost"), spec.get("port"), **timeouts)
            client.admin.command("ping")
        except (PyMongoError, ValueError, TypeError) as exc:
            used = ", ".join(addresses[address])
            raise CudissInputError(
                f"MongoDB at {address} ({used} of project {project.name!r}) did not answer "
                f"within {seconds:g} s: {_reason(exc, address)}; check that the server is "
                "running and reachable from this machine (host, port, firewall, SSH tunnel) "
                "or correct the address in the project file"
            ) from None
        finally:
            if client is not None:
                client.close()
