"""``cudiss hpc init``, ``cudiss hpc check``, ``cudiss submit`` and ``cudiss status``.

Thin wrappers over the ``cudiss.workflows.hpc.*`` modules; see ``docs/hpc.md``.
They import those modules inside the commands, so that ``cudiss --help`` and
the other commands start without loading them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from cudiss.structures.errors import CudissInputError
from cudiss.workflows.cli.app import app, fail

hpc_app = typer.Typer(
    help="Set up and check jobflow-remote projects for SLURM/PBS clusters.",
    no_args_is_help=True,
)
app.add_typer(hpc_app, name="hpc")

# shared by every command; None means jobflow-remote's own folder (~/.jfremote)
ProjectsDir = Annotated[
    Path | None,
    typer.Option("--projects-dir", help="jobflow-remote projects folder (default: ~/.jfremote)."),
]


def campaign_to_flow(path: Path) -> Any:
    """Turn a campaign file into the jobflow Flow that ``cudiss submit`` runs.

    The one seam between the HPC layer and the campaign layer.

    Parameters
    ----------
    path : Path
        Campaign YAML file.

    Returns
    -------
    jobflow.Flow
        ``campaign_flow(load_campaign(path))``.
    """
    # imported here: the campaign module is optional for `hpc init`/`status`
    from cudiss.workflows.campaign import campaign_flow, load_campaign

    return campaign_flow(load_campaign(path))


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
) -> None:
    """Write a jobflow-remote project for a SLURM or PBS cluster (or a --local test one).

    Every value is checked before anything is written; a refused command
    leaves the projects folder as it was.
    """
    from cudiss.workflows.hpc import checks
    from cudiss.workflows.hpc.project_files import default_projects_dir, write_project
    from cudiss.workflows.hpc.projects import DEFAULT_MPI_LAUNCHER, hpc_project, local_project
    from cudiss.workflows.hpc.stores import mongo_store

    checks.check_project_name(name)
    folder = checks.check_folder("--projects-dir", projects_dir or default_projects_dir())
    if base_dir is not None:
        checks.check_folder("--base-dir", base_dir)
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
        )
    path = write_project(project, folder, overwrite=force)
    typer.echo(f"wrote {path}")
    if local:
        typer.echo(f"run with: cudiss submit CAMPAIGN.yaml --project {name} --in-process")
    else:
        typer.echo(
            f"next: `jf -p {name} admin reset` once (needs MongoDB at {db_host}:{db_port}), "
            f"`cudiss submit CAMPAIGN.yaml --project {name}`, `jf -p {name} runner start`"
        )


def _check_worker(project: Any, worker: str | None) -> None:
    if worker is not None and worker not in project.workers:
        raise CudissInputError(
            f"project {project.name!r} has no worker {worker!r} (has: {', '.join(project.workers)})"
        )


def _run_in_process(flow: Any, project: Any, worker: str | None, projects_dir: Any, seconds):
    """Run a Flow with the Runner; a time-out becomes one error line after the states."""
    from cudiss.workflows.hpc.projects import is_memory_queue
    from cudiss.workflows.hpc.status import job_states
    from cudiss.workflows.hpc.submit import run_flow_in_process

    try:
        return run_flow_in_process(flow, project.name, worker, projects_dir, max_seconds=seconds)
    except TimeoutError as exc:
        # a memory queue left its states in the snapshot: show how far the Jobs got
        if is_memory_queue(project):
            _print_states(job_states(project.name, projects_dir))
        message = f"{exc}; raise --max-seconds, or see `cudiss status -p {project.name}`"
        raise fail(message) from None


@hpc_app.command("check")
def hpc_check(
    project: Annotated[str | None, typer.Option("--project", "-p", help="Project name.")] = None,
    worker: Annotated[str | None, typer.Option("--worker", "-w", help="Worker name.")] = None,
    projects_dir: ProjectsDir = None,
    max_seconds: Annotated[float, typer.Option("--max-seconds", help="Give up after this.")] = 300,
) -> None:
    """Run the three-Job EMT smoke test in process through the project's worker."""
    from cudiss.workflows.hpc.checks import check_seconds
    from cudiss.workflows.hpc.project_files import load_project
    from cudiss.workflows.hpc.smoke import smoke_test_flow

    check_seconds("--max-seconds", max_seconds)
    proj = load_project(project, projects_dir)
    _check_worker(proj, worker)
    rows = _run_in_process(smoke_test_flow(), proj, worker, projects_dir, max_seconds)
    _print_states(rows, full=True)
    if any(r.state != "COMPLETED" for r in rows):
        raise typer.Exit(code=1)


@app.command("submit")
def submit(
    campaign: Annotated[Path, typer.Argument(help="Campaign YAML file.")],
    project: Annotated[
        str | None, typer.Option("--project", "-p", help="jobflow-remote project.")
    ] = None,
    worker: Annotated[
        str | None, typer.Option("--worker", "-w", help="Worker of the project.")
    ] = None,
    in_process: Annotated[
        bool,
        typer.Option("--in-process", help="Run now in this process (test projects; no MongoDB)."),
    ] = False,
    projects_dir: ProjectsDir = None,
    max_seconds: Annotated[
        float | None,
        typer.Option(
            "--max-seconds", help="With --in-process: give up after this (default: 3600)."
        ),
    ] = None,
) -> None:
    """Submit a campaign's Flow to a jobflow-remote project (or run it in process)."""
    from cudiss.workflows.hpc.checks import check_seconds
    from cudiss.workflows.hpc.project_files import load_project
    from cudiss.workflows.hpc.projects import is_memory_queue
    from cudiss.workflows.hpc.stores import check_mongo_reachable
    from cudiss.workflows.hpc.submit import submit_flow

    if campaign.is_dir():
        raise CudissInputError(f"campaign {campaign} is a folder, not a campaign file")
    if not campaign.is_file():
        raise CudissInputError(f"campaign file not found: {campaign}")
    if max_seconds is not None and not in_process:
        raise CudissInputError("--max-seconds only applies with --in-process")
    seconds = check_seconds("--max-seconds", 3600 if max_seconds is None else max_seconds)
    # the project first: a mistake there is found before the campaign is built
    proj = load_project(project, projects_dir)
    _check_worker(proj, worker)
    if not in_process and is_memory_queue(proj):
        raise CudissInputError(f"project {proj.name!r} keeps its queue in memory; use --in-process")
    if not in_process:
        check_mongo_reachable(proj)
    flow = campaign_to_flow(campaign)
    if in_process:
        rows = _run_in_process(flow, proj, worker, projects_dir, seconds)
        _print_states(rows)
        if any(r.state != "COMPLETED" for r in rows):
            raise typer.Exit(code=1)
        return
    ids = submit_flow(flow, proj.name, worker, directory=projects_dir)
    typer.echo(f"submitted {len(ids)} jobs to project {proj.name!r} (db ids {ids[0]}-{ids[-1]})")
    typer.echo(f"start the runner with: jf -p {proj.name} runner start")


@app.command("status")
def status(
    project: Annotated[
        str | None, typer.Option("--project", "-p", help="jobflow-remote project.")
    ] = None,
    projects_dir: ProjectsDir = None,
    full: Annotated[bool, typer.Option("--full", help="Print whole error texts.")] = False,
) -> None:
    """Show every Job of a project: name, state, scheduler id, error."""
    from cudiss.workflows.hpc.status import job_states

    _print_states(job_states(project, projects_dir), full=full)


def _print_states(rows: list[Any], full: bool = False) -> None:
    console = Console()
    if not rows:
        console.print("no jobs")
        return
    table = Table(title=None, show_lines=False)
    for column in ("id", "name", "state", "queue id", "uuid", "error"):
        table.add_column(column, overflow="fold")
    colours = {"COMPLETED": "green", "FAILED": "red", "REMOTE_ERROR": "red"}
    for r in rows:
        error = r.error or ""
        if error and not full:
            # the last line of a traceback names the exception and its message
            error = error.strip().splitlines()[-1]
        state = f"[{colours[r.state]}]{r.state}[/]" if r.state in colours else r.state
        uuid = r.uuid if full else r.uuid[:8]
        table.add_row(r.db_id, r.name, state, r.process_id or "", uuid, error)
    console.print(table)
