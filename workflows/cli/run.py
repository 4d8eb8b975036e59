"""``cudiss run``: run a campaign locally into an on-disk store and print its barriers."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from cudiss.analysis.barrier_columns import calculator_label
from cudiss.analysis.barriers import barrier_warning
from cudiss.analysis.documents import RemovalResult
from cudiss.analysis.methods import method_notes
from cudiss.workflows.cli.app import app


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def _electrode_tag(result: RemovalResult) -> str:
    """How a result's electrode was held, for its calculator cell (a sweep's rows differ so)."""
    if result.electrode == "constant-potential" and result.electrode_target_V_RHE is not None:
        return f" @{result.electrode_target_V_RHE:+.2f} V RHE"
    if result.electrode == "constant-charge":
        return f" @{result.excess_electrons_initial_e or 0.0:+.2f} e"
    return ""


def results_table(results: list[RemovalResult], title: str) -> Table:
    """A rich table of barriers (eV) per configuration."""
    table = Table(title=title)
    for column in ("facet", "site", "adsorbates", "calculator", "state"):
        table.add_column(column)
    for column in ("ΔE‡ fwd (eV)", "ΔE‡ rev (eV)", "ΔE rxn (eV)", "force calls"):
        table.add_column(column, justify="right")
    table.add_column("band check")
    for r in results:
        calculator = r.calculator.code + (f"-{r.calculator.preset}" if r.calculator.preset else "")
        calculator += _electrode_tag(r)
        table.add_row(
            f"Cu({r.facet})",
            r.site_class,
            "+".join(r.adsorbates) or "bare",
            calculator,
            r.state if r.error is None else f"{r.state}: {r.error}",
            _fmt(r.forward_barrier_eV),
            _fmt(r.reverse_barrier_eV),
            _fmt(r.reaction_energy_eV),
            "—" if r.force_calls is None else str(r.force_calls),
            barrier_warning(r) or "—",
        )
    notes = method_notes(calculator_label(r) for r in results)
    if notes:
        table.caption = " ".join(notes)
    return table


@app.command()
def run(
    campaign_file: Path = typer.Argument(..., help="Campaign YAML file."),
    store: str = typer.Option(
        "cudiss-store", "--store", help="Store folder (created if missing), or 'jobflow'."
    ),
    calculator: str | None = typer.Option(
        None,
        "--calculator",
        help="Override the file's calculator: emt, gpaw, gpaw:PRESET, or an MLIP for "
        "screening (not DFT): sevennet, chgnet.",
    ),
    quiet: bool = typer.Option(
        False, "--quiet", help="No progress (status line, or lines per finished step)."
    ),
    ranks: int = typer.Option(
        1,
        "--ranks",
        min=1,
        help="MPI ranks for GPAW steps (mpiexec ... gpaw python); 1 = serial, in-process.",
    ),
) -> None:
    """Run a campaign locally; finished configurations are not recomputed.

    Progress goes to stderr: a live status line in a terminal, one line per
    finished step otherwise. Ctrl-C stops with one line saying what was kept
    (exit code 130); the same command continues from there.
    """
    import os

    from cudiss.workflows import mpi

    if ranks > 1:
        # an execution setting, not physics: it must not enter config ids
        os.environ[mpi.MPI_LAUNCHER_ENV] = mpi.launcher_for_ranks(ranks)
    # The store module first: it turns an unreadable jobflow configuration
    # (read when jobflow is imported) into one error line.
    import cudiss.workflows.store  # noqa: F401
    from cudiss.workflows.calculators import as_spec
    from cudiss.workflows.campaign import load_campaign
    from cudiss.workflows.local import RunInterrupted, run_campaign

    campaign = load_campaign(campaign_file)
    spec = as_spec(calculator) if calculator else None
    console = Console(stderr=True)
    again = "run the same command again to continue: " + shlex.join(["cudiss", *sys.argv[1:]])
    try:
        summary = run_campaign(
            campaign, store, calculator=spec, console=console, show_progress=not quiet
        )
    except RunInterrupted as stop:
        typer.echo(f"{stop.describe(store)}; {again}", err=True)
        raise typer.Exit(130) from None
    except KeyboardInterrupt:
        typer.echo(
            f"interrupted (no step was running; finished configurations are in the store "
            f"{store}); {again}",
            err=True,
        )
        raise typer.Exit(130) from None
    # Piped or redirected output gets the whole table, not an 80-column cut.
    out = Console() if sys.stdout.isatty() else Console(width=200)
    if summary.results or not campaign.mechanism:
        out.print(results_table(summary.results, f"{campaign.name} (store: {store})"))
    if campaign.mechanism:
        out.print(
            f"{summary.gases} gas references and {summary.adsorptions} adsorptions in {store}: "
            f"cudiss table --store {shlex.quote(str(store))} --kind adsorption "
            "(or surface, crossings, co2er, landscape, routes)"
        )
    failed = [r for r in summary.results if r.state == "failed"]
    if failed:
        console.print(f"[red]{len(failed)} configuration(s) failed[/red]; rerun to retry them")
        raise typer.Exit(1)
