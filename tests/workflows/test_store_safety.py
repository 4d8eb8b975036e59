"""The store keeps what it is given: created whole, read without writing, never adopted wrongly."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys

import jobflow
import pytest
from jobflow import JobStore
from maggma.stores import MemoryStore

from cudiss.structures.errors import CudissInputError
from cudiss.workflows.campaign import parse_campaign
from cudiss.workflows.flows import RESULT_KIND
from cudiss.workflows.local import run_campaign
from cudiss.workflows.store import COLLECTIONS, open_job_store, open_results
from tests.helpers.corpus import snapshot

CAMPAIGN = {
    "name": "safety",
    "calculator": "emt",
    "facets": ["100"],
    "sites": ["adatom"],
    "adsorbates": [[]],
    "slab": {"size": [2, 2], "layers": 3, "vacuum": 6.0, "fixed_layers": 1},
    "neb": {"n_images": 3},
    "dissolution": False,
}


@pytest.fixture(scope="module")
def finished_store(tmp_path_factory):
    store = tmp_path_factory.mktemp("safety") / "store"
    run_campaign(parse_campaign(CAMPAIGN), store, show_progress=False)
    return store


def _collections(store):
    return {name: store / "db" / "db" / f"{name}.collection" for name in COLLECTIONS}


@pytest.mark.parametrize("umask", [0o022, 0o077])
def test_a_new_store_is_created_whole(tmp_path, umask):
    old = os.umask(umask)
    try:
        open_job_store(tmp_path / "store", create=True)
    finally:
        os.umask(old)
    db = tmp_path / "store" / "db"
    assert sorted(p.name for p in (tmp_path / "store").iterdir()) == ["db"]  # no build folder
    assert (db / ".monty.storage").read_text() == "sqlite"
    assert "[sqlite]" in (db / "monty.storage.cfg").read_text()
    for path in _collections(tmp_path / "store").values():
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
            tables = connection.execute("SELECT name FROM sqlite_master").fetchall()
        connection.close()
        assert ("documents",) in tables
        assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask
    assert stat.S_IMODE(db.stat().st_mode) == 0o777 & ~umask
    assert open_results(tmp_path / "store") == []


def test_a_store_of_an_older_version_gets_its_missing_collection(tmp_path, finished_store):
    import shutil

    store = tmp_path / "store"
    shutil.copytree(finished_store, store)
    _collections(store)["data"].unlink()
    before = len(open_results(store))  # a missing collection reads as empty
    open_job_store(store, create=True)
    assert _collections(store)["data"].is_file()
    assert len(open_results(store)) == before == 1


def test_an_empty_db_folder_from_a_cut_short_creation_is_completed(tmp_path):
    (tmp_path / "store" / "db").mkdir(parents=True)
    assert open_results(tmp_path / "store") == []
    open_job_store(tmp_path / "store", create=True)
    assert (tmp_path / "store" / "db" / "monty.storage.cfg").is_file()


def test_reading_sees_a_write_ahead_log_and_writes_nothing(tmp_path, finished_store):
    """A run killed mid-write leaves its last commits in ``-wal``: a reader sees them."""
    import shutil

    store = tmp_path / "store"
    shutil.copytree(finished_store, store)
    outputs = _collections(store)["outputs"]
    writer = sqlite3.connect(outputs)
    try:
        writer.execute("PRAGMA wal_autocheckpoint=0")
        count = writer.execute("SELECT count(*) FROM documents").fetchone()[0]
        with writer:
            writer.execute("DELETE FROM documents WHERE k = (SELECT max(k) FROM documents)")
        assert outputs.with_name(outputs.name + "-wal").stat().st_size > 0
        before = snapshot(store)
        reader = open_job_store(store)
        assert reader.count() == count - 1  # the deletion lives only in the -wal file
        assert snapshot(store) == before
    finally:
        writer.close()


def test_two_stores_read_in_one_process_stay_apart(tmp_path, finished_store):
    open_job_store(tmp_path / "empty", create=True)
    assert open_job_store(tmp_path / "empty").count() == 0
    assert open_job_store(finished_store).count({"metadata.cudiss_kind": RESULT_KIND}) == 1
    assert open_job_store(tmp_path / "empty").count() == 0


def test_a_store_opened_for_reading_cannot_write_to_disk(tmp_path, finished_store):
    before = snapshot(finished_store)
    store = open_job_store(finished_store)
    store.docs_store.update({"uuid": "x", "index": 1, "output": None})
    assert snapshot(finished_store) == before


def test_jobflow_in_memory_is_refused(monkeypatch):
    settings = jobflow.SETTINGS.model_copy(update={"JOB_STORE": JobStore(MemoryStore())})
    monkeypatch.setattr(jobflow, "SETTINGS", settings)
    with pytest.raises(CudissInputError, match="lost when cudiss exits"):
        open_job_store("jobflow", create=True)


def test_an_unreadable_jobflow_configuration_is_one_line(tmp_path):
    """jobflow reads its configuration when imported: cudiss says which file, no traceback."""
    config = tmp_path / "jobflow.yaml"
    config.write_text("JOB_STORE: [unclosed\n")
    proc = subprocess.run(
        [sys.executable, "-m", "cudiss.workflows.cli", "table", "--store", str(tmp_path)],
        env={**os.environ, "JOBFLOW_CONFIG_FILE": str(config)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("error: cannot read the jobflow configuration")
    assert str(config) in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
