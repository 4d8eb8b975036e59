"""`cudiss status` rows: a Job that completed with a StepFailure is shown as failed."""

from __future__ import annotations

from types import SimpleNamespace

from jobflow import JobStore
from maggma.stores import MemoryStore

from cudiss.workflows.failures import StepFailure
from cudiss.workflows.hpc.status import rows_from_controller


def _info(name: str, uuid: str, db_id: int) -> SimpleNamespace:
    return SimpleNamespace(
        name=name,
        uuid=uuid,
        db_id=db_id,
        state=SimpleNamespace(value="COMPLETED"),
        remote=None,
        error=None,
    )


def test_step_failures_are_failed_or_stopped_rows():
    store = JobStore(MemoryStore())
    store.connect()
    failure = StepFailure("c: CI-NEB", "MpiTaskError: bad xc", "MPI neb step failed\nbad xc")
    docs = [
        {"uuid": "neb", "index": 1, "output": failure.as_dict()},
        {"uuid": "later", "index": 1, "output": failure.as_dict()},
        {"uuid": "result", "index": 1, "output": {"state": "failed"}},
    ]
    store.docs_store.update(docs, key=["uuid", "index"])
    infos = [
        _info("c: CI-NEB", "neb", 1),
        _info("c: next", "later", 2),
        _info("c: result", "result", 3),
    ]
    controller = SimpleNamespace(get_jobs_info=lambda **kwargs: infos, jobstore=store)

    neb, later, result = rows_from_controller(controller)
    assert (neb.state, neb.error) == ("FAILED", "MpiTaskError: bad xc\nMPI neb step failed\nbad xc")
    assert (later.state, later.error) == ("STOPPED", "not run: c: CI-NEB: MpiTaskError: bad xc")
    assert (result.state, result.error) == ("COMPLETED", None)


def test_status_table_shows_walltime_stops_and_resumed_steps(capsys):
    from cudiss.workflows.cli.hpc import _print_states
    from cudiss.workflows.hpc.status import JobStateRow

    rows = [
        JobStateRow("c: relax initial", "u1" * 8, "1", "STOPPED", "11", "killed", "walltime"),
        JobStateRow("c: CI-NEB", "u2" * 8, "2", "COMPLETED", "12", None, "resumed from step 4"),
        JobStateRow("c: result", "u3" * 8, "3", "COMPLETED", "13", None),
    ]
    _print_states(rows)
    out = capsys.readouterr().out
    assert "STOPPED (walltime)" in out
    assert "COMPLETED, resumed" in out
    assert out.count("COMPLETED") == 2  # the plain one stays plain
