"""The results store: a jobflow JobStore on disk (MontyDB/sqlite) or MongoDB by config.

``--store PATH`` names a folder holding the database (``PATH/db``) and the job
folders with trajectories and logs (``PATH/runs``). ``--store jobflow`` uses the
JobStore of your jobflow configuration file (e.g. MongoDB, see the jobflow docs:
``JOBFLOW_CONFIG_FILE`` or ``~/.jobflow.yaml``).
"""

from __future__ import annotations

from pathlib import Path

from jobflow import JobStore
from maggma.stores import MemoryStore, MontyStore

from cudiss.analysis.documents import RemovalResult
from cudiss.workflows.errors import StoreError

JOBFLOW_STORE = "jobflow"


class MirroredMontyStore(MemoryStore):
    """An on-disk MontyStore (sqlite) read through an in-memory mirror.

    MontyDB has no indexes: every query decodes every stored document, so
    jobflow's many small look-ups (one per output reference) grow with the store
    and dominated campaign runs. Here reads are served by mongomock, which holds
    the decoded documents; every write goes to memory and to disk, so results
    persist as they are produced. The disk is read once, on connect.

    Parameters
    ----------
    collection_name
        Collection name (one sqlite table on disk).
    database_path
        Folder of the MontyDB database.
    """

    def __init__(self, collection_name: str, database_path: str, **kwargs) -> None:
        self.database_path = database_path
        self.disk = MontyStore(collection_name, database_path=database_path, storage="sqlite")
        super().__init__(collection_name=collection_name, **kwargs)

    @property
    def name(self) -> str:
        """Name for the store."""
        return f"monty-mirror://{self.database_path}/{self.collection_name}"

    def connect(self, force_reset: bool = False) -> None:
        """Connect to disk and (once) load its documents into memory."""
        if self._coll is not None and not force_reset:
            return
        super().connect(force_reset=True)
        self.disk.connect()
        docs = list(self.disk._collection.find({}))
        if docs:
            self._coll.insert_many(docs)

    def update(self, docs, key=None) -> None:
        """Write ``docs`` to disk first, then to the mirror."""
        self.disk.update(docs, key=key)
        super().update(docs, key=key)

    def remove_docs(self, criteria: dict) -> None:
        """Remove matching documents from disk and mirror."""
        self.disk.remove_docs(criteria)
        super().remove_docs(criteria)

    def close(self) -> None:
        """Close both."""
        self.disk.close()
        super().close()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MirroredMontyStore) and other.name == self.name

    def __hash__(self) -> int:
        return hash(self.name)


def _monty(collection: str, folder: Path) -> MirroredMontyStore:
    return MirroredMontyStore(collection, database_path=str(folder))


def open_job_store(location: str | Path, create: bool = False) -> JobStore:
    """Open (and connect) the JobStore at ``location``.

    Parameters
    ----------
    location
        A folder, or ``"jobflow"`` for the store in the jobflow settings.
    create
        Create the folder if it does not exist (runs do; readers do not).

    Raises
    ------
    StoreError
        Missing folder (when not creating), or a folder that cannot be written.
    """
    if str(location) == JOBFLOW_STORE:
        from jobflow import SETTINGS

        store = SETTINGS.JOB_STORE
        store.connect()
        return store
    # Absolute, because jobflow changes into each job's folder while it runs.
    folder = Path(location).expanduser().resolve()
    if not folder.exists():
        if not create:
            raise StoreError(f"no results store at {folder}")
        try:
            folder.mkdir(parents=True)
        except OSError as exc:
            raise StoreError(f"cannot create store folder {folder}: {exc.strerror}") from None
    elif not folder.is_dir():
        raise StoreError(f"store path {folder} is a file, not a folder")
    db = folder / "db"
    if create:
        try:
            db.mkdir(exist_ok=True)
            probe = db / ".write-test"
            probe.touch()
            probe.unlink()
        except OSError as exc:
            raise StoreError(f"store folder {folder} is not writable: {exc.strerror}") from None
    elif not db.is_dir():
        raise StoreError(f"{folder} is not a cudiss results store (no db/ inside)")
    store = JobStore(_monty("outputs", db), additional_stores={"data": _monty("data", db)})
    store.connect()
    return store


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


def open_results(location: str | Path) -> list[RemovalResult]:
    """Load every Cu-removal result from the store at ``location`` (sorted by config)."""
    return results_in(open_job_store(location))


def finished_config_ids(store: JobStore) -> set[str]:
    """Configurations whose latest result is not ``failed`` (so a rerun skips them)."""
    return {r.config_id for r in results_in(store, load_data=False) if r.state != "failed"}


def cached_bulk(store: JobStore, key: str):
    """A stored bulk reference with ``key`` (see ``campaign.bulk_key``), or ``None``."""
    from cudiss.workflows.makers import BulkResult

    doc = store.query_one({"metadata.bulk_key": key}, properties=["output"])
    if doc is None:
        return None
    return BulkResult.model_validate(
        {k: v for k, v in doc["output"].items() if not k.startswith("@")}
    )
