"""A project whose MongoDB does not answer: one line after seconds, not a 30 s traceback.

The server is ``localhost:1`` (nothing listens there). ``cudiss status``,
``hpc check`` and ``submit`` ping it first with a short timeout
(:func:`cudiss.workflows.hpc.stores.check_mongo_reachable`); a project file
written before cudiss put timeouts into its store specs is bounded as well.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from cudiss.structures.errors import CudissInputError
from cudiss.workflows.hpc.project_files import write_project
from cudiss.workflows.hpc.projects import hpc_project
from cudiss.workflows.hpc.results import open_jobstore
from cudiss.workflows.hpc.stores import mongo_store
from tests.helpers.corpus import assert_one_line_error, run_cli, snapshot

# generous: the ping waits 3 s; the rest is start-up on a busy 2-core machine
BOUND_SECONDS = 20


def _project(tmp_path: Path, old_file: bool) -> Path:
    folder = tmp_path / "projects"
    queue, docs = mongo_store("jobs", "localhost", 1), mongo_store("outputs", "localhost", 1)
    if old_file:  # as written before the timeouts: pymongo's 30 s selection
        del queue["mongoclient_kwargs"], docs["mongoclient_kwargs"]
    project = hpc_project(
        "db", "slurm", work_dir="/w", queue_store=queue, docs_store=docs, base_dir=tmp_path / "b"
    )
    write_project(project, folder)
    (tmp_path / "campaign.yaml").write_text("name: c\ncalculator: emt\n")
    return folder


@pytest.mark.parametrize("old_file", [False, True], ids=["new", "old-project-file"])
@pytest.mark.parametrize(
    "command",
    [["status"], ["hpc", "check"], ["submit", "CAMPAIGN"]],
    ids=["status", "check", "submit"],
)
def test_unreachable_mongo_is_one_line_within_seconds(
    tmp_path: Path, command: list[str], old_file: bool
) -> None:
    folder = _project(tmp_path, old_file)
    argv = [str(tmp_path / "campaign.yaml") if a == "CAMPAIGN" else a for a in command]
    before = snapshot(tmp_path)
    start = time.monotonic()
    code, _, err = run_cli(*argv, "-p", "db", "--projects-dir", str(folder))
    elapsed = time.monotonic() - start
    assert_one_line_error(code, err, "MongoDB at localhost:1 (queue.store")
    assert "did not answer within 3 s" in err and "reachable from this machine" in err
    assert elapsed < BOUND_SECONDS, f"took {elapsed:.1f} s"
    assert snapshot(tmp_path) == before


def test_results_of_an_unreachable_project(tmp_path: Path) -> None:
    folder = _project(tmp_path, old_file=False)
    start = time.monotonic()
    with pytest.raises(CudissInputError, match=r"MongoDB at localhost:1"):
        open_jobstore("db", folder)
    assert time.monotonic() - start < BOUND_SECONDS
