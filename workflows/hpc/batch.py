"""Batch workers: many short Jobs in one queue allocation (jobflow-remote's ``BatchConfig``).

A plain jobflow-remote worker submits every Job as its own SLURM/PBS job. A
*batch* worker submits allocations that each run Jobs one after another (or
``parallel`` at a time) from a pool of Job folders: a Job assigned to it is
written to its folder as usual, announced by a file in the *jobs handle
folder*, and picked up by a running allocation (``jf execution run-batch``).
A removal campaign is ~7 Jobs per configuration, most of them seconds long
(endpoints, interpolation, result; every step with EMT); through a batch
worker they share a few allocations instead of one queue wait each.

What an allocation does is set by :class:`BatchSettings`:

================  ==========================  ==========  ===========
setting           jobflow-remote field        production  ``--local``
================  ==========================  ==========  ===========
``queue_limit``   worker ``max_jobs``         2           1
``max_jobs``      ``max_jobs_per_batch``      500         500
``max_wait``      ``max_wait`` (s)            300         15
``max_time``      ``max_time`` (s)            walltime - 10 min, at least half of it
``parallel``      ``parallel_jobs``           4           1
``walltime``      worker ``resources``        01:00:00    00:30:00
``handle_dir``    ``jobs_handle_dir``         ``WORK_DIR/batch/NAME/handle``;
                                              ``--local``: ``BASE/batch/handle``
================  ==========================  ==========  ===========

``max_wait`` must outlast the runner's round trip between one Job's end and
the start of the Jobs it unlocks (finished -> downloaded -> children ready ->
uploaded): up to a few of the runner's delays, 30 s each in production (1 s
for ``--local`` projects), or the allocation ends between two steps of a
configuration and the next one queues again.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cudiss.structures.errors import CudissInputError
from cudiss.workflows.hpc import checks

#: Name of the batch worker ``cudiss hpc init --batch`` writes.
BATCH_WORKER = "batch"
#: Seconds an idle batch allocation sleeps before looking for Jobs again.
PRODUCTION_SLEEP = 10.0
LOCAL_SLEEP = 1.0
#: ``max_time`` default: stop starting Jobs this long before the walltime ...
_MAX_TIME_MARGIN = 600
# ... but never earlier than half of it.


@dataclass(frozen=True)
class BatchSettings:
    """What one batch allocation does (see the module's table for the defaults).

    Attributes
    ----------
    queue_limit : int
        Batch allocations queued or running at once (the worker's ``max_jobs``).
    max_jobs : int or None
        Jobs one allocation runs at most (``max_jobs_per_batch``); None: no limit.
    max_wait : float
        Seconds an allocation waits without a Job to run before it ends.
    max_time : float or None
        Seconds after which an allocation starts no new Job; None: the walltime
        less 10 minutes, at least half of it.
    parallel : int
        Jobs run at the same time in one allocation (``parallel_jobs``); each
        gets one core of the ``parallel`` the allocation requests.
    walltime : str
        Time limit of one allocation (forms of ``--walltime``).
    handle_dir : str or None
        Absolute folder, on the cluster, through which the runner hands Jobs to
        allocations; one per batch worker, never shared. None: the default.
    """

    queue_limit: int = 2
    max_jobs: int | None = 500
    max_wait: float = 300.0
    max_time: float | None = None
    parallel: int = 4
    walltime: str = "01:00:00"
    handle_dir: str | None = None

    def replace(self, **given: Any) -> BatchSettings:
        """A copy with the values in ``given`` that are not None."""
        return dataclasses.replace(self, **{k: v for k, v in given.items() if v is not None})


#: Defaults of a production batch worker (``cudiss hpc init NAME --batch``).
PRODUCTION_BATCH = BatchSettings()
#: Defaults of a ``--local`` batch worker: one allocation, one Job at a time
#: (a workstation's cores), a short wait (the in-process runner polls every second).
LOCAL_BATCH = BatchSettings(queue_limit=1, max_wait=15.0, parallel=1, walltime="00:30:00")


def check_batch(settings: BatchSettings) -> BatchSettings:
    """Validate batch settings; fill in ``max_time`` from the walltime.

    Parameters
    ----------
    settings : BatchSettings
        As given (``handle_dir`` may still be None).

    Returns
    -------
    BatchSettings
        The same values, ``walltime`` normalised and ``max_time`` set.

    Raises
    ------
    CudissInputError
        A count below 1 or absurdly large, a wait or time that is not a
        positive number of seconds, a bad walltime, ``max_time`` not below
        the walltime, or a handle folder a script cannot name unquoted.
    """
    if not isinstance(settings, BatchSettings):
        raise CudissInputError(
            f"batch settings must be BatchSettings, not {type(settings).__name__}"
        )
    checks.check_count("--batch-queue-limit", settings.queue_limit, maximum=1000)
    if settings.max_jobs is not None:
        checks.check_count("--batch-max-jobs", settings.max_jobs)
    checks.check_count("--batch-parallel", settings.parallel, maximum=4096)
    checks.check_seconds("--batch-max-wait", settings.max_wait)
    try:
        walltime = checks.check_walltime(settings.walltime)
    except CudissInputError as exc:
        raise CudissInputError(f"--batch-walltime: {exc}") from None
    seconds = checks.walltime_seconds(walltime)
    max_time = settings.max_time
    if max_time is None:
        max_time = float(max(seconds // 2, seconds - _MAX_TIME_MARGIN))
    checks.check_seconds("--batch-max-time", max_time)
    if max_time >= seconds:
        raise CudissInputError(
            f"--batch-max-time {max_time:g} s is not below the batch walltime {walltime} "
            f"({seconds} s): an allocation would start Jobs the walltime then kills"
        )
    if settings.handle_dir is not None:
        checks.check_script_path("--batch-handle-dir", settings.handle_dir)
    return dataclasses.replace(settings, walltime=walltime, max_time=max_time)


def batch_section(settings: BatchSettings, processes_dir: str, sleep: float) -> dict[str, Any]:
    """The worker's ``batch:`` section (jobflow-remote ``BatchConfig``) from checked settings.

    Parameters
    ----------
    settings : BatchSettings
        Checked settings (:func:`check_batch`) with ``handle_dir`` set.
    processes_dir : str
        Absolute folder for the allocations' own folders (``batch.work_dir``).
    sleep : float
        Seconds an idle allocation sleeps between looks for Jobs.

    Returns
    -------
    dict
    """
    if settings.handle_dir is None:
        raise CudissInputError("batch settings have no handle folder")
    section: dict[str, Any] = {
        "jobs_handle_dir": settings.handle_dir,
        "work_dir": checks.check_script_path("batch work_dir", processes_dir),
        "max_wait": float(settings.max_wait),
        "max_time": float(settings.max_time) if settings.max_time is not None else None,
        "parallel_jobs": settings.parallel,
        "sleep_time": sleep,
    }
    if settings.max_jobs is not None:
        section["max_jobs_per_batch"] = settings.max_jobs
    return section


def batch_worker_names(project: Any) -> list[str]:
    """Names of a project's batch workers (those with a ``batch`` section)."""
    return [name for name, worker in project.workers.items() if worker.batch is not None]


def check_batch_workers(project: Any) -> list[str]:
    """Check what jobflow-remote's model lets through but its Runner trips on.

    Parameters
    ----------
    project : jobflow_remote.config.base.Project
        A loaded project (possibly edited by hand).

    Returns
    -------
    list of str
        Its batch workers.

    Raises
    ------
    CudissInputError
        A batch worker without ``max_jobs`` (the Runner fails on it), or two
        batch workers sharing a jobs handle folder.
    """
    names = batch_worker_names(project)
    seen: dict[str, str] = {}
    for name in names:
        worker = project.workers[name]
        if not worker.max_jobs:
            raise CudissInputError(
                f"batch worker {name!r} of project {project.name!r} has no max_jobs (batch "
                "allocations in the queue at once); set it in the project file"
            )
        handle = str(worker.batch.jobs_handle_dir)
        if handle in seen:
            raise CudissInputError(
                f"batch workers {seen[handle]!r} and {name!r} of project {project.name!r} share "
                f"the jobs handle folder {handle}; give each its own"
            )
        seen[handle] = name
    return names


def handle_dirs_of(data: Any) -> dict[str, str]:
    """Jobs handle folder -> worker name, for the batch workers of a project's raw data."""
    workers = data.get("workers") if isinstance(data, dict) else None
    found: dict[str, str] = {}
    for name, worker in (workers or {}).items():
        batch = worker.get("batch") if isinstance(worker, dict) else None
        if isinstance(batch, dict) and batch.get("jobs_handle_dir"):
            found[str(Path(str(batch["jobs_handle_dir"])))] = str(name)
    return found


def batch_from_options(enabled: bool, local: bool, options: dict[str, Any]) -> BatchSettings | None:
    """Batch settings from ``cudiss hpc init``'s ``--batch-*`` options.

    Parameters
    ----------
    enabled : bool
        ``--batch`` was given.
    local : bool
        A ``--local`` project (:data:`LOCAL_BATCH` defaults, else
        :data:`PRODUCTION_BATCH`).
    options : dict
        Option name (``--batch-max-wait``, ...) -> the
        :class:`BatchSettings` field and its value, None when not given.

    Returns
    -------
    BatchSettings or None
        None without ``--batch``.

    Raises
    ------
    CudissInputError
        A ``--batch-*`` option without ``--batch``, or a value
        :func:`check_batch` refuses.
    """
    given = {option: pair for option, pair in options.items() if pair[1] is not None}
    if not enabled:
        if given:
            raise CudissInputError(f"{next(iter(given))} needs --batch")
        return None
    defaults = LOCAL_BATCH if local else PRODUCTION_BATCH
    return check_batch(defaults.replace(**dict(given.values())))
