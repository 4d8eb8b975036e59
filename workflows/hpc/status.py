"""Job states of a jobflow-remote project, live or from the last in-process run.

A production project's queue (MongoDB) outlives every process, so its states
are read live. A test project's in-memory queue is gone once
:func:`~cudiss.workflows.hpc.submit.run_flow_in_process` returns; that run
leaves a snapshot (:data:`STATES_SNAPSHOT`) which :func:`job_states` reads.

Two cases get a ``note`` (and a label, :func:`state_label`): a relaxation or
NEB killed at its allocation's walltime is ``STOPPED (walltime)`` -- not
FAILED -- with the steps its checkpoint kept and the command that continues it
(:mod:`cudiss.workflows.hpc.walltime`); a step that completed after continuing
from a checkpoint is ``COMPLETED, resumed`` (its document's ``resumed`` field).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, NamedTuple

from cudiss.structures.errors import CudissInputError
from cudiss.workflows.hpc.project_files import load_project
from cudiss.workflows.hpc.projects import is_memory_queue
from cudiss.workflows.hpc.stores import check_mongo_reachable

#: Name of the file, in a project's ``base_dir``, that keeps the job states of
#: the last in-process run (its in-memory queue is gone when the process ends).
STATES_SNAPSHOT = "job_states.json"


class JobStateRow(NamedTuple):
    """One Job as listed by ``cudiss status``.

    Attributes
    ----------
    name : str
        The Job's name.
    uuid : str
        The jobflow uuid (key of its output in the JobStore).
    db_id : str
        jobflow-remote's short id.
    state : str
        jobflow-remote state, e.g. ``COMPLETED``, ``FAILED``, ``REMOTE_ERROR``;
        a Job that completed with a StepFailure is ``FAILED`` (it raised) or
        ``STOPPED`` (it passed on an earlier step's failure).
    process_id : str or None
        Scheduler job id (SLURM/PBS) of the last submission.
    error : str or None
        Error text for FAILED (the Job's traceback, or the message of the
        exception its step returned as a StepFailure), STOPPED (the failed step
        it depended on) or REMOTE_ERROR (the runner's error while uploading,
        submitting or downloading).
    note : str or None
        ``"walltime"`` for a Job killed at its allocation's walltime (state
        ``STOPPED``; ``error`` ends with the steps kept and the command that
        continues it); ``"resumed ..."`` (the step document's ``resumed`` text)
        for a step that continued from a checkpoint. See :func:`state_label`.
    """

    name: str
    uuid: str
    db_id: str
    state: str
    process_id: str | None
    error: str | None
    note: str | None = None


#: ``note`` of a Job killed at its allocation's walltime.
WALLTIME = "walltime"


def state_label(row: JobStateRow) -> str:
    """The state as ``cudiss status`` shows it: ``STOPPED (walltime)``, ``COMPLETED, resumed``.

    Parameters
    ----------
    row : JobStateRow
        A row of :func:`job_states` (any object with ``state``; ``note`` if it has one).

    Returns
    -------
    str
        ``row.state``, qualified by its note.
    """
    note = getattr(row, "note", None)  # rows of other kinds carry none
    if note == WALLTIME:
        return f"{row.state} (walltime)"
    if note and note.startswith("resumed"):
        return f"{row.state}, resumed"
    return row.state


#: What jobflow-remote says when a Job's script ended without running the Job
#: (``jf execution run`` never wrote its output file).
_NO_OUTPUT = re.compile(r"jfremote_out\.json was not present")
_SCRIPT_ERROR = re.compile(
    r"error|not found|no such file|denied|killed|cancelled|exceeded|unbound|invalid", re.I
)


def _script_failure(queue_err: str | None, run_dir: str | None) -> str:
    """The cause of a Job script's failure from its stderr, last line first in importance.

    The error text's last line is what ``cudiss status`` shows; it must name the
    cause (``submit.sh: line 5: syntax error near unexpected token '('``), not
    the missing output file that follows from it.
    """
    lines = [line.strip() for line in (queue_err or "").splitlines() if line.strip()]
    where = f" (see {run_dir}/queue.err)" if run_dir else ""
    if not lines:
        return f"the Job's script stopped before the Job ran, with nothing on its stderr{where}"
    # the script's name, not its whole path (which may hold any word)
    lines = [re.sub(r"^/\S*/([^/\s:]+): ", r"\1: ", line) for line in lines]
    key = next((line for line in reversed(lines) if _SCRIPT_ERROR.search(line)), lines[-1])
    return f"the Job's script stopped before the Job ran: {key}{where}"


def _error_text(info: Any) -> str | None:
    # a Job can carry both: its own traceback and the runner's remote error
    parts = []
    if info.error:
        parts.append(info.error.strip())
    remote = getattr(info, "remote", None)
    if remote and remote.error:
        parts.append(remote.error.strip())
    if parts and _NO_OUTPUT.search(parts[0]):
        # the script died before `jf execution run` wrote anything: its stderr says why
        queue_err = getattr(remote, "queue_err", None) if remote else None
        if queue_err and queue_err.strip():
            parts.append(f"queue.err:\n{queue_err.strip()}")
        parts.append(_script_failure(queue_err, getattr(info, "run_dir", None)))
    return "\n".join(parts) or None


def rows_from_controller(jc: Any, flow_ids: list[str] | None = None) -> list[JobStateRow]:
    """The Jobs a jobflow-remote ``JobController`` knows, as rows sorted by db id.

    Parameters
    ----------
    jc : jobflow_remote.jobs.jobcontroller.JobController
        Controller of the project's queue.
    flow_ids : list of str, optional
        Only Jobs of these Flows; None or empty: every Job.

    Returns
    -------
    list of JobStateRow
    """
    from cudiss.workflows.hpc.walltime import killed_at_walltime, walltime_note

    infos = jc.get_jobs_info(flow_ids=flow_ids or None, sort=[("db_id", 1)])
    failures, resumes = _step_outputs(jc, [i.uuid for i in infos])
    rows = []
    for i in infos:
        state, error, note = i.state.value, _error_text(i), None
        failure = failures.get(i.uuid)
        if failure is not None and state == "COMPLETED":
            state, error = _failure_state(i.name, failure)
        elif state == "COMPLETED":
            note = resumes.get(i.uuid)
        elif killed_at_walltime(i):
            # not a failure of the step: it continues from its checkpoint when rerun
            state, note = "STOPPED", WALLTIME
            error = "\n".join(filter(None, [error, walltime_note(jc, i)]))
        rows.append(
            JobStateRow(
                name=i.name,
                uuid=i.uuid,
                db_id=str(i.db_id),
                state=state,
                process_id=i.remote.process_id if i.remote else None,
                error=error,
                note=note,
            )
        )
    return rows


def _step_outputs(jc: Any, uuids: list[str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The StepFailures and the resume notes among the outputs of these Jobs.

    A step that raised completes with a
    :class:`~cudiss.workflows.failures.StepFailure` as its output (failures are
    data, so the result job can report them); the queue calls it COMPLETED. A
    relaxation that continued from a checkpoint says so in its document's
    ``resumed`` text, a NEB in ``resumed_steps``.

    Returns
    -------
    tuple of dict
        uuid -> StepFailure, and uuid -> ``resumed ...`` note.
    """
    from cudiss.workflows.failures import StepFailure

    store = jc.jobstore
    store.connect()
    criteria = {"uuid": {"$in": uuids}, "output.@class": StepFailure.__name__}
    failures = {
        doc["uuid"]: StepFailure.from_dict(doc["output"])
        for doc in store.query(criteria, properties=["uuid", "output"])
    }
    resumes: dict[str, str] = {}
    properties = ["uuid", "output.resumed", "output.resumed_steps"]
    for doc in store.query({"uuid": {"$in": uuids}}, properties=properties, load=False):
        output = doc.get("output")
        if not isinstance(output, dict) or doc["uuid"] in failures:
            continue
        steps = output.get("resumed_steps")
        if isinstance(output.get("resumed"), str):
            resumes[doc["uuid"]] = output["resumed"]
        elif isinstance(steps, int) and not isinstance(steps, bool) and steps > 0:
            resumes[doc["uuid"]] = f"resumed from checkpoint at band step {steps}"
    return failures, resumes


def _failure_state(name: str, failure: Any) -> tuple[str, str]:
    """Row state and error of a Job whose output is a StepFailure.

    ``FAILED`` for the step that raised; ``STOPPED`` for a later step that did
    not run because of it.
    """
    if failure.step == name:
        return "FAILED", "\n".join(part for part in (failure.error, failure.detail) if part)
    return "STOPPED", f"not run: {failure}"


def write_snapshot(project: Any, rows: list[JobStateRow]) -> Path:
    """Keep the rows of a run in the project's ``base_dir`` for a later ``cudiss status``.

    Parameters
    ----------
    project : jobflow_remote.config.base.Project
        The project run.
    rows : list of JobStateRow
        The run's final states.

    Returns
    -------
    Path
        ``base_dir/job_states.json``.
    """
    path = Path(project.base_dir) / STATES_SNAPSHOT
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([r._asdict() for r in rows], indent=1))
    return path


def job_states(
    project: str | None = None,
    directory: str | Path | None = None,
    flow_ids: list[str] | None = None,
) -> list[JobStateRow]:
    """List every Job of a project with its state and error text.

    Parameters
    ----------
    project : str, optional
        Project name; default jobflow-remote's current project.
    directory : str or Path, optional
        Projects folder; default ``~/.jfremote``.
    flow_ids : list of str, optional
        Only Jobs of these Flows.

    Returns
    -------
    list of JobStateRow
        From the live queue database (MongoDB projects) or, for an in-memory
        queue, from the snapshot of the last in-process run.

    Raises
    ------
    CudissInputError
        No such project, or its MongoDB does not answer within a few seconds.
    """
    proj = load_project(project, directory)
    if is_memory_queue(proj):
        path = Path(proj.base_dir) / STATES_SNAPSHOT
        if not path.exists():
            return []
        # the snapshot holds exactly one run (the last), so flow_ids is moot
        try:
            return [JobStateRow(**r) for r in json.loads(path.read_text())]
        except (ValueError, TypeError) as exc:
            raise CudissInputError(
                f"{path} is not a job-state snapshot written by cudiss ({exc}); remove it"
            ) from None
    check_mongo_reachable(proj)
    jc = proj.get_job_controller()
    try:
        return rows_from_controller(jc, flow_ids)
    finally:
        jc.close()
