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
"""

from __future__ import annotations

import configparser
import os
import re
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path

from maggma.stores import MemoryStore, MontyStore

from cudiss.analysis.documents import RemovalResult
from cudiss.analysis.fileio import current_umask, replace_files
from cudiss.workflows.errors import StoreError

try:
    from jobflow import JobStore
except Exception as _exc:  # jobflow reads its configuration file when first imported
    _config = os.environ.get("JOBFLOW_CONFIG_FILE") or "~/.jobflow.yaml"
    _reason = " ".join(str(_exc).split())[:200] or type(_exc).__name__
    raise StoreError(
        f"cannot read the jobflow configuration {_config}: {_reason}; fix that file, "
        f"or move it aside (cudiss needs it only for --store jobflow)"
    ) from None

JOBFLOW_STORE = "jobflow"

#: Seconds to wait for the MongoDB behind ``--store jobflow`` before giving up.
MONGO_TIMEOUT_S = 3.0

#: The MontyDB collections of a cudiss store (``PATH/db/db/NAME.collection``).
COLLECTIONS = ("outputs", "data")

_IDENT = ".monty.storage"
_CONFIG = "monty.storage.cfg"
_IDENT_TEXT = "sqlite"
_CONFIG_TEXT = "[sqlite]\nuse_bson = yes\nmongo_version = 4.0\n\n"
_DATABASE = "db"
_SUFFIX = ".collection"
_SIDE_FILES = ("-wal", "-shm", "-journal")
_SQLITE_MAGIC = b"SQLite format 3\x00"
_CREATE_TABLE = "CREATE TABLE [documents](k text NOT NULL, v text NOT NULL, PRIMARY KEY(k))"


class _SqliteCollection(MontyStore):
    """maggma's MontyStore without its ``set_storage`` on every connect.

    That call rewrites the two marker files in place (truncate, then write)
    each time, so a reader at that moment finds them empty; cudiss writes them
    once, whole, when it creates the store.
    """

    def connect(self, force_reset: bool = False) -> None:
        """Open the collection (the marker files must exist)."""
        if not self._coll or force_reset:
            from montydb import MontyClient

            client = MontyClient(self.database_path, **self.client_kwargs)
            self._coll = client[self.database_name][self.collection_name]


class MirroredMontyStore(MemoryStore):
    """An on-disk MontyStore (sqlite) read through an in-memory mirror.

    MontyDB has no indexes: every query decodes every stored document, so
    jobflow's many small look-ups (one per output reference) grow with the store
    and dominated campaign runs. Here reads are served by mongomock, which holds
    the decoded documents; every write goes to memory and to disk, so results
    persist as they are produced. The disk is read once, on connect (or not at
    all when the documents are given, already read from a checked copy).

    Parameters
    ----------
    collection_name
        Collection name (one sqlite table on disk).
    database_path
        Folder of the MontyDB database.
    documents
        The collection's documents, if already read; ``None`` reads the disk.
    """

    def __init__(
        self,
        collection_name: str,
        database_path: str,
        documents: list[dict] | None = None,
        **kwargs,
    ) -> None:
        self.database_path = database_path
        self.disk = _SqliteCollection(
            collection_name, database_path=database_path, storage="sqlite"
        )
        self._documents = documents
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
        docs = self._documents
        if docs is None:
            docs = list(self.disk._collection.find({}))
        self._documents = None
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


def _short(exc: Exception) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    for cut in (" (configured timeouts", ", Timeout:", ", Topology Description"):
        text = text.split(cut)[0]
    return text[:200]


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
            f"{MONGO_TIMEOUT_S:g} s: {_short(exc)}; start the database or fix {config}, "
            f"or give a store folder (--store results/NAME)"
        ) from None
    return store


# --------------------------------------------------------------------------
# store folders: checks (read-only), reading a copy, creating


def _damaged(folder: Path, path: Path, problem: str) -> StoreError:
    problem = " ".join(problem.split())  # sqlite's reports span lines
    return StoreError(
        f"store {folder} is damaged: {path} {problem}; nothing was changed. Restore the "
        f"store from a backup or its source, or move it aside and run into a new store"
    )


def _foreign(folder: Path, what: str) -> StoreError:
    return StoreError(
        f"{folder} is not a cudiss results store ({what}); cudiss leaves it alone: give "
        f"a new or empty folder as --store"
    )


def _visible(folder: Path) -> list[str]:
    """Names in ``folder`` not starting with a dot (NFS, editors and probes leave those)."""
    return sorted(name for name in os.listdir(folder) if not name.startswith("."))


def _collection_files(db: Path) -> dict[str, Path]:
    return {name: db / _DATABASE / f"{name}{_SUFFIX}" for name in COLLECTIONS}


def _check_sqlite_file(folder: Path, path: Path) -> None:
    """The cheap checks of a collection file, by reading bytes (no sqlite, no writes)."""
    if not path.is_file():
        raise _damaged(folder, path, "is not a file")
    size = path.stat().st_size
    if size == 0:
        raise _damaged(folder, path, "is empty (0 bytes)")
    with path.open("rb") as f:
        header = f.read(100)
    if not header.startswith(_SQLITE_MAGIC):
        raise _damaged(folder, path, "is not an SQLite database (garbage or another file)")
    if len(header) < 100:
        raise _damaged(folder, path, f"is truncated ({size} bytes, less than one page)")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    if page_size < 512 or size % page_size or size < page_size * pages:
        raise _damaged(
            folder, path, f"is truncated ({size} bytes; its header says {page_size * pages})"
        )


def _check_folder(folder: Path) -> Path | None:
    """Check that ``folder`` holds a cudiss store (or none yet); return its ``db`` or None.

    Reads names and bytes only: nothing is opened with sqlite, nothing written.
    """
    if folder.name == _DATABASE and (folder / _CONFIG).exists():
        raise StoreError(
            f"{folder} is the database folder inside a store: give the store itself, "
            f"--store {folder.parent}"
        )
    runs = folder / "runs"
    if runs.exists() and not runs.is_dir():
        raise _foreign(folder, f"{runs} is a file")
    db = folder / _DATABASE
    if not db.exists():
        return None
    if not db.is_dir():
        raise _foreign(folder, f"{db} is a file")
    extra = [name for name in _visible(db) if name not in (_CONFIG, _DATABASE)]
    if extra:
        raise _foreign(folder, f"{db} holds {extra[0]!r}, which no cudiss store has")
    ident, config = db / _IDENT, db / _CONFIG
    if not ident.exists() and not config.exists():
        if (db / _DATABASE).exists():
            raise _damaged(folder, db, f"has no {_IDENT} or {_CONFIG} (MontyDB's markers)")
        return None  # an empty db/: a store whose creation was cut short, no data in it
    for marker, text in ((ident, _IDENT_TEXT), (config, _CONFIG_TEXT)):
        if not marker.is_file():
            printf = text.replace("\n", "\\n")
            raise _damaged(
                folder,
                marker,
                f"is missing (a copy cut short?); if the rest is intact, write it back: "
                f"printf '{printf}' > {marker}",
            )
    kind = ident.read_text(errors="replace").strip()
    if kind != _IDENT_TEXT:
        raise _foreign(folder, f"a MontyDB with {kind or 'no'} storage, cudiss uses sqlite")
    parser = configparser.ConfigParser()
    try:
        parser.read_string(config.read_text(errors="replace"))
    except configparser.Error:
        raise _damaged(folder, config, "is not a MontyDB configuration") from None
    if not parser.has_section(_IDENT_TEXT):
        raise _damaged(folder, config, f"has no [{_IDENT_TEXT}] section")
    collections = db / _DATABASE
    if not collections.exists():
        return db
    if not collections.is_dir():
        raise _damaged(folder, collections, "is a file, not a folder")
    allowed = {f"{name}{_SUFFIX}{side}" for name in COLLECTIONS for side in ("", *_SIDE_FILES)}
    other = [name for name in _visible(collections) if name not in allowed]
    if other:
        raise _foreign(
            folder, f"{collections} holds {other[0]!r}; a cudiss store has outputs and data only"
        )
    for path in _collection_files(db).values():
        if path.exists() or path.is_symlink():
            _check_sqlite_file(folder, path)
    return db


def _stable_copy(source: Path, target: Path) -> None:
    """Copy a collection file and its write-ahead log as one consistent state.

    A run may be writing while this reads: the copy is retried until neither
    file changed during it.
    """
    wal = source.with_name(source.name + "-wal")

    def state():
        return [
            (s.st_size, s.st_mtime_ns, s.st_ino) if (s := _stat(p)) else None for p in (source, wal)
        ]

    for attempt in range(20):
        before = state()
        shutil.copyfile(source, target)
        target_wal = target.with_name(target.name + "-wal")
        target_wal.unlink(missing_ok=True)
        if before[1] is not None:
            try:
                shutil.copyfile(wal, target_wal)
            except FileNotFoundError:  # checkpointed and removed meanwhile
                pass
        if state() == before:
            return
        time.sleep(0.05 * (attempt + 1))


def _stat(path: Path):
    try:
        return path.stat()
    except FileNotFoundError:
        return None


def _read_collection(folder: Path, original: Path, copy: Path, name: str) -> list[dict]:
    """Every document of the copied collection ``name``; damage named by ``original``."""
    try:
        with sqlite3.connect(copy) as connection:
            (check,) = connection.execute("PRAGMA quick_check(1)").fetchone()
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
        connection.close()
    except sqlite3.DatabaseError as exc:
        raise _damaged(folder, original, f"cannot be read by sqlite ({exc})") from None
    if check != "ok":
        raise _damaged(folder, original, f"fails sqlite's check ({check})")
    if "documents" not in tables:
        raise _foreign(folder, f"{original} is an SQLite file that MontyDB did not write")
    from montydb import MontyClient

    try:
        client = MontyClient(str(copy.parent.parent))
        return list(client[_DATABASE][name].find({}))
    except Exception as exc:  # sqlite, bson and montydb errors alike
        raise _damaged(folder, original, f"holds undecodable documents ({_short(exc)})") from None


def _read_documents(folder: Path, db: Path) -> dict[str, list[dict]]:
    """The documents of every collection, read from a private copy of the store's files."""
    files = {name: path for name, path in _collection_files(db).items() if path.exists()}
    if not files:
        return {name: [] for name in COLLECTIONS}
    with tempfile.TemporaryDirectory(prefix="cudiss-store-") as tmp:
        copy = Path(tmp)
        (copy / _IDENT).write_text(_IDENT_TEXT)
        (copy / _CONFIG).write_text(_CONFIG_TEXT)
        (copy / _DATABASE).mkdir()
        documents = {}
        for name in COLLECTIONS:
            if name not in files:
                documents[name] = []
                continue
            target = copy / _DATABASE / files[name].name
            _stable_copy(files[name], target)
            documents[name] = _read_collection(folder, files[name], target, name)
        return documents


def _create_collection(path: Path) -> None:
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        with connection:
            connection.execute(_CREATE_TABLE)
    finally:
        connection.close()


def _create_db(folder: Path) -> Path:
    """Create ``folder/db`` whole: built in a hidden folder, then renamed into place."""
    db = folder / _DATABASE
    build = Path(tempfile.mkdtemp(prefix=".db-", dir=folder))
    try:
        os.chmod(build, 0o777 & ~current_umask())
        (build / _IDENT).write_text(_IDENT_TEXT)
        (build / _CONFIG).write_text(_CONFIG_TEXT)
        (build / _DATABASE).mkdir()
        for path in _collection_files(build).values():
            _create_collection(path)
        try:
            os.rename(build, db)
        except OSError:
            # another run created it at the same moment, or an old empty db/ with
            # hidden files: use it only if it is now a whole store
            if _check_folder(folder) is None:
                raise
    finally:
        shutil.rmtree(build, ignore_errors=True)
    return db


def _complete_collections(db: Path) -> None:
    """Create missing collection files (stores of older versions), each whole or not at all."""
    (db / _DATABASE).mkdir(exist_ok=True)
    for path in _collection_files(db).values():
        if not path.exists():
            try:
                replace_files({path: _create_collection}, exclusive=True)
            except FileExistsError:
                pass


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
        db = _check_folder(folder)
        if db is None:
            other = [name for name in _visible(folder) if name not in ("runs", _DATABASE)]
            if other:
                raise _foreign(
                    folder, f"it holds {other[0]!r} and no db/; not adopted as a new store"
                )
        for path in (folder, folder / _DATABASE, folder / _DATABASE / _DATABASE):
            if path.exists() and not os.access(path, os.W_OK):
                raise StoreError(f"store folder {folder} is not writable ({path})")
    if db is not None:
        documents = _read_documents(folder, db)
    else:
        if not folder.exists():
            try:
                folder.mkdir(parents=True)
            except OSError as exc:
                raise StoreError(f"cannot create store folder {folder}: {exc.strerror}") from None
        try:
            db = _create_db(folder)
        except OSError as exc:
            raise StoreError(f"cannot create the store in {folder}: {exc.strerror}") from None
        documents = {name: [] for name in COLLECTIONS}
    _complete_collections(db)
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
        db = _check_folder(folder)
    except PermissionError as exc:
        raise StoreError(f"cannot read store {folder}: {exc.strerror} ({exc.filename})") from None
    if db is None and not (folder / _DATABASE).is_dir():
        raise StoreError(f"{folder} is not a cudiss results store (no db/ inside)")
    try:
        documents = _read_documents(folder, db) if db else {n: [] for n in COLLECTIONS}
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


def open_results(location: str | Path) -> list[RemovalResult]:
    """Load every Cu-removal result from the store at ``location`` (sorted by config).

    Reads a copy of the store's files: the store itself is not touched.
    """
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
