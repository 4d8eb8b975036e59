"""Bad-input corpus: results stores. Each mistake is one line, exit code 2, nothing changed.

Every case starts from a copy of one small, healthy EMT store (made once for the
module), spoils it the way users and crashes do, runs ``cudiss run``, ``table``
or ``plot`` on it, and checks with :func:`tests.helpers.corpus.assert_refused`
that the answer is one ``error:`` line naming the problem and that no file under
the test's folder was written, changed or removed (mtimes included). The tests
run as root, so permission cases (chmod 000) would not bite and are left out.
"""

from __future__ import annotations

import shutil
import socket
import sqlite3
from collections.abc import Callable
from pathlib import Path

import jobflow
import pytest
from jobflow import JobStore
from maggma.stores import MemoryStore

from cudiss.workflows.store import open_job_store, open_results
from tests.helpers.corpus import assert_api_refused, assert_refused, run_cli, snapshot

CAMPAIGN = """\
name: corpus
calculator: emt
facets: ["100"]
sites: [adatom]
adsorbates: [[]]
slab: {size: [2, 2], layers: 3, vacuum: 6.0, fixed_layers: 1}
neb: {n_images: 3}
dissolution: false
"""


@pytest.fixture(scope="module")
def healthy(tmp_path_factory) -> Path:
    """A finished one-configuration EMT store (read-only for the cases: they copy it)."""
    folder = tmp_path_factory.mktemp("healthy")
    (folder / "c.yaml").write_text(CAMPAIGN)
    code, _, err = run_cli("run", str(folder / "c.yaml"), "--store", str(folder / "store"))
    assert code == 0, err
    return folder / "store"


@pytest.fixture
def work(tmp_path, healthy, monkeypatch) -> Path:
    """The test's folder: the campaign file, a copy of the healthy store; also the cwd."""
    (tmp_path / "c.yaml").write_text(CAMPAIGN)
    shutil.copytree(healthy, tmp_path / "store", symlinks=True)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _outputs(store: Path) -> Path:
    return store / "db" / "db" / "outputs.collection"


def _data(store: Path) -> Path:
    return store / "db" / "db" / "data.collection"


def _truncate(path: Path, size: int) -> None:
    with path.open("r+b") as f:
        f.truncate(size)


def _scribble(path: Path, offset: int, length: int = 4096) -> None:
    with path.open("r+b") as f:
        f.seek(offset)
        f.write(bytes((i * 37 + 11) % 256 for i in range(length)))


def _sqlite(path: Path, table: str) -> None:
    with sqlite3.connect(path) as connection:
        connection.execute(f"CREATE TABLE {table} (k text, v text)")
    connection.close()


def _memory_settings(monkeypatch) -> None:
    """jobflow with no configuration file: its JobStore lives in memory."""
    settings = jobflow.SETTINGS.model_copy(update={"JOB_STORE": JobStore(MemoryStore())})
    monkeypatch.setattr(jobflow, "SETTINGS", settings)


def _unreachable_mongo_settings(monkeypatch, folder: Path) -> None:
    """A jobflow configuration whose JOB_STORE is a MongoStore at a closed port."""
    from jobflow.settings import JobflowSettings

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed once the probe is
    config = folder.parent / f"{folder.name}-jobflow.yaml"  # outside the watched folder
    config.write_text(
        "JOB_STORE:\n  docs_store:\n    type: MongoStore\n    database: cudiss\n"
        f"    collection_name: outputs\n    host: 127.0.0.1\n    port: {port}\n"
    )
    monkeypatch.setenv("JOBFLOW_CONFIG_FILE", str(config))
    monkeypatch.setattr(jobflow, "SETTINGS", JobflowSettings())


RUN = ["run", "c.yaml", "--store"]

#: id -> (spoil the store folder, argv, expected fragment of the one line)
CASES: dict[str, tuple[Callable[[Path], None], list[str], str]] = {
    "run-store-is-a-file": (
        lambda s: (shutil.rmtree(s), s.write_text("x")),
        [*RUN, "store"],
        "is a file, not a folder",
    ),
    "table-store-is-a-file": (
        lambda s: (shutil.rmtree(s), s.write_text("x")),
        ["table", "--store", "store"],
        "is a file, not a folder",
    ),
    "run-empty-store-path": (lambda s: None, [*RUN, ""], "store location is empty"),
    "run-blank-store-path": (lambda s: None, [*RUN, "  "], "store location is empty"),
    "run-folder-with-other-files": (
        lambda s: shutil.rmtree(s / "db"),
        [*RUN, "."],
        "not adopted as a new store",
    ),
    "run-db-with-unrelated-files": (
        lambda s: (s / "db" / "notes.txt").write_text("mine"),
        [*RUN, "store"],
        "'notes.txt', which no cudiss store has",
    ),
    "table-db-with-unrelated-files": (
        lambda s: (s / "db" / "notes.txt").write_text("mine"),
        ["table", "--store", "store"],
        "not a cudiss results store",
    ),
    "run-montydb-with-other-collections": (
        lambda s: _sqlite(s / "db" / "db" / "users.collection", "documents"),
        [*RUN, "store"],
        "outputs and data only",
    ),
    "run-montydb-flatfile": (
        lambda s: (s / "db" / ".monty.storage").write_text("flatfile"),
        [*RUN, "store"],
        "flatfile storage",
    ),
    "table-sqlite-file-not-written-by-montydb": (
        lambda s: (_outputs(s).unlink(), _sqlite(_outputs(s), "people")),
        ["table", "--store", "store"],
        "montydb did not write",
    ),
    "table-truncated-collection": (
        lambda s: _truncate(_outputs(s), 3 * 4096),
        ["table", "--store", "store"],
        "outputs.collection is truncated",
    ),
    "run-truncated-collection": (
        lambda s: _truncate(_data(s), 4096),
        [*RUN, "store"],
        "data.collection is truncated",
    ),
    "table-cut-mid-page": (
        lambda s: _truncate(_outputs(s), 5000),
        ["table", "--store", "store"],
        "is truncated",
    ),
    "table-garbage-collection": (
        lambda s: _outputs(s).write_bytes(b"\x00\xff garbage " * 500),
        ["table", "--store", "store"],
        "outputs.collection is not an sqlite database",
    ),
    "run-garbage-collection": (
        lambda s: _data(s).write_bytes(b"not sqlite" * 100),
        [*RUN, "store"],
        "data.collection is not an sqlite database",
    ),
    "plot-scribbled-page": (
        lambda s: _scribble(_outputs(s), 2 * 4096),
        ["plot", "neb", "--store", "store", "-o", "neb.png"],
        "outputs.collection",
    ),
    "table-empty-collection": (
        lambda s: _truncate(_outputs(s), 0),
        ["table", "--store", "store"],
        "is empty (0 bytes)",
    ),
    "table-missing-config": (
        lambda s: (s / "db" / "monty.storage.cfg").unlink(),
        ["table", "--store", "store"],
        "monty.storage.cfg is missing",
    ),
    "run-missing-storage-marker": (
        lambda s: (s / "db" / ".monty.storage").unlink(),
        [*RUN, "store"],
        ".monty.storage is missing",
    ),
    "table-garbage-config": (
        lambda s: (s / "db" / "monty.storage.cfg").write_text("no section here\n"),
        ["table", "--store", "store"],
        "not a montydb configuration",
    ),
    "run-collections-folder-is-a-file": (
        lambda s: (shutil.rmtree(s / "db" / "db"), (s / "db" / "db").write_text("x")),
        [*RUN, "store"],
        "is a file, not a folder",
    ),
    "run-runs-is-a-file": (
        lambda s: (shutil.rmtree(s / "runs"), (s / "runs").write_text("x")),
        [*RUN, "store"],
        "runs is a file",
    ),
    "table-store-given-as-its-db-folder": (
        lambda s: None,
        ["table", "--store", "store/db"],
        "give the store itself",
    ),
    "run-store-under-a-file": (
        lambda s: (s.parent / "a-file").write_text("x"),
        [*RUN, "a-file/store"],
        "cannot create store folder",
    ),
    "run-broken-symlink": (
        lambda s: (s.parent / "gone").symlink_to(s.parent / "nowhere"),
        [*RUN, "gone"],
        "broken symbolic link",
    ),
    "plot-missing-store": (
        lambda s: None,
        ["plot", "barriers", "--store", "nowhere", "-o", "b.png"],
        "no results store",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_store_mistake_is_refused(work, case):
    spoil, argv, expected = CASES[case]
    spoil(work / "store")
    assert_refused(argv, expected, work)


def test_jobflow_store_in_memory_is_refused_for_a_run(work, monkeypatch):
    _memory_settings(monkeypatch)
    assert_refused([*RUN, "jobflow"], "keep results in memory", work)


def test_jobflow_store_in_memory_is_refused_for_a_table(work, monkeypatch):
    _memory_settings(monkeypatch)
    assert_refused(["table", "--store", "jobflow"], "would be lost", work)


def test_unreachable_mongodb_is_one_line_after_a_bounded_wait(work, monkeypatch):
    import time

    _unreachable_mongo_settings(monkeypatch, work)
    start = time.monotonic()
    assert_refused([*RUN, "jobflow"], "cannot reach the job_store", work)
    assert time.monotonic() - start < 15  # pymongo alone waits 30 s


def test_reading_never_changes_the_store(work):
    """table and plot read a copy: MontyDB's sqlite would write -wal/-shm files and markers."""
    before = snapshot(work / "store")
    code, out, err = run_cli("table", "--store", "store", "-f", "csv")
    assert code == 0, err
    assert out.startswith("facet,")
    code, _, err = run_cli("plot", "neb", "--store", "store", "-o", "neb.png")
    assert code == 0, err
    assert len(open_results(work / "store")) == 1
    assert snapshot(work / "store") == before


def test_a_damaged_store_is_refused_by_the_python_api_too(work):
    _truncate(_outputs(work / "store"), 4096)
    assert_api_refused(lambda: open_results(work / "store"), "is truncated")
    assert_api_refused(lambda: open_job_store(work / "store", create=True), "is truncated")
