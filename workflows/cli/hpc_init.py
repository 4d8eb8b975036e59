"""``cudiss hpc init``: write a jobflow-remote project (plain and batch workers), checked first.

Every value is checked before anything is written (:mod:`cudiss.workflows.hpc.checks`,
:mod:`cudiss.workflows.hpc.batch`); see ``docs/hpc.md`` for what each option accepts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cudiss.structures.errors import CudissInputError
from cudiss.workflows.cli.hpc import ProjectsDir, hpc_app


@hpc_app.command("init")
def hpc_init(
    name: Annotated[str, typer.Argument(help="Project name (file NAME.yaml).")],
    scheduler: Annotated[
        str, typer.Option("--scheduler", help="slurm or pbs (with --local: slurm or shell).")
    ] = "slurm",
    work_dir: Annotated[
        str | None,
        typer.Option("--work-dir", help="Absolute folder on the cluster for the Job folders."),
    ] = None,
    partition: Annotated[
        str | None, typer.Option("--partition", "--queue", help="Partition / PBS queue.")
    ] = None,
    nodes: Annotated[int, typer.Option("--nodes", help="Nodes per Job.")] = 1,
    ntasks: Annotated[
        int, typer.Option("--ntasks", "--ntasks-per-node", help="MPI ranks per node (GPAW ranks).")
    ] = 1,
    walltime: Annotated[
        str,
        typer.Option(
            "--walltime", help="Per Job: MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS."
        ),
    ] = "01:00:00",
    memory: Annotated[
        str | None,
        typer.Option("--mem", help="Memory per node, e.g. 64G (K, M, G, T; default unit M)."),
    ] = None,
    account: Annotated[str | None, typer.Option("--account", help="Account charged.")] = None,
    pre_run: Annotated[
        list[str] | None,
        typer.Option(
            "--pre-run", help="Shell line before each Job (repeatable), e.g. 'module load gpaw'."
        ),
    ] = None,
    mpi_launcher: Annotated[
        str | None,
        typer.Option(
            "--mpi-launcher",
            help="MPI command for GPAW scripts; {ntasks} = nodes x ranks per node "
            "(default: mpiexec -np {ntasks} gpaw python).",
        ),
    ] = None,
    host: Annotated[
        str | None, typer.Option("--host", help="Reach the cluster over SSH from here.")
    ] = None,
    user: Annotated[str | None, typer.Option("--user", help="SSH user for --host.")] = None,
    mongo_host: Annotated[
        str | None, typer.Option("--mongo-host", help="MongoDB host (default: localhost).")
    ] = None,
    mongo_port: Annotated[
        int | None, typer.Option("--mongo-port", help="MongoDB port (default: 27017).")
    ] = None,
    database: Annotated[
        str | None, typer.Option("--database", help="MongoDB database (default: cudiss).")
    ] = None,
    local: Annotated[
        bool,
        typer.Option(
            "--local", help="Test project: no MongoDB, in-process runner, outputs on disk."
        ),
    ] = False,
    base_dir: Annotated[
        Path | None,
        typer.Option("--base-dir", help="Logs, --local outputs (default: PROJECTS/NAME)."),
    ] = None,
    projects_dir: ProjectsDir = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace an existing project file.")
    ] = False,
    batch: Annotated[
        bool,
        typer.Option(
            "--batch",
            help="Also write a batch worker 'batch' (many short Jobs per allocation) and "
            "route short Jobs there, GPAW Jobs to the plain worker.",
        ),
    ] = False,
    batch_queue_limit: Annotated[
        int | None,
        typer.Option(
            "--batch-queue-limit", help="Batch allocations in the queue at once (2; --local 1)."
        ),
    ] = None,
    batch_max_jobs: Annotated[
        int | None,
        typer.Option("--batch-max-jobs", help="Jobs one batch allocation runs at most (500)."),
    ] = None,
    batch_max_wait: Annotated[
        float | None,
        typer.Option(
            "--batch-max-wait",
            help="Seconds an allocation waits with no Job to run before it ends (300; --local 15).",
        ),
    ] = None,
    batch_max_time: Annotated[
        float | None,
        typer.Option(
            "--batch-max-time",
            help="Seconds after which an allocation starts no new Job "
            "(batch walltime - 10 min, at least half of it).",
        ),
    ] = None,
    batch_parallel: Annotated[
        int | None,
        typer.Option(
            "--batch-parallel",
            help="Jobs run at once in an allocation, a core each (4; --local 1).",
        ),
    ] = None,
    batch_walltime: Annotated[
        str | None,
        typer.Option(
            "--batch-walltime", help="Walltime of a batch allocation (01:00:00; --local 00:30:00)."
        ),
    ] = None,
    batch_handle_dir: Annotated[
        str | None,
        typer.Option(
            "--batch-handle-dir",
            help="Absolute folder through which the runner hands Jobs to allocations "
            "(WORK_DIR/batch/NAME/handle; --local BASE/batch/handle).",
        ),
    ] = None,
) -> None:
    """Write a jobflow-remote project for a SLURM or PBS cluster (or a --local test one).

    Every value is checked before anything is written; a refused command
    leaves the projects folder as it was.
    """
    from cudiss.workflows.hpc import checks
    from cudiss.workflows.hpc.batch import batch_from_options
    from cudiss.workflows.hpc.project_files import default_projects_dir, write_project
    from cudiss.workflows.hpc.projects import DEFAULT_MPI_LAUNCHER, hpc_project, local_project
    from cudiss.workflows.hpc.stores import mongo_store

    checks.check_project_name(name)
    folder = checks.check_folder("--projects-dir", projects_dir or default_projects_dir())
    if base_dir is not None:
        checks.check_folder("--base-dir", base_dir)
    if batch and local and scheduler == "shell":
        raise CudissInputError(
            "--batch needs --scheduler slurm: a shell worker runs every Job as a process "
            "on this machine, with no queue to batch"
        )
    batch_settings = batch_from_options(
        batch,
        local,
        {
            "--batch-queue-limit": ("queue_limit", batch_queue_limit),
            "--batch-max-jobs": ("max_jobs", batch_max_jobs),
            "--batch-max-wait": ("max_wait", batch_max_wait),
            "--batch-max-time": ("max_time", batch_max_time),
            "--batch-parallel": ("parallel", batch_parallel),
            "--batch-walltime": ("walltime", batch_walltime),
            "--batch-handle-dir": ("handle_dir", batch_handle_dir),
        },
    )
    if local:
        if scheduler not in ("slurm", "shell"):
            raise CudissInputError(f"--local needs --scheduler slurm or shell, not {scheduler!r}")
        unused = {
            "--work-dir": work_dir,
            "--partition": partition,
            "--account": account,
            "--mem": memory,
            "--mpi-launcher": mpi_launcher,
            "--host": host,
            "--user": user,
            "--mongo-host": mongo_host,
            "--mongo-port": mongo_port,
            "--database": database,
        }
        given = [option for option, value in unused.items() if value is not None]
        if given:
            raise CudissInputError(
                f"{given[0]} has no effect with --local (a test project runs its Jobs on this "
                "machine, queue in memory, outputs on disk); leave it out"
            )
        checks.check_count("--nodes", nodes)
        checks.check_count("--ntasks", ntasks)
        project = local_project(
            name,
            base_dir or folder / name,
            scheduler=scheduler,  # type: ignore[arg-type]
            walltime=walltime,
            ntasks=nodes * ntasks,
            pre_run=[checks.check_shell_line("--pre-run", line) for line in pre_run or ()],
            batch=batch_settings,
        )
    else:
        if scheduler not in ("slurm", "pbs"):
            hint = " (shell is for --local test projects)" if scheduler == "shell" else ""
            raise CudissInputError(f"--scheduler must be slurm or pbs, not {scheduler!r}{hint}")
        if not work_dir:
            raise CudissInputError("--work-dir (absolute path on the cluster) is required")
        if user is not None and host is None:
            raise CudissInputError("--user is the SSH user of --host: give --host too")
        checks.check_count("--nodes", nodes)
        checks.check_count("--ntasks", ntasks)
        checks.check_script_path("--work-dir", work_dir)
        checks.check_walltime(walltime)
        if memory is not None:
            checks.check_memory(memory)
        lines = [checks.check_shell_line("--pre-run", line) for line in pre_run or ()]
        launcher = checks.check_mpi_launcher(
            mpi_launcher if mpi_launcher is not None else DEFAULT_MPI_LAUNCHER
        )
        if partition is not None:
            checks.check_scheduler_word("--partition", partition)
        if account is not None:
            checks.check_scheduler_word("--account", account)
        if host is not None:
            checks.check_host("--host", host)
        if user is not None:
            checks.check_user("--user", user)
        db_host = checks.check_host("--mongo-host", mongo_host or "localhost")
        db_port = checks.check_port("--mongo-port", 27017 if mongo_port is None else mongo_port)
        db_name = checks.check_database("--database", database or "cudiss")
        project = hpc_project(
            name,
            scheduler,  # type: ignore[arg-type]
            work_dir=work_dir,
            nodes=nodes,
            ntasks_per_node=ntasks,
            walltime=walltime,
            partition=partition,
            account=account,
            pre_run=lines,
            mpi_launcher_cmd=launcher,
            host=host,
            user=user,
            queue_store=mongo_store("jobs", db_host, db_port, db_name),
            docs_store=mongo_store("outputs", db_host, db_port, db_name),
            base_dir=base_dir or folder / name,
            memory=memory,
            batch=batch_settings,
        )
    path = write_project(project, folder, overwrite=force)
    typer.echo(f"wrote {path}")
    if batch_settings is not None:
        plain = "local" if local else scheduler
        typer.echo(
            f"workers: {plain} (one queue job per Job), batch (up to "
            f"{batch_settings.max_jobs or 'any number of'} Jobs per allocation); "
            f"routing: short Jobs (no calculator, EMT or an MLIP) -> batch, GPAW Jobs -> {plain}"
        )
    if local:
        typer.echo(f"run with: cudiss submit CAMPAIGN.yaml --project {name} --in-process")
    else:
        typer.echo(
            f"next: `jf -p {name} admin reset` once (needs MongoDB at {db_host}:{db_port}), "
            f"`cudiss submit CAMPAIGN.yaml --project {name}`, `jf -p {name} runner start`"
        )
