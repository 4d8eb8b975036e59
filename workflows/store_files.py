"""The files of a cudiss store folder: its layout, read-only checks, a read copy, creation.

A store folder ``PATH`` holds ``PATH/db`` (MontyDB's two marker files,
``.monty.storage`` and ``monty.storage.cfg``, and the sqlite collections
``outputs`` and ``data`` under ``PATH/db/db``) and ``PATH/runs``. This module
knows that layout and nothing of jobflow; :mod:`cudiss.workflows.store` opens
stores with it:

* :func:`check_folder` reads names and bytes only (no sqlite, no writes) and
  refuses a foreign or damaged folder with one :class:`StoreError`;
* :func:`read_documents` reads a private copy of the collections, because
  MontyDB's sqlite writes even to read (WAL files, marker rewrites);
* :func:`create_db` builds a new store in a hidden folder and renames it into
  place, so a reader never meets half of one.
"""

from __future__ import annotations

import configparser
import os
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path

from cudiss.analysis.fileio import current_umask, replace_files
from cudiss.workflows.errors import StoreError

#: The MontyDB collections of a cudiss store (``PATH/db/db/NAME.collection``).
COLLECTIONS = ("outputs", "data")

_IDENT = ".monty.storage"
_CONFIG = "monty.storage.cfg"
_IDENT_TEXT = "sqlite"
_CONFIG_TEXT = "[sqlite]\nuse_bson = yes\nmongo_version = 4.0\n\n"
DATABASE = "db"
_SUFFIX = ".collection"
_SIDE_FILES = ("-wal", "-shm", "-journal")
_SQLITE_MAGIC = b"SQLite format 3\x00"
_CREATE_TABLE = "CREATE TABLE [documents](k text NOT NULL, v text NOT NULL, PRIMARY KEY(k))"


def short_reason(exc: Exception) -> str:
    """``exc`` on one line, without pymongo's topology dump, at most 200 characters."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    for cut in (" (configured timeouts", ", Timeout:", ", Topology Description"):
        text = text.split(cut)[0]
    return text[:200]


def _damaged(folder: Path, path: Path, problem: str) -> StoreError:
    problem = " ".join(problem.split())  # sqlite's reports span lines
    return StoreError(
        f"store {folder} is damaged: {path} {problem}; nothing was changed. Restore the "
        f"store from a backup or its source, or move it aside and run into a new store"
    )


def foreign_folder(folder: Path, what: str) -> StoreError:
    """The refusal of a folder that is not a cudiss store (``what``: why not)."""
    return StoreError(
        f"{folder} is not a cudiss results store ({what}); cudiss leaves it alone: give "
        f"a new or empty folder as --store"
    )


def visible_names(folder: Path) -> list[str]:
    """Names in ``folder`` not starting with a dot (NFS, editors and probes leave those)."""
    return sorted(name for name in os.listdir(folder) if not name.startswith("."))


def _collection_files(db: Path) -> dict[str, Path]:
    return {name: db / DATABASE / f"{name}{_SUFFIX}" for name in COLLECTIONS}


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


def check_folder(folder: Path) -> Path | None:
    """Check that ``folder`` holds a cudiss store (or none yet); return its ``db`` or None.

    Reads names and bytes only: nothing is opened with sqlite, nothing written.
    """
    if folder.name == DATABASE and (folder / _CONFIG).exists():
        raise StoreError(
            f"{folder} is the database folder inside a store: give the store itself, "
            f"--store {folder.parent}"
        )
    runs = folder / "runs"
    if runs.exists() and not runs.is_dir():
        raise foreign_folder(folder, f"{runs} is a file")
    db = folder / DATABASE
    if not db.exists():
        return None
    if not db.is_dir():
        raise foreign_folder(folder, f"{db} is a file")
    extra = [name for name in visible_names(db) if name not in (_CONFIG, DATABASE)]
    if extra:
        raise foreign_folder(folder, f"{db} holds {extra[0]!r}, which no cudiss store has")
    ident, config = db / _IDENT, db / _CONFIG
    if not ident.exists() and not config.exists():
        if (db / DATABASE).exists():
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
        raise foreign_folder(folder, f"a MontyDB with {kind or 'no'} storage, cudiss uses sqlite")
    parser = configparser.ConfigParser()
    try:
        parser.read_string(config.read_text(errors="replace"))
    except configparser.Error:
        raise _damaged(folder, config, "is not a MontyDB configuration") from None
    if not parser.has_section(_IDENT_TEXT):
        raise _damaged(folder, config, f"has no [{_IDENT_TEXT}] section")
    collections = db / DATABASE
    if not collections.exists():
        return db
    if not collections.is_dir():
        raise _damaged(folder, collections, "is a file, not a folder")
    allowed = {f"{name}{_SUFFIX}{side}" for name in COLLECTIONS for side in ("", *_SIDE_FILES)}
    other = [name for name in visible_names(collections) if name not in allowed]
    if other:
        raise foreign_folder(
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
        raise foreign_folder(folder, f"{original} is an SQLite file that MontyDB did not write")
    from montydb import MontyClient

    try:
        client = MontyClient(str(copy.parent.parent))
        return list(client[DATABASE][name].find({}))
    except Exception as exc:  # sqlite, bson and montydb errors alike
        raise _damaged(
            folder, original, f"holds undecodable documents ({short_reason(exc)})"
        ) from None


def read_documents(folder: Path, db: Path) -> dict[str, list[dict]]:
    """The documents of every collection, read from a private copy of the store's files."""
    files = {name: path for name, path in _collection_files(db).items() if path.exists()}
    if not files:
        return {name: [] for name in COLLECTIONS}
    with tempfile.TemporaryDirectory(prefix="cudiss-store-") as tmp:
        copy = Path(tmp)
        (copy / _IDENT).write_text(_IDENT_TEXT)
        (copy / _CONFIG).write_text(_CONFIG_TEXT)
        (copy / DATABASE).mkdir()
        documents = {}
        for name in COLLECTIONS:
            if name not in files:
                documents[name] = []
                continue
            target = copy / DATABASE / files[name].name
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


def create_db(folder: Path) -> Path:
    """Create ``folder/db`` whole: built in a hidden folder, then renamed into place."""
    db = folder / DATABASE
    build = Path(tempfile.mkdtemp(prefix=".db-", dir=folder))
    try:
        os.chmod(build, 0o777 & ~current_umask())
        (build / _IDENT).write_text(_IDENT_TEXT)
        (build / _CONFIG).write_text(_CONFIG_TEXT)
        (build / DATABASE).mkdir()
        for path in _collection_files(build).values():
            _create_collection(path)
        try:
            os.rename(build, db)
        except OSError:
            # another run created it at the same moment, or an old empty db/ with
            # hidden files: use it only if it is now a whole store
            if check_folder(folder) is None:
                raise
    finally:
        shutil.rmtree(build, ignore_errors=True)
    return db


def complete_collections(db: Path) -> None:
    """Create missing collection files (stores of older versions), each whole or not at all."""
    (db / DATABASE).mkdir(exist_ok=True)
    for path in _collection_files(db).values():
        if not path.exists():
            try:
                replace_files({path: _create_collection}, exclusive=True)
            except FileExistsError:
                pass
