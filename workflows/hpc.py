"""Running cudiss flows on HPC queues through jobflow-remote.

Three layers, each usable on its own:

1. **Projects.** :func:`hpc_project` builds a jobflow-remote
   :class:`~jobflow_remote.config.base.Project` for a SLURM or PBS cluster
   (production: MongoDB queue, which jobflow-remote's daemon requires);
   :func:`local_project` builds the test variant that needs no database server
   (in-memory queue, on-disk ``MontyStore`` for the outputs).
   :func:`write_project` writes either as ``NAME.yaml`` where jobflow-remote
   looks for projects (``~/.jfremote`` unless told otherwise).
2. **Running.** :func:`submit_flow` hands a Flow to jobflow-remote's queue
   database (production: ``jf runner start`` then executes it).
   :func:`run_flow_in_process` runs a Flow to completion inside the calling
   process with jobflow-remote's own ``Runner``, which still submits every Job
   to the worker's scheduler (e.g. the local SLURM of ``scripts/slurm-local.sh``).
3. **Status.** :func:`job_states` lists every Job with its state and, for
   failed ones, the error text.

GPAW and MPI
------------
jobflow-remote executes each Job as one *serial* Python process on the
compute node (``jf -fe execution run DIR``). GPAW cannot simply be imported
there and run in parallel: ``mpiexec python`` raises for GPAW, and running the
whole ``jf`` process on N ranks would make every rank write the Job's output
files. The worker's ``pre_run`` therefore exports

* ``CUDISS_MPI_LAUNCHER`` -- the command that runs a Python script on all
  ranks of the allocation, e.g. ``mpiexec -np 64 gpaw python``;
* ``OMP_NUM_THREADS=1`` and ``OPENBLAS_NUM_THREADS=1`` -- otherwise OpenBLAS
  threads oversubscribe the cores that MPI already fills.

GPAW Makers run their calculation script through :func:`mpi_launcher`
(``subprocess`` with ``shlex.split(mpi_launcher()) + [script]``), the same
pattern atomate2 uses for VASP's ``mpirun vasp_std``.

Examples
--------
>>> from cudiss.workflows.hpc import hpc_project, write_project
>>> project = hpc_project("cu100", "slurm", work_dir="/scratch/me/cudiss",
...                       partition="standard", nodes=1, ntasks_per_node=64,
...                       walltime="04:00:00", account="e123",
...                       pre_run=["module load openmpi", "source ~/cudiss/.venv/bin/activate"])
>>> write_project(project)  # doctest: +SKIP
PosixPath('/home/me/.jfremote/cu100.yaml')
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import shlex
import socket
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Literal, NamedTuple

import yaml
from jobflow import Flow, job
from pydantic import ValidationError

from cudiss.structures.errors import CudissInputError

Scheduler = Literal["slurm", "pbs"]

#: Environment variable the worker exports with the MPI launcher for GPAW.
MPI_LAUNCHER_ENV = "CUDISS_MPI_LAUNCHER"
#: Name of the file, in a project's ``base_dir``, that keeps the job states of
#: the last in-process run (its in-memory queue is gone when the process ends).
STATES_SNAPSHOT = "job_states.json"

DEFAULT_MPI_LAUNCHER = "mpiexec -np {ntasks} gpaw python"
_WALLTIME = re.compile(r"^(\d+-)?\d{1,3}:\d{2}:\d{2}$")


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
        jobflow-remote state, e.g. ``COMPLETED``, ``FAILED``, ``REMOTE_ERROR``.
    process_id : str or None
        Scheduler job id (SLURM/PBS) of the last submission.
    error : str or None
        Error text for FAILED (the Job's traceback) or REMOTE_ERROR (the
        runner's error while uploading, submitting or downloading).
    """

    name: str
    uuid: str
    db_id: str
    state: str
    process_id: str | None
    error: str | None


# --------------------------------------------------------------------------
# projects
# --------------------------------------------------------------------------


def mpi_launcher(default: str | None = None) -> str:
    """Return the command that runs a Python script on all MPI ranks.

    Parameters
    ----------
    default : str, optional
        Used when :data:`MPI_LAUNCHER_ENV` is unset (e.g. ``"gpaw python"`` for
        a serial run). Without it, plain ``sys.executable`` is returned.

    Returns
    -------
    str
        E.g. ``"mpiexec -np 64 gpaw python"``; append the script path.
    """
    return os.environ.get(MPI_LAUNCHER_ENV) or default or sys.executable


def _check_walltime(walltime: str) -> str:
    if not _WALLTIME.match(walltime):
        raise CudissInputError(f"walltime {walltime!r} is not [D-]HH:MM:SS")
    return walltime


def _worker_pre_run(pre_run: Sequence[str], launcher: str) -> str:
    # exported first so user lines (module load, venv) can still override them
    lines = [
        "export OMP_NUM_THREADS=1",
        "export OPENBLAS_NUM_THREADS=1",
        f"export {MPI_LAUNCHER_ENV}={shlex.quote(launcher)}",
        *pre_run,
    ]
    return "\n".join(lines)


def _resources(
    scheduler: Scheduler,
    nodes: int,
    ntasks_per_node: int,
    walltime: str,
    partition: str | None,
    account: str | None,
) -> dict[str, Any]:
    # keys are those of qtoolkit's templates (qtoolkit/io/templates/*)
    if scheduler == "slurm":
        res: dict[str, Any] = {
            "nodes": nodes,
            "ntasks_per_node": ntasks_per_node,
            "cpus_per_task": 1,
            "time": walltime,
            "partition": partition,
            "account": account,
        }
    else:
        res = {
            "select": f"select={nodes}:ncpus={ntasks_per_node}:mpiprocs={ntasks_per_node}",
            "walltime": walltime,
            "queue": partition,
            "account": account,
        }
    return {k: v for k, v in res.items() if v is not None}


def mongo_store(
    collection: str,
    host: str = "localhost",
    port: int = 27017,
    database: str = "cudiss",
    username: str | None = None,
    password: str | None = None,
) -> dict[str, Any]:
    """Spec of a maggma ``MongoStore`` in the form jobflow-remote reads.

    Parameters
    ----------
    collection : str
        Collection name (``jobs`` for the queue, ``outputs`` for results).
    host, port, database : str, int, str
        The MongoDB server and database.
    username, password : str, optional
        Credentials; prefer a ``~/.jfremote`` file readable only by you.

    Returns
    -------
    dict
        ``{"type": "MongoStore", ...}``.
    """
    spec: dict[str, Any] = {
        "type": "MongoStore",
        "host": host,
        "port": port,
        "database": database,
        "collection_name": collection,
    }
    if username:
        spec["username"] = username
    if password:
        spec["password"] = password
    return spec


def monty_store(path: str | Path, collection: str = "outputs") -> dict[str, Any]:
    """Spec of an on-disk (sqlite) maggma ``MontyStore`` for job outputs.

    Parameters
    ----------
    path : str or Path
        Folder holding the database files; created on first use.
    collection : str
        Collection name.

    Returns
    -------
    dict
        ``{"type": "MontyStore", ...}``; usable as a JobStore ``docs_store``,
        not as a jobflow-remote queue store (montydb lacks the aggregation and
        pipeline updates the queue needs).
    """
    return {
        "type": "MontyStore",
        "database_path": str(Path(path).expanduser().resolve()),
        "database_name": "cudiss",
        "collection_name": collection,
        "storage": "sqlite",
    }


def _jobstore(docs_store: dict[str, Any]) -> dict[str, Any]:
    """A JobStore spec with the ``data`` store that cudiss and atomate2 Jobs need.

    Jobs declared with ``@job(data=...)`` (the CI-NEB's images and forces,
    atomate2's trajectories) put large fields into an additional store named
    ``data``; without it jobflow raises "Unrecognised additional store name".
    It is the docs store's kind, in the collection ``<name>_data``.
    """
    data_store = {**docs_store, "collection_name": f"{docs_store['collection_name']}_data"}
    return {"docs_store": docs_store, "additional_stores": {"data": data_store}}


def _validate(data: dict[str, Any]) -> Any:
    from jobflow_remote.config.base import Project

    try:
        return Project.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        msg = str(first["msg"]).splitlines()[0]
        raise CudissInputError(f"invalid jobflow-remote project ({where}): {msg}") from None


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
        ``[D-]HH:MM:SS``.
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
        (:func:`mongo_store`). jobflow-remote's daemon and ``jf`` CLI need it.
    docs_store : dict, optional
        Output store; default MongoDB collection ``outputs``.
    base_dir : str or Path, optional
        Folder for the runner's logs and daemon files (default
        ``~/.jfremote/NAME``).

    Returns
    -------
    jobflow_remote.config.base.Project
        Validated project with workers ``<scheduler>`` (the cluster queue) and
        ``local`` (a shell worker on the runner's machine, for quick checks).

    Raises
    ------
    CudissInputError
        Bad walltime, counts or anything jobflow-remote's model rejects.
    """
    if scheduler not in ("slurm", "pbs"):
        raise CudissInputError(f"scheduler must be 'slurm' or 'pbs', not {scheduler!r}")
    if nodes < 1 or ntasks_per_node < 1:
        raise CudissInputError("nodes and ntasks per node must be at least 1")
    _check_walltime(walltime)
    if not Path(work_dir).is_absolute():
        raise CudissInputError(f"work_dir must be an absolute path on the cluster: {work_dir}")
    launcher = mpi_launcher_cmd.replace("{ntasks}", str(nodes * ntasks_per_node))
    worker: dict[str, Any] = {
        "type": "remote" if host else "local",
        "scheduler_type": scheduler,
        "work_dir": str(work_dir),
        "resources": _resources(scheduler, nodes, ntasks_per_node, walltime, partition, account),
        "pre_run": _worker_pre_run(pre_run, launcher),
    }
    if host:
        worker["host"] = host
        if user:
            worker["user"] = user
    local = {
        "type": "local",
        "scheduler_type": "shell",
        "work_dir": str(Path(base_dir or Path.home() / ".jfremote" / name) / "local_runs"),
        "pre_run": _worker_pre_run(pre_run, "gpaw python"),
    }
    data: dict[str, Any] = {
        "name": name,
        "workers": {scheduler: worker, "local": local},
        "queue": {"store": queue_store or mongo_store("jobs")},
        "jobstore": _jobstore(docs_store or mongo_store("outputs")),
    }
    if base_dir is not None:
        data["base_dir"] = str(Path(base_dir).expanduser().resolve())
    return _validate(data)


def local_project(
    name: str,
    base_dir: str | Path,
    *,
    scheduler: Literal["slurm", "shell"] = "slurm",
    walltime: str = "00:10:00",
    ntasks: int = 1,
    pre_run: Sequence[str] = (),
    runner_delay: float = 1.0,
) -> Any:
    """Build the test project: no database server, queue on this machine.

    The queue lives in a maggma ``MemoryStore`` (so it exists only inside the
    process that runs :func:`run_flow_in_process`); outputs go to an on-disk
    ``MontyStore`` under ``base_dir/outputs`` and stay readable afterwards.
    jobflow-remote's daemon cannot use this project: it needs MongoDB.

    Parameters
    ----------
    name : str
        Project name.
    base_dir : str or Path
        Folder for outputs, Job folders (``runs``), logs and the state snapshot.
    scheduler : {"slurm", "shell"}
        ``slurm`` submits every Job with ``sbatch`` (e.g. to
        ``scripts/slurm-local.sh``); ``shell`` runs it as a background process.
    walltime : str
        SLURM time limit per Job.
    ntasks : int
        MPI ranks per Job (sets ``CUDISS_MPI_LAUNCHER``).
    pre_run : sequence of str
        Extra shell lines before each Job.
    runner_delay : float
        Seconds between the runner's polls; jobflow-remote's default (30 s)
        makes a three-Job test take minutes.

    Returns
    -------
    jobflow_remote.config.base.Project
        Validated project with one worker, ``local``.
    """
    _check_walltime(walltime)
    base = Path(base_dir).expanduser().resolve()
    launcher = "gpaw python" if ntasks == 1 else f"mpiexec -np {ntasks} gpaw python"
    worker: dict[str, Any] = {
        "type": "local",
        "scheduler_type": scheduler,
        "work_dir": str(base / "runs"),
        "pre_run": _worker_pre_run(pre_run, launcher),
        "execution_cmd": f"{_default_jf()} -fe execution run {{}}",
    }
    if scheduler == "slurm":
        worker["resources"] = {"nodes": 1, "ntasks": ntasks, "time": walltime}
    delay = float(runner_delay)
    data = {
        "name": name,
        "base_dir": str(base),
        "workers": {"local": worker},
        "queue": {"store": {"type": "MemoryStore", "collection_name": "jobs"}},
        "jobstore": _jobstore(monty_store(base / "outputs")),
        "runner": {
            "delay_checkout": delay,
            "delay_check_run_status": delay,
            "delay_advance_status": delay,
            # a failed upload/submit is retried after these many seconds
            "delta_retry": [delay, 5 * delay, 10 * delay],
        },
    }
    return _validate(data)


def default_projects_dir() -> Path:
    """Folder where jobflow-remote looks for projects (``~/.jfremote`` by default)."""
    from jobflow_remote import SETTINGS

    return Path(SETTINGS.projects_folder).expanduser()


def write_project(
    project: Any, directory: str | Path | None = None, overwrite: bool = False
) -> Path:
    """Write a project as ``NAME.yaml``, after validating it again.

    Parameters
    ----------
    project : Project or dict
        A jobflow-remote ``Project`` (from :func:`hpc_project` or
        :func:`local_project`) or its dict form.
    directory : str or Path, optional
        Target folder; default :func:`default_projects_dir`.
    overwrite : bool
        Replace an existing file of the same name.

    Returns
    -------
    Path
        The written file.

    Raises
    ------
    CudissInputError
        Invalid project, or the file exists and ``overwrite`` is False.
    """
    if isinstance(project, dict):
        project = _validate(project)
    folder = Path(directory).expanduser() if directory else default_projects_dir()
    path = folder / f"{project.name}.yaml"
    if path.exists() and not overwrite:
        raise CudissInputError(f"{path} exists; pass --force to replace it")
    data = project.model_dump(mode="json", exclude_none=True)
    _validate(data)  # what is written must read back
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def load_project(name: str | None = None, directory: str | Path | None = None) -> Any:
    """Read and validate a project written by :func:`write_project`.

    Parameters
    ----------
    name : str, optional
        Project name; default: the only project in the folder, or
        jobflow-remote's configured default project.
    directory : str or Path, optional
        Projects folder; default :func:`default_projects_dir`.

    Returns
    -------
    jobflow_remote.config.base.Project
    """
    from jobflow_remote.config.base import ConfigError

    with projects_dir(directory):
        from jobflow_remote.config.manager import ConfigManager

        try:
            return ConfigManager().get_project(name)
        except ConfigError as exc:
            msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise CudissInputError(f"jobflow-remote project: {msg}") from None


@contextlib.contextmanager
def projects_dir(directory: str | Path | None) -> Iterator[Path]:
    """Temporarily point jobflow-remote at another projects folder.

    jobflow-remote reads ``SETTINGS.projects_folder`` whenever a
    ``ConfigManager`` (and so a ``Runner``) is created; tests and
    ``--projects-dir`` must not touch the user's ``~/.jfremote``.

    Parameters
    ----------
    directory : str or Path or None
        Folder to use; None leaves the setting alone.

    Yields
    ------
    Path
        The folder in effect.
    """
    from jobflow_remote import SETTINGS

    old = SETTINGS.projects_folder
    if directory is not None:
        SETTINGS.projects_folder = str(Path(directory).expanduser().resolve())
    try:
        yield Path(SETTINGS.projects_folder)
    finally:
        SETTINGS.projects_folder = old


# --------------------------------------------------------------------------
# running
# --------------------------------------------------------------------------


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
        Worker name; default the project's first worker.
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
        Unknown project/worker/exec_config.
    """
    import jobflow_remote
    from jobflow_remote.config.base import ConfigError

    with projects_dir(directory):
        proj = load_project(project, directory)
        if worker is not None and worker not in proj.workers:
            raise CudissInputError(
                f"project {proj.name!r} has no worker {worker!r} (has: {', '.join(proj.workers)})"
            )
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
    lives in this process. Meant for :func:`local_project` projects (tests, a
    workstation); works with a MongoDB queue too.

    Parameters
    ----------
    flow : jobflow.Flow
        The Flow to run.
    project : str, optional
        Project name; default jobflow-remote's current project.
    worker : str, optional
        Worker name; default the project's first worker.
    directory : str or Path, optional
        Projects folder; default ``~/.jfremote``.
    max_seconds : float
        Give up (``TimeoutError``) when Jobs are still pending after this.

    Returns
    -------
    list of JobStateRow
        Final state of every Job. Also written to ``base_dir/job_states.json``
        so ``cudiss status`` can show it after this process is gone.
    """
    from jobflow_remote.jobs.runner import Runner

    with projects_dir(directory):
        proj = load_project(project, directory)
        worker = worker or next(iter(proj.workers), None)
        if worker not in proj.workers:
            raise CudissInputError(f"project {proj.name!r} has no worker {worker!r}")
        runner = Runner(project_name=proj.name)
        jc = runner.job_controller
        try:
            # A MemoryStore queue exists only in this Runner's JobController:
            # Flows must be added through it, after a reset creates the id
            # counter document that add_flow needs.
            if is_memory_queue(proj):
                # reset() also rebuilds the output store's indexes; montydb has no
                # drop_indexes, which jobflow-remote logs as a harmless warning
                jc_logger = logging.getLogger("jobflow_remote.jobs.jobcontroller")
                level = jc_logger.level
                jc_logger.setLevel(logging.ERROR)
                try:
                    jc.reset(max_limit=0)
                finally:
                    jc_logger.setLevel(level)
            jc.add_flow(flow, worker=worker)
            try:
                runner.run_all_jobs(max_seconds=int(max_seconds))
            except RuntimeError as exc:
                if "within the selected amount of time" in str(exc):
                    raise TimeoutError(
                        f"jobs of flow {flow.name!r} still pending after {max_seconds} s"
                    ) from None
                raise
            finally:
                rows = _rows_from_controller(jc, flow_ids=[flow.uuid])
                _write_snapshot(proj, rows)
        finally:
            runner.cleanup()
    return rows


def is_memory_queue(project: Any) -> bool:
    """True if the project's queue is a maggma ``MemoryStore`` (test projects).

    Parameters
    ----------
    project : jobflow_remote.config.base.Project
        The project.

    Returns
    -------
    bool
        Such a queue exists only inside :func:`run_flow_in_process`.
    """
    store = project.queue.store
    return store.get("type") == "MemoryStore" or str(store.get("@class", "")) == "MemoryStore"


def _error_text(info: Any) -> str | None:
    parts = []
    if info.error:
        parts.append(info.error.strip())
    if info.remote and info.remote.error:
        parts.append(info.remote.error.strip())
    return "\n".join(parts) or None


def _rows_from_controller(jc: Any, flow_ids: list[str] | None = None) -> list[JobStateRow]:
    infos = jc.get_jobs_info(flow_ids=flow_ids, sort=[("db_id", 1)]) if flow_ids else []
    if not flow_ids:
        infos = jc.get_jobs_info(sort=[("db_id", 1)])
    return [
        JobStateRow(
            name=i.name,
            uuid=i.uuid,
            db_id=str(i.db_id),
            state=i.state.value,
            process_id=i.remote.process_id if i.remote else None,
            error=_error_text(i),
        )
        for i in infos
    ]


def _write_snapshot(project: Any, rows: list[JobStateRow]) -> Path:
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
        queue, from the snapshot of the last :func:`run_flow_in_process`.
    """
    proj = load_project(project, directory)
    if is_memory_queue(proj):
        path = Path(proj.base_dir) / STATES_SNAPSHOT
        if not path.exists():
            return []
        # the snapshot holds exactly one run (the last), so flow_ids is moot
        return [JobStateRow(**r) for r in json.loads(path.read_text())]
    jc = proj.get_job_controller()
    try:
        return _rows_from_controller(jc, flow_ids)
    finally:
        jc.close()


def open_jobstore(project: str | None = None, directory: str | Path | None = None) -> Any:
    """Connect to a project's output JobStore (read the results of a run).

    Parameters
    ----------
    project : str, optional
        Project name.
    directory : str or Path, optional
        Projects folder.

    Returns
    -------
    jobflow.JobStore
        Connected; use ``store.get_output(uuid)``.
    """
    store = load_project(project, directory).get_jobstore()
    store.connect()
    return store


def removal_results(project: str | None = None, directory: str | Path | None = None) -> list:
    """The Cu-removal results (``RemovalResult``) a project's runs stored.

    The project's output store is a plain jobflow ``JobStore`` (MongoDB, or a
    ``MontyStore`` for test projects), which :func:`cudiss.workflows.store.results_in`
    reads like the local store.

    Parameters
    ----------
    project : str, optional
        Project name.
    directory : str or Path, optional
        Projects folder.

    Returns
    -------
    list of cudiss.analysis.documents.RemovalResult
        Newest document per configuration, sorted by configuration id.
    """
    from cudiss.workflows.store import results_in

    store = open_jobstore(project, directory)
    try:
        return results_in(store)
    finally:
        store.close()


# --------------------------------------------------------------------------
# smoke-test Jobs: a tiny EMT flow that proves a worker/queue works
# --------------------------------------------------------------------------
# They live in the package (not in tests/) because a queued Job runs in a
# fresh process on the compute node, which must import them by module path.


def _where() -> dict[str, Any]:
    return {
        "slurm_job_id": os.environ.get("SLURM_JOB_ID"),
        "pbs_job_id": os.environ.get("PBS_JOBID"),
        "host": socket.gethostname(),
        "pid": os.getpid(),
    }


@job
def smoke_slab_energy(layers: int = 3) -> dict[str, Any]:
    """EMT energy of a 2x2 Cu(100) slab (seconds), plus where it ran.

    Parameters
    ----------
    layers : int
        Number of layers.

    Returns
    -------
    dict
        ``energy`` (eV), ``natoms`` and the scheduler job id / host / pid.
    """
    from ase.build import fcc100
    from ase.calculators.emt import EMT

    slab = fcc100("Cu", size=(2, 2, layers), vacuum=6.0)
    slab.calc = EMT()
    return {"energy": float(slab.get_potential_energy()), "natoms": len(slab), **_where()}


@job
def smoke_adatom_energy(layers: int = 3, fmax: float = 0.05) -> dict[str, Any]:
    """EMT-relaxed energy of the same slab with a Cu adatom in the hollow site.

    Parameters
    ----------
    layers : int
        Number of layers.
    fmax : float
        Force criterion (eV/Å) of the BFGS relaxation of the adatom.

    Returns
    -------
    dict
        ``energy`` (eV), ``natoms`` and the scheduler job id / host / pid.
    """
    from ase.build import add_adsorbate, fcc100
    from ase.calculators.emt import EMT
    from ase.constraints import FixAtoms
    from ase.optimize import BFGS

    slab = fcc100("Cu", size=(2, 2, layers), vacuum=6.0)
    add_adsorbate(slab, "Cu", 1.8, "hollow")
    # only the adatom moves: the check is about the queue, not the physics
    slab.set_constraint(FixAtoms(indices=list(range(len(slab) - 1))))
    slab.calc = EMT()
    BFGS(slab, logfile=None).run(fmax=fmax, steps=100)
    return {"energy": float(slab.get_potential_energy()), "natoms": len(slab), **_where()}


@job
def smoke_adatom_binding(
    slab: dict[str, Any], adatom: dict[str, Any], wait_for: Any = None
) -> dict[str, Any]:
    """Adatom energy E(slab+Cu) - E(slab) from the two previous Jobs.

    Parameters
    ----------
    slab, adatom : dict
        Outputs of :func:`smoke_slab_energy` and :func:`smoke_adatom_energy`.
    wait_for : Any, optional
        Unused; passing another Job's output makes this Job depend on it.

    Returns
    -------
    dict
        ``delta_e`` (eV) and the scheduler job id / host / pid.
    """
    return {"delta_e": adatom["energy"] - slab["energy"], **_where()}


@job
def smoke_fail(message: str = "deliberate failure") -> None:
    """Raise ``RuntimeError(message)``: checks that failures are reported.

    Parameters
    ----------
    message : str
        Error text expected back in :func:`job_states`.
    """
    raise RuntimeError(message)


def smoke_test_flow(fail: bool = False) -> Flow:
    """Three EMT Jobs (two independent, one depending on both), optionally failing.

    Parameters
    ----------
    fail : bool
        Add a fourth Job that raises, and make the binding Job depend on it too
        so its state shows what a failure does to children.

    Returns
    -------
    jobflow.Flow
        Named ``cudiss-smoke-test``.
    """
    slab = smoke_slab_energy()
    adatom = smoke_adatom_energy()
    jobs = [slab, adatom]
    wait_for = None
    if fail:
        bad = smoke_fail()
        jobs.append(bad)
        wait_for = bad.output
    jobs.append(smoke_adatom_binding(slab.output, adatom.output, wait_for=wait_for))
    return Flow(jobs, name="cudiss-smoke-test")
