"""Jobs killed at their allocation's walltime: their checkpoint and how they continue.

What jobflow-remote 1.0.1 does with a Job whose SLURM job hits its time limit
(``TIMEOUT``; PBS: "job killed: walltime ... exceeded limit"): the scheduler
sends SIGTERM and the Job's ``jf execution run`` process ends without writing
its response into ``jfremote_out.json`` (it wrote only the start time). The
runner then finds the job gone from the queue, moves the Job to ``DOWNLOADED``
and completes it as ``FAILED`` with "The output file jfremote_out.json was
downloaded, but it does not contain the response. The job was likely killed
before completing"; the scheduler's own line ("CANCELLED AT ... DUE TO TIME
LIMIT") is in the Job's ``remote.queue_err``. Its children stay ``WAITING``.
``jf job retry`` does not apply (it is for ``REMOTE_ERROR``);
``jf -p NAME job rerun DB_ID`` (``JobController.rerun_job``) brings the Job
back to ``READY`` -- deleting its run folder when it restarts -- and the
runner submits it again into a new allocation.

cudiss's relaxations and NEBs continue there from their checkpoint
(:mod:`cudiss.workflows.checkpoint`) as long as the checkpoint folder is not
the run folder and the next job sees it: every worker cudiss writes exports
``CUDISS_CHECKPOINT_DIR=${CUDISS_CHECKPOINT_DIR:-WORK_DIR/checkpoints}``
(:func:`cudiss.workflows.hpc.worker_env.worker_pre_run`), on the file system
of the worker's work_dir. :func:`walltime_note` finds the checkpoint of such a
Job (by the same key the step computes from its resolved inputs) and says how
many steps it kept and which command continues it.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cudiss.workflows.hpc.projects import is_memory_queue
from cudiss.workflows.hpc.worker_env import CHECKPOINT_ENV

#: What SLURM (slurmstepd) and PBS/Torque write to a job's stderr when its time is up.
TIME_LIMIT = re.compile(r"DUE TO TIME LIMIT|job killed: walltime \d+ exceeded limit", re.I)
_EXPORT = re.compile(rf"^\s*export\s+{CHECKPOINT_ENV}=(.+?)\s*$")
_DEFAULT_FORM = re.compile(rf"^\$\{{{CHECKPOINT_ENV}:-(.*)\}}$")


def killed_at_walltime(info: Any) -> bool:
    """Whether a jobflow-remote Job failed because its allocation's time ran out.

    Parameters
    ----------
    info : jobflow_remote.jobs.data.JobInfo
        The Job as ``JobController.get_jobs_info`` returns it.

    Returns
    -------
    bool
        ``FAILED`` and the scheduler's time-limit line in its stderr (or error).
    """
    if getattr(info.state, "value", info.state) != "FAILED":
        return False
    remote = getattr(info, "remote", None)
    text = "\n".join(filter(None, [getattr(remote, "queue_err", None), info.error]))
    return bool(TIME_LIMIT.search(text))


def checkpoint_dirs(worker: Any) -> list[Path]:
    """Folders where a worker's Jobs keep their checkpoints, most likely first.

    The worker's ``export CUDISS_CHECKPOINT_DIR=...`` line (cudiss writes
    ``${CUDISS_CHECKPOINT_DIR:-WORK_DIR/checkpoints}``: an environment value
    passed on by the scheduler wins, else the work_dir's folder), then this
    process's own checkpoint folder.

    Parameters
    ----------
    worker : jobflow_remote.config.base.WorkerBase
        A worker of the project.

    Returns
    -------
    list of Path
        Without duplicates; folders named with shell variables are left out.
    """
    from cudiss.workflows.checkpoint import checkpoint_root

    pre_run = worker.pre_run or ""
    lines = pre_run.splitlines() if isinstance(pre_run, str) else list(pre_run)
    found: list[Path | None] = []
    for line in lines:
        match = _EXPORT.match(line)
        if not match:
            continue
        value = match.group(1)
        default = _DEFAULT_FORM.match(value)
        if default:
            found = [checkpoint_root() if CHECKPOINT_ENV in os.environ else None]
            value = default.group(1)
        else:
            found = []
        try:
            words = shlex.split(value)
        except ValueError:
            continue
        if len(words) == 1 and "$" not in words[0]:
            found.append(Path(words[0]))
    found.append(checkpoint_root())
    unique: list[Path] = []
    for path in found:
        if path is not None and path not in unique:
            unique.append(path)
    return unique


@contextlib.contextmanager
def _root(folder: Path) -> Iterator[None]:
    old = os.environ.get(CHECKPOINT_ENV)
    os.environ[CHECKPOINT_ENV] = str(folder)
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(CHECKPOINT_ENV, None)
        else:
            os.environ[CHECKPOINT_ENV] = old


def step_checkpoint(job: Any, folder: Path) -> Any:
    """The checkpoint a relaxation or NEB Job keeps under ``folder`` (``None`` for other Jobs).

    Parameters
    ----------
    job : jobflow.Job
        The Job with its inputs resolved (``job.resolve_args(store, inplace=False)``).
    folder : Path
        A checkpoint folder.

    Returns
    -------
    cudiss.workflows.checkpoint.Checkpoint or None
        Named by the same key the step computes (the file may not exist).
    """
    maker = getattr(job.function, "__self__", None)
    if not job.function_args:
        return None
    with _root(folder):
        if callable(getattr(maker, "checkpoint", None)):
            return maker.checkpoint(job.function_args[0])
    return None


def continue_command(project: Any, db_id: str) -> str:
    """The command that runs a walltime-killed Job again (it resumes from its checkpoint).

    Parameters
    ----------
    project : jobflow_remote.config.base.Project
        The Job's project.
    db_id : str
        The Job's jobflow-remote id.

    Returns
    -------
    str
        ``jf -p NAME job rerun DB_ID``; for a project whose queue lived in memory
        (``--local``), the same ``cudiss submit ... --in-process`` again (its Flow
        is gone with that queue; the rerun's step finds the checkpoint by its inputs).
    """
    if is_memory_queue(project):
        return f"`cudiss submit CAMPAIGN.yaml -p {project.name} --in-process` (the same campaign)"
    return f"`jf -p {project.name} job rerun {db_id}`"


_NOT_A_STEP = object()


def _find_checkpoint(jc: Any, info: Any, worker: Any) -> Any:
    """The Job's checkpoint file if found, ``None``, or ``_NOT_A_STEP`` (no relaxation/NEB)."""
    doc = jc.get_job_doc(db_id=info.db_id)
    job = doc.job.resolve_args(store=jc.jobstore, inplace=False)
    for folder in checkpoint_dirs(worker):
        checkpoint = step_checkpoint(job, folder)
        if checkpoint is None:
            return _NOT_A_STEP
        if checkpoint.path.exists():
            checkpoint.load()
            return checkpoint
    return None


def walltime_note(jc: Any, info: Any) -> str:
    """One line on a walltime-killed Job: steps kept, where, and the command that continues it.

    Parameters
    ----------
    jc : jobflow_remote.jobs.jobcontroller.JobController
        Controller of the Job's project (its JobStore resolves the Job's inputs).
    info : jobflow_remote.jobs.data.JobInfo
        The Job (:func:`killed_at_walltime` is true for it).

    Returns
    -------
    str
        E.g. ``killed at the walltime after 12 steps, checkpointed in
        /w/checkpoints/relax-....pkl; continue from there with `jf -p cu job rerun 5```.
    """
    project = jc.project
    command = continue_command(project, str(info.db_id))
    worker = project.workers.get(info.worker)
    if worker is not None and getattr(worker, "type", "local") != "local":
        folders = ", ".join(str(f) for f in checkpoint_dirs(worker)[:1]) or "its work_dir"
        return (
            f"killed at the walltime; its checkpoint is on {worker.host} ({folders}); "
            f"continue from there with {command}"
        )
    try:
        found = _find_checkpoint(jc, info, worker) if worker is not None else None
    except Exception as exc:  # a Job of another version, inputs gone from the store
        reason = " ".join(str(exc).split())[:120] or type(exc).__name__
        return (
            f"killed at the walltime (its checkpoint could not be looked up: {reason}); "
            f"rerun it with {command}"
        )
    if found is _NOT_A_STEP:
        return (
            f"killed at the walltime; this step keeps no relaxation or NEB checkpoint and "
            f"starts over: rerun it with {command} (a longer walltime if it needs one)"
        )
    if found is None:
        return (
            f"killed at the walltime before its first checkpointed step (no checkpoint "
            f"found here); rerun it with {command}"
        )
    return (
        f"killed at the walltime after {found.steps} steps, checkpointed in "
        f"{found.path}; continue from there with {command}"
    )
