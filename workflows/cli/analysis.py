"""``cudiss table`` and ``cudiss plot``: tables and figures from a results store or project.

Both only read results (``cudiss.workflows.store.open_results``; for the
mechanism kinds ``cudiss.workflows.mechanism_store.open_mechanism`` through
:mod:`cudiss.workflows.cli.mechanism`) and hand them to :mod:`cudiss.analysis`;
nothing here runs a calculation. The results come from ``--store PATH`` or from
a jobflow-remote project, ``--project NAME [--projects-dir DIR]``
(:mod:`cudiss.workflows.result_sources`); exactly one of them. Every option is
checked before the store is opened (formats against suffixes, the output's
folder, pH in [-1, 15], Cu²⁺ activity in (0, 1], β in [0, 1], finite
potentials, dpi in [10, 2400], a positive span threshold, the carbon
reservoir, ``--barriers`` che or sjm); a mistake is one ``error:`` line and
exit code 2 with nothing written (the options and checks shared by both are in
:mod:`cudiss.workflows.cli.analysis_inputs`). Files are written atomically, so
an error never leaves a half-written output behind.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import numpy as np
import typer

from cudiss.structures.errors import CudissInputError
from cudiss.workflows.cli import mechanism

# The shared options, the input checks and the sources are in analysis_inputs.py;
# tests import DEFAULT_ACTIVITY from here, as before the split.
from cudiss.workflows.cli.analysis_inputs import (
    DEFAULT_ACTIVITY,
    ActivityOption,
    BarriersOption,
    BetaOption,
    CarbonOption,
    PhOption,
    PotentialOption,
    ProjectOption,
    ProjectsDirOption,
    ScaleOption,
    ThresholdOption,
    _check_conditions,
    _check_output,
    _load,
    _read_steps,
    _selection,
    _source,
)
from cudiss.workflows.cli.app import app
from cudiss.workflows.cli.mechanism import DEFAULT_THRESHOLD_EV, TableKind

#: Potential grid of ``cudiss plot barriers`` when no --potential is given (V on --scale).
DEFAULT_PLOT_POTENTIALS = tuple(np.round(np.linspace(-1.0, 0.5, 16), 3))


class PlotKind(str, Enum):
    """Figures ``cudiss plot`` can draw."""

    neb = "neb"
    barriers = "barriers"
    fed = "fed"
    surface = "surface"
    landscape = "landscape"
    span = "span"
    co2er = "co2er"


@app.command()
def table(
    store: Annotated[
        Path | None,
        typer.Option("--store", help="Results store folder (or 'jobflow'); or --project."),
    ] = None,
    project: ProjectOption = None,
    projects_dir: ProjectsDirOption = None,
    kind: Annotated[
        TableKind,
        typer.Option(
            "--kind",
            help="barriers (default), adsorption, surface, crossings, co2er, landscape or "
            "routes (span, open, easiest and window of every removal route).",
        ),
    ] = TableKind.barriers,
    potential: PotentialOption = None,
    scale: ScaleOption = "RHE",
    ph: PhOption = None,
    beta: BetaOption = 0.5,
    activity: ActivityOption = DEFAULT_ACTIVITY,
    threshold: ThresholdOption = DEFAULT_THRESHOLD_EV,
    carbon: CarbonOption = "CO2",
    barriers: BarriersOption = "che",
    fmt: Annotated[
        str | None,
        typer.Option("--format", "-f", help="csv, json, md or latex (default: -o suffix or md)."),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Output file (default: stdout).")
    ] = None,
    all_columns: Annotated[
        bool, typer.Option("--all", help="Every column (md/latex show a compact set by default).")
    ] = False,
    columns: Annotated[
        list[str] | None,
        typer.Option(
            "--columns",
            help="Columns to show, by their CSV names, comma-separated or repeated "
            "(e.g. --columns facet,U_V_RHE,dE_forward_eV).",
        ),
    ] = None,
) -> None:
    """Tabulate barriers (default) or a mechanism table of every stored result.

    barriers: ΔE‡ (zero bias), ΔG‡(U) and Cu dissolution ΔG(U). adsorption:
    ΔE, ZPE, TS and ΔG_ads(U) under CHE. surface / crossings: ΔG of every
    surface state vs U and where the most stable changes. co2er: CO2ER steps,
    U_L and the potential-determining step. landscape / routes: G of every
    state of every removal route, and per route × U the energy span, ΔG of the
    mobile complex, open, easiest and the open window (--barriers sjm: the lift
    TS and complex from the SJM results of a potential sweep where they exist).

    Markdown (the default on the terminal) and LaTeX show a compact set of
    columns with units and a note of the conditions (and approximations); CSV
    and JSON carry every column under its machine-readable name.
    """
    from cudiss.analysis.tables import (
        barrier_table,
        export_barrier_table,
        resolve_format,
        table_columns,
    )

    # Check the cheap things before opening the store.
    source = _source(store, project, projects_dir)
    if source is None:
        raise CudissInputError("give --store PATH or --project NAME (where the results are)")
    text_format = resolve_format(output, fmt if fmt or output else "md")
    if output is not None:
        _check_output(output)
    selection = _selection(all_columns, columns)
    phs = ph or [0.0]
    mechanism.single_ph(kind.value, phs)
    barriers = mechanism.check_barriers(kind.value, barriers)
    if kind is TableKind.barriers:
        table_columns(selection, text_format, "RHE")
    else:
        mechanism.check_columns(kind.value, selection)
        mechanism.check_threshold(threshold)
        carbon = mechanism.check_carbon(carbon)
        if kind is TableKind.co2er and potential:
            raise CudissInputError("the co2er table takes no --potential (it is at 0 V and U_L)")
    grid = [0.0] if kind in (TableKind.barriers, TableKind.adsorption) else DEFAULT_PLOT_POTENTIALS
    potentials = potential or list(grid)
    scale = _check_conditions(potentials, scale, phs, beta, activity)
    if kind is TableKind.barriers:
        df = barrier_table(
            _load(source), potentials, scale=scale, pH=phs[0], beta=beta, activity=activity
        )
        text = export_barrier_table(df, output, text_format, columns=selection, scale=scale)
    else:
        data = mechanism.load_mechanism(source, kind.value)
        df = mechanism.build_table(
            kind.value,
            data,
            potentials,
            scale=scale,
            phs=phs,
            activity=activity,
            threshold=threshold,
            carbon=carbon,
            barriers=barriers,
        )
        text = mechanism.export_mechanism_table(
            df, output, text_format, kind.value, selection, scale
        )
    if output is None:
        typer.echo(text, nl=False)
    else:
        typer.echo(f"wrote {len(df)} rows to {output}", err=True)


@app.command()
def plot(
    kind: Annotated[
        PlotKind,
        typer.Argument(
            help="neb, barriers (ΔG vs U), fed (CHE diagram from --steps), surface (surface "
            "state vs U), landscape (removal routes at chosen U), span (span and complex ΔG "
            "vs U) or co2er (CO2ER diagrams from the store)."
        ),
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="Figure file, .png or .svg.")],
    store: Annotated[
        Path | None, typer.Option("--store", help="Results store (all but fed); or --project.")
    ] = None,
    project: ProjectOption = None,
    projects_dir: ProjectsDirOption = None,
    config: Annotated[
        list[str] | None, typer.Option("--config", help="config_id to plot (repeatable).")
    ] = None,
    potential: PotentialOption = None,
    scale: ScaleOption = "RHE",
    ph: PhOption = None,
    beta: BetaOption = 0.5,
    activity: ActivityOption = DEFAULT_ACTIVITY,
    threshold: ThresholdOption = DEFAULT_THRESHOLD_EV,
    carbon: CarbonOption = "CO2",
    barriers: BarriersOption = "che",
    steps: Annotated[
        Path | None,
        typer.Option("--steps", help="fed: JSON list of {name, dG0_eV, n_electrons} (U=0 V_RHE)."),
    ] = None,
    dpi: Annotated[int, typer.Option("--dpi", help="PNG resolution, 10 to 2400.")] = 100,
) -> None:
    """Draw a NEB profile, barriers vs U, a CHE diagram, or a mechanism figure.

    The barriers figure uses the same pH, Cu2+ activity and β defaults as
    `cudiss table` and states them on the figure. surface, span: --potential
    is the grid (default -1 to 0.5 V); landscape: the potentials drawn
    (default -1, -0.5, 0 V); co2er: drawn at 0 V and at U_L.
    """
    from cudiss.analysis import plots
    from cudiss.analysis.tables import barrier_table

    if output.suffix.lower() not in plots.FIGURE_SUFFIXES:
        raise CudissInputError(f"figure file must end in .png or .svg, got {str(output)!r}")
    plots.check_dpi(dpi)
    _check_output(output)
    source = _source(store, project, projects_dir)
    needs = f"plot {kind.value} needs --store PATH or --project NAME"
    phs = ph or [0.0]
    mechanism.single_ph(kind.value, phs)
    barriers = mechanism.check_barriers(kind.value, barriers)
    scale = _check_conditions(list(potential or []), scale, phs, beta, activity)
    if kind.value in mechanism.MECHANISM_PLOTS:
        mechanism.check_threshold(threshold)
        carbon = mechanism.check_carbon(carbon)
        if kind is PlotKind.co2er and potential:
            raise CudissInputError("plot co2er takes no --potential (it draws 0 V and U_L)")
        if config and kind not in (PlotKind.landscape, PlotKind.span):
            raise CudissInputError(f"plot {kind.value} takes no --config")
        if source is None:
            raise CudissInputError(needs)
        data = mechanism.load_mechanism(source, kind.value)
        mechanism.draw(
            kind.value,
            data,
            output,
            potential,
            grid=list(DEFAULT_PLOT_POTENTIALS),
            scale=scale,
            phs=phs,
            activity=activity,
            threshold=threshold,
            carbon=carbon,
            configs=config,
            dpi=dpi,
            barriers=barriers,
        )
    elif kind is PlotKind.fed:
        if steps is None:
            raise CudissInputError("plot fed needs --steps FILE (a JSON list of reaction steps)")
        plots.plot_free_energy_diagram(
            _read_steps(steps), output, potential or [0.0], scale=scale, pH=phs[0], dpi=dpi
        )
    else:
        if source is None:
            raise CudissInputError(needs)
        results = _load(source)
        if config:
            wanted = set(config)
            unknown = wanted - {r.config_id for r in results}
            if unknown:
                raise CudissInputError(f"no result with config_id {sorted(unknown)[0]!r}")
            results = [r for r in results if r.config_id in wanted]
        if kind is PlotKind.neb:
            plots.plot_neb_profiles(results, output, dpi=dpi)
        else:
            grid = potential or list(DEFAULT_PLOT_POTENTIALS)
            df = barrier_table(results, grid, scale=scale, pH=phs[0], beta=beta, activity=activity)
            plots.plot_barriers_vs_potential(df, output, scale=scale, dpi=dpi)
    typer.echo(f"wrote {output}", err=True)
