"""Build jobflow-remote projects: production (SLURM/PBS + MongoDB) and local test ones.

:func:`hpc_project` builds a :class:`~jobflow_remote.config.base.Project` for a
SLURM or PBS cluster (production: MongoDB queue, which jobflow-remote's daemon
requires); :func:`local_project` builds the test variant that needs no
database server (in-memory queue, on-disk ``MontyStore`` for the outputs).
Both are validated by jobflow-remote's own model; write them with
:func:`cudiss.workflows.hpc.project_files.write_project`.

Examples
--------
>>> from cudiss.workflows.hpc.projects import hpc_project
>>> from cudiss.workflows.hpc.project_files import write_project
>>> project = hpc_project("cu100", "slurm", work_dir="/scratch/me/cudiss",
...                       partition="standard", nodes=1, ntasks_per_node=64,
...                       walltime="04:00:00", account="e123",
...                       pre_run=["module load openmpi", "source ~/cudiss/.venv/bin/activate"])
>>> write_project(project)  # doctest: +SKIP
PosixPath('/home/me/.jfremote/cu100.yaml')
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from cudiss.structures.errors import CudissInputError
from cudiss.workflows.hpc import checks
from cudiss.workflows.hpc.batch import (
    BATCH_WORKER,
    LOCAL_SLEEP,
    PRODUCTION_SLEEP,
    BatchSettings,
    batch_section,
    check_batch,
)
from cudiss.workflows.hpc.project_files import validate_project
from cudiss.workflows.hpc.routing import routing_metadata
from cudiss.workflows.hpc.schedulers import batch_scheduler, shell_scheduler
from cudiss.workflows.hpc.stores import jobstore_spec, mongo_store, monty_store
from cudiss.workflows.hpc.worker_env import worker_pre_run

Scheduler = Literal["slurm", "pbs"]

DEFAULT_MPI_LAUNCHER = "mpiexec -np {ntasks} gpaw python"


def _resources(
    scheduler: Scheduler,
    nodes: int,
    ntasks_per_node: int,
    walltime: str,
    partition: str | None,
    account: str | None,
    memory: str | None = None,
) -> dict[str, Any]:
    # keys are those of qtoolkit's templates (qtoolkit/io/templates/*)
    mem = checks.check_memory(memory) if memory is not None else None
    if scheduler == "slurm":
        res: dict[str, Any] = {
            "nodes": nodes,
            "ntasks_per_node": ntasks_per_node,
            "cpus_per_task": 1,
            "time": walltime,
            "partition": partition,
            "account": account,
            "mem": f"{mem[0]}{mem[1]}" if mem else None,
        }
    else:
        select = f"select={nodes}:ncpus={ntasks_per_node}:mpiprocs={ntasks_per_node}"
        if mem:
            select += f":mem={mem[0]}{mem[1].lower()}b"
        res = {
            "select": select,
            # PBS knows neither SLURM's D- forms nor a bare number as minutes
            "walltime": checks.pbs_walltime(walltime),
            "queue": partition,
            "account": account,
        }
    return {k: v for k, v in res.items() if v is not None}


def _default_jf() -> str:
    # the `jf` next to this interpreter, so the job runs in the same venv even
    # when the scheduler's environment has a different PATH
    return str(Path(sys.executable).with_name("jf"))


def hpc_project(
    name: str,
    scheduler: Scheduler,
    *,
    work_dir: str | Path,
    nodes: int = 1,
    ntasks_per_node: int = 1,
    walltime: str = "01:00:00",
    partition: str | None = None,
    account: str | None = None,
    pre_run: Sequence[str] = (),
    mpi_launcher_cmd: str = DEFAULT_MPI_LAUNCHER,
    host: str | None = None,
    user: str | None = None,
    queue_store: dict[str, Any] | None = None,
    docs_store: dict[str, Any] | None = None,
    base_dir: str | Path | None = None,
    memory: str | None = None,
    batch: BatchSettings | None = None,
) -> Any:
    """Build a production jobflow-remote project for a SLURM or PBS cluster.

    Parameters
    ----------
    name : str
        Project name (also the YAML file name).
    scheduler : {"slurm", "pbs"}
        Queue system of the cluster.
    work_dir : str or Path
        Absolute folder on the cluster where Job folders are created.
    nodes, ntasks_per_node : int
        Default allocation per Job; ``ntasks = nodes * ntasks_per_node`` MPI ranks.
    walltime : str
        One of ``MM``, ``MM:SS``, ``HH:MM:SS``, ``D-HH``, ``D-HH:MM``,
        ``D-HH:MM:SS`` (:mod:`~cudiss.workflows.hpc.checks`); written as
        ``HH:MM:SS`` for PBS.
    partition : str, optional
        SLURM partition or PBS queue.
    account : str, optional
        Account/project charged.
    pre_run : sequence of str
        Shell lines run before each Job, e.g. ``module load openmpi`` and
        ``source /path/to/.venv/bin/activate``.
    mpi_launcher_cmd : str
        MPI command for GPAW; ``{ntasks}`` is replaced by the rank count.
        GPAW needs ``gpaw python`` (plain ``python`` under mpiexec raises).
    host, user : str, optional
        Run the runner elsewhere and reach the cluster over SSH
        (``RemoteWorker``); without ``host`` the runner runs on the cluster's
        login node (``LocalWorker``).
    queue_store : dict, optional
        Queue database, a ``MongoStore`` spec; default MongoDB on localhost
        (:func:`~cudiss.workflows.hpc.stores.mongo_store`). jobflow-remote's
        daemon and ``jf`` CLI need it.
    docs_store : dict, optional
        Output store; default MongoDB collection ``outputs``.
    base_dir : str or Path, optional
        Folder for the runner's logs and daemon files (default
        ``~/.jfremote/NAME``).
    memory : str, optional
        Memory per node, e.g. ``"64G"`` (``#SBATCH --mem``, PBS ``mem=``).
    batch : BatchSettings, optional
        Also write a batch worker ``batch`` (:mod:`~cudiss.workflows.hpc.batch`;
        e.g. :data:`~cudiss.workflows.hpc.batch.PRODUCTION_BATCH`): allocations
        of ``batch.parallel`` cores on one node that run many short Jobs each,
        and the routing that sends short Jobs there and GPAW Jobs to the
        ``<scheduler>`` worker (:mod:`~cudiss.workflows.hpc.routing`).

    Returns
    -------
    jobflow_remote.config.base.Project
        Validated project with workers ``<scheduler>`` (the cluster queue),
        ``local`` (a shell worker on the runner's machine, for quick checks)
        and, with ``batch``, ``batch``.

    Raises
    ------
    CudissInputError
        A bad name, scheduler, walltime, count, memory, path, shell line, host
        or anything jobflow-remote's model rejects (:mod:`~cudiss.workflows.hpc.checks`).
    """
    checks.check_project_name(name)
    if scheduler not in ("slurm", "pbs"):
        raise CudissInputError(f"scheduler must be 'slurm' or 'pbs', not {scheduler!r}")
    checks.check_count("nodes", nodes)
    checks.check_count("ntasks per node", ntasks_per_node)
    walltime = checks.check_walltime(walltime)
    work_dir = checks.check_script_path("work_dir", work_dir)
    pre_run = [checks.check_shell_line("pre_run line", line) for line in pre_run]
    checks.check_mpi_launcher(mpi_launcher_cmd)
    if partition is not None:
        checks.check_scheduler_word("partition" if scheduler == "slurm" else "queue", partition)
    if account is not None:
        checks.check_scheduler_word("account", account)
    if host is not None:
        checks.check_host("host", host)
    if user is not None:
        if host is None:
            raise CudissInputError("user is for SSH: give the cluster's host too")
        checks.check_user("user", user)
    base = (
        checks.check_folder("base_dir", base_dir).resolve()
        if base_dir is not None
        else Path.home() / ".jfremote" / name
    )
    # the shell worker's script names its work_dir unquoted too
    local_dir = checks.check_script_path("base_dir", base / "local_runs")
    launcher = mpi_launcher_cmd.replace("{ntasks}", str(nodes * ntasks_per_node))
    resources = _resources(scheduler, nodes, ntasks_per_node, walltime, partition, account, memory)
    worker: dict[str, Any] = {
        "type": "remote" if host else "local",
        "scheduler_type": scheduler,
        "work_dir": str(work_dir),
        "resources": resources,
        "pre_run": worker_pre_run(pre_run, launcher, str(work_dir)),
    }
    if host:
        worker["host"] = host
        if user:
            worker["user"] = user
    local = {
        "type": "local",
        "scheduler_type": shell_scheduler(),
        "work_dir": local_dir,
        "pre_run": worker_pre_run(pre_run, "gpaw python", local_dir),
    }
    data: dict[str, Any] = {
        "name": name,
        "workers": {scheduler: worker, "local": local},
        "queue": {"store": queue_store or mongo_store("jobs")},
        "jobstore": jobstore_spec(docs_store or mongo_store("outputs")),
    }
    if batch is not None:
        settings = check_batch(batch)
        if settings.handle_dir is None:
            handle = f"{work_dir}/batch/{name}/handle"
            settings = settings.replace(handle_dir=checks.check_script_path("--work-dir", handle))
        data["workers"][BATCH_WORKER] = {
            **{k: v for k, v in worker.items() if k in ("type", "host", "user")},
            "scheduler_type": batch_scheduler(scheduler),
            "work_dir": str(work_dir),
            # one node, a core per parallel Job, the batch walltime
            "resources": _resources(
                scheduler, 1, settings.parallel, settings.walltime, partition, account, memory
            ),
            # short Jobs run serially: GPAW, if routed here, on one rank
            "pre_run": worker_pre_run(pre_run, "gpaw python", str(work_dir)),
            "max_jobs": settings.queue_limit,
            "batch": batch_section(
                settings, f"{work_dir}/batch/{name}/processes", PRODUCTION_SLEEP
            ),
        }
        data["metadata"] = routing_metadata(short=BATCH_WORKER, gpaw=scheduler)
        # the runner notices Jobs a batch allocation finished every 60 s by default
        data["runner"] = {"delay_update_batch": 30}
    if base_dir is not None:
        data["base_dir"] = str(base)
    return validate_project(data)


def local_project(
    name: str,
    base_dir: str | Path,
    *,
    scheduler: Literal["slurm", "shell"] = "slurm",
    walltime: str = "00:10:00",
    ntasks: int = 1,
    pre_run: Sequence[str] = (),
    runner_delay: float = 1.0,
    batch: BatchSettings | None = None,
) -> Any:
    """Build the test project: no database server, queue on this machine.

    The queue lives in a maggma ``MemoryStore`` (so it exists only inside the
    process that runs :func:`~cudiss.workflows.hpc.submit.run_flow_in_process`);
    outputs go to an on-disk ``MontyStore`` under ``base_dir/outputs`` and stay
    readable afterwards. jobflow-remote's daemon cannot use this project: it
    needs MongoDB.

    Parameters
    ----------
    name : str
        Project name.
    base_dir : str or Path
        Folder for outputs, Job folders (``runs``), logs and the state snapshot.
    scheduler : {"slurm", "shell"}
        ``slurm`` submits every Job with ``sbatch`` (e.g. to
        ``scripts/slurm-local.sh``); ``shell`` runs it as a background process
        (:class:`~cudiss.workflows.hpc.schedulers.QuotedShellIO`).
    walltime : str
        SLURM time limit per Job (forms as for :func:`hpc_project`).
    ntasks : int
        MPI ranks per Job (sets ``CUDISS_MPI_LAUNCHER``).
    pre_run : sequence of str
        Extra shell lines before each Job.
    runner_delay : float
        Seconds between the runner's polls; jobflow-remote's default (30 s)
        makes a three-Job test take minutes.
    batch : BatchSettings, optional
        Also write a batch worker ``batch`` on the same SLURM (e.g.
        :data:`~cudiss.workflows.hpc.batch.LOCAL_BATCH`; handle folder
        ``base_dir/batch/handle`` unless given) and the routing that sends
        short Jobs there and GPAW Jobs to ``local``.

    Returns
    -------
    jobflow_remote.config.base.Project
        Validated project with the worker ``local`` (and ``batch``).

    Raises
    ------
    CudissInputError
        A bad name, scheduler, walltime, rank count, folder, shell line or
        batch setting, or ``batch`` with the shell scheduler.
    """
    checks.check_project_name(name)
    if scheduler not in ("slurm", "shell"):
        raise CudissInputError(f"scheduler must be 'slurm' or 'shell', not {scheduler!r}")
    walltime = checks.check_walltime(walltime)
    checks.check_count("ntasks", ntasks)
    pre_run = [checks.check_shell_line("pre_run line", line) for line in pre_run]
    checks.check_seconds("runner_delay", runner_delay)
    base = checks.check_folder("base_dir", base_dir).resolve()
    # the Job script names the work_dir (runs/) unquoted: `cd BASE/runs/...`
    checks.check_script_path("base_dir", base)
    launcher = "gpaw python" if ntasks == 1 else f"mpiexec -np {ntasks} gpaw python"
    worker: dict[str, Any] = {
        "type": "local",
        "scheduler_type": scheduler if scheduler == "slurm" else shell_scheduler(),
        "work_dir": str(base / "runs"),
        "pre_run": worker_pre_run(pre_run, launcher, str(base / "runs")),
        "execution_cmd": f"{_default_jf()} -fe execution run {{}}",
    }
    if scheduler == "slurm":
        worker["resources"] = {"nodes": 1, "ntasks": ntasks, "time": walltime}
    delay = float(runner_delay)
    data: dict[str, Any] = {
        "name": name,
        "base_dir": str(base),
        "workers": {"local": worker},
        "queue": {"store": {"type": "MemoryStore", "collection_name": "jobs"}},
        "jobstore": jobstore_spec(monty_store(base / "outputs")),
        "runner": {
            "delay_checkout": delay,
            "delay_check_run_status": delay,
            "delay_advance_status": delay,
            "delay_update_batch": delay,
            # a failed upload/submit is retried after these many seconds
            "delta_retry": [delay, 5 * delay, 10 * delay],
        },
    }
    if batch is not None:
        if scheduler != "slurm":
            raise CudissInputError(
                "--batch needs the SLURM scheduler: a shell worker already runs every Job "
                "as a process on this machine, with no queue to batch"
            )
        data["workers"][BATCH_WORKER] = _local_batch_worker(base, batch, pre_run)
        data["metadata"] = routing_metadata(short=BATCH_WORKER, gpaw="local")
    return validate_project(data)


def _local_batch_worker(base: Path, batch: BatchSettings, pre_run: Sequence[str]) -> dict:
    """The ``batch`` worker of a local test project (same SLURM, same Job folders)."""
    settings = check_batch(batch)
    if settings.handle_dir is None:
        settings = settings.replace(handle_dir=str(base / "batch" / "handle"))
    runs = str(base / "runs")
    # an allocation starts `jf -fe execution run-batch ...` by name: the venv's jf first
    venv_path = f"export PATH={shlex.quote(str(Path(sys.executable).parent))}:$PATH"
    lines = [checks.check_shell_line("pre_run line", venv_path), *pre_run]
    return {
        "type": "local",
        "scheduler_type": batch_scheduler("slurm"),
        "work_dir": runs,
        "resources": {"nodes": 1, "ntasks": settings.parallel, "time": settings.walltime},
        "pre_run": worker_pre_run(lines, "gpaw python", runs),
        "execution_cmd": f"{_default_jf()} -fe execution run {{}}",
        "max_jobs": settings.queue_limit,
        "batch": batch_section(settings, str(base / "batch" / "processes"), LOCAL_SLEEP),
    }


def is_memory_queue(project: Any) -> bool:
    """True if the project's queue is a maggma ``MemoryStore`` (test projects).

    Parameters
    ----------
    project : jobflow_remote.config.base.Project
        The project.

    Returns
    -------
    bool
        Such a queue exists only inside
        :func:`~cudiss.workflows.hpc.submit.run_flow_in_process`.
    """
    # jobflow-remote accepts a store as {"type": ...} or as a monty dict ({"@class": ...})
    store = project.queue.store
    return store.get("type") == "MemoryStore" or str(store.get("@class", "")) == "MemoryStore"
