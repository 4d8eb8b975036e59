"""``cudiss hpc check``, ``cudiss submit`` and ``cudiss status`` (``hpc init``: :mod:`.hpc_init`).

Thin wrappers over the ``cudiss.workflows.hpc.*`` modules; see ``docs/hpc.md``.
They import those modules inside the commands, so that ``cudiss --help`` and
the other commands start without loading them.
"""

from __future__ import annotations

import warnings
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
    """Run the three-Job EMT smoke test in process through the project's workers.

    Without --worker: through every worker the project's routing names (the
    batch worker and the plain one), else through its first worker.
    """
    from cudiss.workflows.hpc.batch import check_batch_workers
    from cudiss.workflows.hpc.checks import check_seconds
    from cudiss.workflows.hpc.project_files import load_project
    from cudiss.workflows.hpc.routing import project_routing

    check_seconds("--max-seconds", max_seconds)
    proj = load_project(project, projects_dir)
    _check_worker(proj, worker)
    batch_workers = check_batch_workers(proj)
    routing = project_routing(proj)
    if worker is not None:
        workers = [worker]
    elif routing is not None:
        workers = list(dict.fromkeys(routing.values()))
    else:
        workers = [next(iter(proj.workers))]
    flow, worker_of = _smoke_flows(workers)
    with warnings.catch_warnings():
        # the smoke flows of two workers share no Job: jobflow says so, harmlessly
        warnings.filterwarnings("ignore", message="Some jobs are not connected")
        rows = _run_in_process(flow, proj, worker, projects_dir, max_seconds)
    _print_states(rows, full=True)
    for name in workers:
        ids = sorted({r.process_id for r in rows if worker_of[r.uuid] == name and r.process_id})
        kind = "batch worker" if name in batch_workers else "worker"
        queue_ids = ", ".join(ids) or "none"
        typer.echo(
            f"{kind} {name}: {sum(worker_of[r.uuid] == name for r in rows)} Jobs in "
            f"{len(ids)} queue job(s) ({queue_ids})"
        )
    if any(r.state != "COMPLETED" for r in rows):
        raise typer.Exit(code=1)


def _smoke_flows(workers: list[str]) -> tuple[Any, dict[str, str]]:
    """One smoke-test Flow per worker (names prefixed by the worker when several).

    Returns the Flow to run and Job uuid -> worker.
    """
    from jobflow import Flow
    from jobflow_remote import set_run_config

    from cudiss.workflows.hpc.smoke import smoke_test_flow

    flows, worker_of = [], {}
    for name in workers:
        flow = smoke_test_flow()
        for job in flow.jobs:
            if len(workers) > 1:
                job.name = f"{name}: {job.name}"
            set_run_config(job, worker=name)
            worker_of[job.uuid] = name
        flows.append(flow)
    return (flows[0] if len(flows) == 1 else Flow(flows, name="smoke test")), worker_of


@app.command("submit")
def submit(
    campaign: Annotated[Path, typer.Argument(help="Campaign YAML file.")],
    project: Annotated[
        str | None, typer.Option("--project", "-p", help="jobflow-remote project.")
    ] = None,
    worker: Annotated[
        str | None,
        typer.Option(
            "--worker",
            "-w",
            help="Send every Job to this worker (default: the project's routing -- short "
            "Jobs to its batch worker, GPAW Jobs to the queue -- else its first worker).",
        ),
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
    from cudiss.workflows.hpc.batch import check_batch_workers
    from cudiss.workflows.hpc.checks import check_seconds
    from cudiss.workflows.hpc.project_files import load_project
    from cudiss.workflows.hpc.projects import is_memory_queue
    from cudiss.workflows.hpc.routing import assign_jobs, project_routing
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
    check_batch_workers(proj)
    project_routing(proj)
    if not in_process and is_memory_queue(proj):
        raise CudissInputError(f"project {proj.name!r} keeps its queue in memory; use --in-process")
    if not in_process:
        check_mongo_reachable(proj)
    flow = campaign_to_flow(campaign)
    counts = assign_jobs(flow, proj, worker)
    how = "--worker" if worker else "routing" if project_routing(proj) else "first worker"
    typer.echo(f"{how}: " + ", ".join(f"{n} Jobs -> {w}" for w, n in counts.items()))
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
    from cudiss.workflows.hpc.status import state_label

    colours = {"COMPLETED": "green", "FAILED": "red", "REMOTE_ERROR": "red", "STOPPED": "yellow"}
    for r in rows:
        error = r.error or ""
        if error and not full:
            # the last line of a traceback names the exception and its message
            error = error.strip().splitlines()[-1]
        label = state_label(r)  # e.g. STOPPED (walltime), COMPLETED, resumed
        state = f"[{colours[r.state]}]{label}[/]" if r.state in colours else label
        uuid = r.uuid if full else r.uuid[:8]
        table.add_row(r.db_id, r.name, state, r.process_id or "", uuid, error)
    console.print(table)


# registers `cudiss hpc init` on hpc_app (a module of its own: it has many options)
from cudiss.workflows.cli import hpc_init  # noqa: E402, F401
