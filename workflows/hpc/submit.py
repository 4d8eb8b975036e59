"""Hand a Flow to a jobflow-remote project: queue it, or run it here to completion.

:func:`submit_flow` adds a Flow to a production project's queue database
(``jf runner start`` then executes it). :func:`run_flow_in_process` runs a
Flow to completion inside the calling process with jobflow-remote's own
``Runner``, which still submits every Job to the worker's scheduler (e.g. the
local SLURM of ``scripts/slurm-local.sh``).

Both give every Job its worker first
(:func:`~cudiss.workflows.hpc.routing.assign_jobs`): the ``worker`` asked
for, else the project's routing (short Jobs to the batch worker, GPAW Jobs to
the queue), else the project's first worker.
"""

from __future__ import annotations

import contextlib
import logging
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from jobflow import Flow

from cudiss.structures.errors import CudissInputError
from cudiss.workflows.hpc.batch import batch_worker_names, check_batch_workers
from cudiss.workflows.hpc.project_files import load_project, projects_dir
from cudiss.workflows.hpc.projects import is_memory_queue
from cudiss.workflows.hpc.routing import assign_jobs
from cudiss.workflows.hpc.status import JobStateRow, rows_from_controller, write_snapshot
from cudiss.workflows.hpc.stores import check_mongo_reachable


def submit_flow(
    flow: Flow,
    project: str | None = None,
    worker: str | None = None,
    exec_config: str | None = None,
    resources: dict[str, Any] | None = None,
    directory: str | Path | None = None,
) -> list[str]:
    """Add a Flow to a production project's queue database.

    The Flow runs once a runner is active: ``jf -p PROJECT runner start``
    (needs the project's MongoDB).

    Parameters
    ----------
    flow : jobflow.Flow
        The Flow (e.g. ``campaign_flow(campaign)``).
    project : str, optional
        Project name; default jobflow-remote's current project.
    worker : str, optional
        Worker for every Job; default the project's routing, else its first worker.
    exec_config : str, optional
        Name of an ``exec_config`` entry of the project.
    resources : dict, optional
        Scheduler resources overriding the worker's defaults for these Jobs.
    directory : str or Path, optional
        Projects folder; default ``~/.jfremote``.

    Returns
    -------
    list of str
        jobflow-remote db ids of the submitted Jobs.

    Raises
    ------
    CudissInputError
        Unknown project/worker/exec_config, a malformed routing or batch
        worker, or the project's MongoDB does not answer within a few seconds.
    """
    import jobflow_remote
    from jobflow_remote.config.base import ConfigError

    with projects_dir(directory):
        proj = load_project(project, directory)
        check_batch_workers(proj)
        assign_jobs(flow, proj, worker)
        if is_memory_queue(proj):
            raise CudissInputError(
                f"project {proj.name!r} keeps its queue in memory: run the Flow with "
                "run_flow_in_process (cudiss submit --in-process)"
            )
        check_mongo_reachable(proj)
        try:
            return jobflow_remote.submit_flow(
                flow,
                worker=worker,
                project=proj.name,
                exec_config=exec_config,
                resources=resources,
            )
        except ConfigError as exc:
            raise CudissInputError(f"jobflow-remote: {str(exc).splitlines()[0]}") from None


@contextlib.contextmanager
def _quiet_job_controller() -> Iterator[None]:
    """Keep jobflow-remote's JobController logger to errors for a while."""
    jc_logger = logging.getLogger("jobflow_remote.jobs.jobcontroller")
    level = jc_logger.level
    jc_logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        jc_logger.setLevel(level)


def _reset_memory_queue(jc: Any) -> None:
    # A MemoryStore queue exists only in this Runner's JobController: Flows
    # must be added through it, after a reset creates the id counter document
    # that add_flow needs. reset() also rebuilds the output store's indexes;
    # montydb has no drop_indexes, which jobflow-remote logs as a harmless
    # warning with a traceback, so its logger is quietened meanwhile.
    with _quiet_job_controller():
        jc.reset(max_limit=0)


def run_flow_in_process(
    flow: Flow,
    project: str | None = None,
    worker: str | None = None,
    directory: str | Path | None = None,
    max_seconds: float = 600,
) -> list[JobStateRow]:
    """Run a Flow to completion with jobflow-remote's Runner in this process.

    The Runner still goes through the worker: with ``scheduler_type: slurm``
    every Job is written to its folder, submitted with ``sbatch``, polled and
    its outputs loaded into the project's JobStore -- only the queue database
    lives in this process. Meant for
    :func:`~cudiss.workflows.hpc.projects.local_project` projects (tests, a
    workstation); works with a MongoDB queue too.

    Parameters
    ----------
    flow : jobflow.Flow
        The Flow to run.
    project : str, optional
        Project name; default jobflow-remote's current project.
    worker : str, optional
        Worker for every Job; default the project's routing, else its first worker.
    directory : str or Path, optional
        Projects folder; default ``~/.jfremote``.
    max_seconds : float
        Give up (``TimeoutError``) when Jobs are still pending after this.
        With an in-memory queue and a batch worker, the run also waits for
        the batch allocations to end (each ends ``max_wait`` seconds after
        its last Job), so none outlives the queue it serves.

    Returns
    -------
    list of JobStateRow
        Final state of every Job. Also written to ``base_dir/job_states.json``
        so ``cudiss status`` can show it after this process is gone.

    Raises
    ------
    CudissInputError
        Unknown project or worker, a malformed routing or batch worker, a time
        limit that is not a positive number, or the project's MongoDB does not
        answer within a few seconds.
    TimeoutError
        Jobs still pending after ``max_seconds`` (their states are still
        written to the snapshot).
    """
    from jobflow_remote.jobs.runner import Runner

    from cudiss.workflows.hpc.checks import check_seconds

    check_seconds("max_seconds", max_seconds)
    with projects_dir(directory):
        proj = load_project(project, directory)
        check_batch_workers(proj)
        assign_jobs(flow, proj, worker)
        default = worker or next(iter(proj.workers), None)
        if default is None:
            raise CudissInputError(f"project {proj.name!r} has no worker")
        check_mongo_reachable(proj)
        # a batch allocation left behind by a memory queue could never get a Job
        wait = is_memory_queue(proj) and bool(batch_worker_names(proj))
        runner = Runner(project_name=proj.name)
        jc = runner.job_controller
        try:
            if is_memory_queue(proj):
                _reset_memory_queue(jc)
            with _quiet_job_controller():  # not an INFO line listing every Job's uuid
                jc.add_flow(flow, worker=default)
            try:
                runner.run_all_jobs(
                    max_seconds=max(1, math.ceil(max_seconds)), wait_for_batches=wait
                )
            except RuntimeError as exc:
                # jobflow-remote signals its time limit with a plain RuntimeError
                if "within the selected amount of time" in str(exc):
                    raise TimeoutError(
                        f"jobs of flow {flow.name!r} still pending after {max_seconds} s"
                    ) from None
                raise
            finally:
                rows = rows_from_controller(jc, flow_ids=[flow.uuid])
                write_snapshot(proj, rows)
        finally:
            runner.cleanup()
    return rows
