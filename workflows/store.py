"""The results store: a jobflow JobStore on disk (MontyDB/sqlite) or MongoDB by config.

``--store PATH`` names a folder holding the database (``PATH/db``) and the job
folders with trajectories and logs (``PATH/runs``). ``--store jobflow`` uses the
JobStore of your jobflow configuration file (e.g. MongoDB, see the jobflow docs:
``JOBFLOW_CONFIG_FILE`` or ``~/.jobflow.yaml``).

Nothing is lost silently and nothing is adopted by mistake:

* a folder is used as a store only if it is new, empty, or already a cudiss
  store: ``PATH/db`` holds MontyDB's two marker files
  (``.monty.storage``, ``monty.storage.cfg``) and the sqlite collections
  ``outputs`` and ``data`` under ``PATH/db/db``, nothing else;
* a damaged store (a collection file that is truncated, empty or not SQLite, a
  marker file missing) is one :class:`StoreError` naming the file, before
  anything is written;
* readers (``cudiss table``, ``cudiss plot``, :func:`open_results`) never write
  into a store: they read a copy of its collections (MontyDB's sqlite switches
  the files to WAL mode and creates ``-wal``/``-shm`` files even to read, and
  rewrites its marker files on every connection);
* a new store is created whole (markers and empty collections in a hidden
  folder that is then renamed to ``db``), so a reader never meets half of one;
* ``--store jobflow`` is refused when jobflow keeps results in memory (no
  configuration: they would be gone at exit), and an unreachable MongoDB is
  reported after :data:`MONGO_TIMEOUT_S` seconds instead of pymongo's 30.

:func:`open_results` also reads a jobflow-remote project (``--project NAME``):
see :mod:`cudiss.workflows.result_sources`.

The folder checks, the read copy and the creation are in
:mod:`cudiss.workflows.store_files`; the collections of a folder opened for a
run, written to disk and read from memory, in :mod:`cudiss.workflows.store_mirror`.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from maggma.stores import MemoryStore, MontyStore

from cudiss.analysis.documents import RemovalResult
from cudiss.workflows.errors import StoreError
from cudiss.workflows.result_sources import ProjectSource, open_source, result_source

# The folder layout, its checks and the read copy live in store_files.py, the
# collections read through memory in store_mirror.py; other modules and tests
# import COLLECTIONS and MirroredMontyStore from here, as before the splits.
from cudiss.workflows.store_files import (
    COLLECTIONS,
    DATABASE,
    check_folder,
    complete_collections,
    create_db,
    foreign_folder,
    read_documents,
    short_reason,
    visible_names,
)
from cudiss.workflows.store_mirror import MirroredMontyStore

try:
    from jobflow import JobStore
except Exception as _exc:  # jobflow reads its configuration file when first imported
    _config = os.environ.get("JOBFLOW_CONFIG_FILE") or "~/.jobflow.yaml"
    _reason = " ".join(str(_exc).split())[:200] or type(_exc).__name__
    raise StoreError(
        f"cannot read the jobflow configuration {_config}: {_reason}; fix that file, "
        f"or move it aside (cudiss needs it only for --store jobflow)"
    ) from None

__all__ = [
    "COLLECTIONS",
    "JOBFLOW_STORE",
    "MONGO_TIMEOUT_S",
    "MirroredMontyStore",
    "ProjectSource",
    "cached_bulk",
    "finished_config_ids",
    "open_job_store",
    "open_results",
    "results_in",
    "run_root",
]

JOBFLOW_STORE = "jobflow"

#: Seconds to wait for the MongoDB behind ``--store jobflow`` before giving up.
MONGO_TIMEOUT_S = 3.0


# --------------------------------------------------------------------------
# --store jobflow


def _jobflow_config_file() -> str:
    return os.environ.get("JOBFLOW_CONFIG_FILE") or "~/.jobflow.yaml"


def _in_memory(store) -> bool:
    if isinstance(store, MontyStore):
        return store.database_path == ":memory:"
    return isinstance(store, MemoryStore) and not isinstance(store, MirroredMontyStore)


def _mongo_client(store):
    """The pymongo client behind a connected maggma store, if there is one."""
    coll = getattr(store, "_coll", None)
    database = getattr(coll, "database", None)
    client = getattr(database, "client", None)
    return client if hasattr(client, "admin") else None


def _jobflow_store() -> JobStore:
    """The JobStore of the jobflow settings, checked to persist and to answer."""
    import jobflow

    config = _jobflow_config_file()
    store = jobflow.SETTINGS.JOB_STORE
    parts = [store.docs_store, *store.additional_stores.values()]
    if any(_in_memory(part) for part in parts):
        here = (
            " (for the folder ./jobflow write --store ./jobflow)"
            if Path("jobflow").is_dir()
            else ""
        )
        raise StoreError(
            f"--store jobflow: your jobflow settings keep results in memory (no JOB_STORE in "
            f"{config}), so they would be lost when cudiss exits; give a store folder "
            f"(--store results/NAME) or set a persistent JOB_STORE (e.g. a MongoStore) in "
            f"{config}{here}"
        )
    for part in parts:
        kwargs = getattr(part, "mongoclient_kwargs", None)
        if isinstance(kwargs, dict):
            kwargs.setdefault("serverSelectionTimeoutMS", int(MONGO_TIMEOUT_S * 1000))
    try:
        store.connect()
        for part in parts:
            client = _mongo_client(part)
            if client is not None:
                client.admin.command("ping")
    except Exception as exc:  # pymongo, maggma and ssh tunnels raise many kinds
        where = re.sub(r"//[^@/]*@", "//", str(getattr(store.docs_store, "name", "")))
        raise StoreError(
            f"--store jobflow: cannot reach the JOB_STORE of {config} ({where}) within "
            f"{MONGO_TIMEOUT_S:g} s: {short_reason(exc)}; start the database or fix {config}, "
            f"or give a store folder (--store results/NAME)"
        ) from None
    return store


# --------------------------------------------------------------------------
# opening store folders (checks and files: store_files.py)


def _resolve(location: str | Path) -> Path:
    if not str(location).strip():
        raise StoreError(
            "the store location is empty (--store ''): give a folder, e.g. --store "
            "results/emt, or 'jobflow'; cudiss does not fill the current folder"
        )
    given = Path(location).expanduser()
    if given.is_symlink() and not given.exists():
        raise StoreError(
            f"store path {given} is a broken symbolic link (to {os.readlink(given)}); "
            f"mount or create its target, or give another folder"
        )
    # Absolute, because jobflow changes into each job's folder while it runs.
    return Path(location).expanduser().resolve()


def _open_for_run(folder: Path) -> JobStore:
    if folder.exists() and not folder.is_dir():
        raise StoreError(f"store path {folder} is a file, not a folder")
    db = None
    if folder.is_dir():
        db = check_folder(folder)
        if db is None:
            other = [name for name in visible_names(folder) if name not in ("runs", DATABASE)]
            if other:
                raise foreign_folder(
                    folder, f"it holds {other[0]!r} and no db/; not adopted as a new store"
                )
        for path in (folder, folder / DATABASE, folder / DATABASE / DATABASE):
            if path.exists() and not os.access(path, os.W_OK):
                raise StoreError(f"store folder {folder} is not writable ({path})")
    if db is not None:
        documents = read_documents(folder, db)
    else:
        if not folder.exists():
            try:
                folder.mkdir(parents=True)
            except OSError as exc:
                raise StoreError(f"cannot create store folder {folder}: {exc.strerror}") from None
        try:
            db = create_db(folder)
        except OSError as exc:
            raise StoreError(f"cannot create the store in {folder}: {exc.strerror}") from None
        documents = {name: [] for name in COLLECTIONS}
    complete_collections(db)
    store = JobStore(
        MirroredMontyStore("outputs", str(db), documents["outputs"]),
        additional_stores={"data": MirroredMontyStore("data", str(db), documents["data"])},
    )
    store.connect()
    return store


def _open_for_reading(folder: Path) -> JobStore:
    if not folder.exists():
        raise StoreError(f"no results store at {folder}")
    if not folder.is_dir():
        raise StoreError(f"store path {folder} is a file, not a folder")
    try:
        db = check_folder(folder)
    except PermissionError as exc:
        raise StoreError(f"cannot read store {folder}: {exc.strerror} ({exc.filename})") from None
    if db is None and not (folder / DATABASE).is_dir():
        raise StoreError(f"{folder} is not a cudiss results store (no db/ inside)")
    try:
        documents = read_documents(folder, db) if db else {n: [] for n in COLLECTIONS}
    except PermissionError as exc:
        raise StoreError(f"cannot read store {folder}: {exc.strerror} ({exc.filename})") from None
    outputs, data = MemoryStore("outputs"), MemoryStore("data")
    store = JobStore(outputs, additional_stores={"data": data})
    store.connect()
    for part, name in ((outputs, "outputs"), (data, "data")):
        if documents[name]:
            part._coll.insert_many(documents[name])
    return store


def open_job_store(location: str | Path, create: bool = False) -> JobStore:
    """Open (and connect) the JobStore at ``location``.

    Parameters
    ----------
    location
        A folder, or ``"jobflow"`` for the store in the jobflow settings.
    create
        Open for a run: create the folder and the store if missing, write
        results to disk. Without it the store is read into memory from a copy
        of its files, and the folder is never written to.

    Raises
    ------
    StoreError
        Missing folder (when not creating), a folder that is not a cudiss store
        or cannot be written, a damaged store, ``jobflow`` without a persistent
        or reachable JobStore.
    """
    if str(location) == JOBFLOW_STORE:
        return _jobflow_store()
    folder = _resolve(location)
    try:
        return _open_for_run(folder) if create else _open_for_reading(folder)
    except StoreError:
        raise
    except OSError as exc:
        where = f" ({exc.filename})" if exc.filename else ""
        raise StoreError(f"cannot use store {folder}: {exc.strerror or exc}{where}") from None


def run_root(location: str | Path) -> Path:
    """Folder where job directories (trajectories, logs) go."""
    if str(location) == JOBFLOW_STORE:
        return Path.cwd() / "cudiss-runs"
    return Path(location).expanduser().resolve() / "runs"


def results_in(store: JobStore, load_data: bool = True) -> list[RemovalResult]:
    """Every :class:`RemovalResult` in ``store``, newest document per configuration."""
    from cudiss.workflows.flows import RESULT_KIND

    latest: dict[str, dict] = {}
    for doc in store.query(
        {"metadata.cudiss_kind": RESULT_KIND},
        properties=["output", "completed_at", "metadata"],
        load=load_data,
    ):
        output = doc["output"]
        key = output["config_id"]
        if key not in latest or doc["completed_at"] > latest[key]["completed_at"]:
            latest[key] = doc
    return [
        RemovalResult.model_validate(
            {k: v for k, v in latest[key]["output"].items() if not k.startswith("@")}
        )
        for key in sorted(latest)
    ]


def open_results(
    location: str | Path | ProjectSource | None = None,
    *,
    project: str | None = None,
    projects_dir: str | Path | None = None,
) -> list[RemovalResult]:
    """Load every Cu-removal result of a store or a project (sorted by config).

    Reads a copy of a store folder's files (the store itself is not touched), or
    a project's output JobStore without writing into it.

    Parameters
    ----------
    location
        A store folder, ``"jobflow"``, or a :class:`ProjectSource`.
    project
        Instead of ``location``: a jobflow-remote project name.
    projects_dir
        The projects folder of ``project`` (default ``~/.jfremote``).

    Raises
    ------
    CudissInputError
        Both or neither source, a missing or damaged store, a missing or broken
        project, or its database not answering within a few seconds: one line.

    Examples
    --------
    >>> open_results("results/emt")  # doctest: +SKIP
    >>> open_results(project="try", projects_dir="/tmp/projects")  # doctest: +SKIP
    """
    store = open_source(result_source(location, project, projects_dir))
    try:
        return results_in(store)
    finally:
        store.close()


def finished_config_ids(store: JobStore, vibrations: bool = False) -> set[str]:
    """Configurations whose latest result is not ``failed`` (so a rerun skips them).

    With ``vibrations`` (a campaign whose mechanism asks for them), a result
    with adsorbates but no adsorbate frequencies is not finished either: it was
    computed without vibrations (the switch is not part of the configuration's
    key), or its vibrations failed; the rerun computes them.
    """
    return {
        r.config_id
        for r in results_in(store, load_data=False)
        if r.state != "failed"
        and not (vibrations and r.adsorbates and not r.initial_frequencies_cm)
    }


def cached_bulk(store: JobStore, key: str):
    """A stored bulk reference with ``key`` (see ``campaign.bulk_key``), or ``None``."""
    from cudiss.workflows.makers import BulkResult

    doc = store.query_one({"metadata.bulk_key": key}, properties=["output"])
    if doc is None:
        return None
    return BulkResult.model_validate(
        {k: v for k, v in doc["output"].items() if not k.startswith("@")}
    )
