"""``cudiss table`` and ``cudiss plot``: barrier tables and figures from a results store.

Both only read results (``cudiss.workflows.store.open_results``) and hand them
to :mod:`cudiss.analysis`; nothing here runs a calculation. Files are written
atomically, so an error never leaves a half-written output behind.
"""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Annotated

import numpy as np
import typer

from cudiss.structures.errors import CudissInputError
from cudiss.workflows.cli.app import app

#: Potential grid of ``cudiss plot barriers`` when no --potential is given (V vs RHE).
DEFAULT_PLOT_POTENTIALS = tuple(np.round(np.linspace(-1.0, 0.5, 16), 3))


class PlotKind(str, Enum):
    """Figures ``cudiss plot`` can draw."""

    neb = "neb"
    barriers = "barriers"
    fed = "fed"


def _load(store: Path) -> list:
    # Imported here: the store module pulls in jobflow/maggma, which `cudiss --help` does not need.
    from cudiss.workflows.store import open_results

    results = open_results(store)
    if not results:
        raise CudissInputError(f"no Cu-removal results in store {store}")
    return results


_POTENTIAL_HELP = (
    "Electrode potential (V); repeat for several, e.g. --potential 0 --potential -0.5."
)

# Options shared by `table` and `plot` (one declaration, one help text).
PotentialOption = Annotated[
    list[float] | None, typer.Option("--potential", "-U", help=_POTENTIAL_HELP)
]
ScaleOption = Annotated[str, typer.Option("--scale", help="RHE or SHE (scale of --potential).")]
PhOption = Annotated[float, typer.Option("--ph", help="Electrolyte pH.")]
BetaOption = Annotated[float, typer.Option("--beta", help="Transfer coefficient (CHE shift).")]


@app.command()
def table(
    store: Annotated[Path, typer.Option("--store", help="Results store folder (or 'jobflow').")],
    potential: PotentialOption = None,
    scale: ScaleOption = "RHE",
    ph: PhOption = 0.0,
    beta: BetaOption = 0.5,
    activity: Annotated[float, typer.Option("--activity", help="Cu2+ activity.")] = 1e-6,
    fmt: Annotated[
        str | None,
        typer.Option("--format", "-f", help="csv, json, md or latex (default: -o suffix or md)."),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Output file (default: stdout).")
    ] = None,
) -> None:
    """Tabulate ΔE‡ (zero bias), ΔG‡(U) and Cu dissolution ΔG(U) of every stored result."""
    from cudiss.analysis.tables import _resolve_format, barrier_table, export_table

    # Check the cheap things before opening the store.
    kind = _resolve_format(output, fmt if fmt or output else "md")
    potentials = potential or [0.0]
    df = barrier_table(
        _load(store), potentials, scale=scale.upper(), pH=ph, beta=beta, activity=activity
    )
    text = export_table(df, output, kind)
    if output is None:
        typer.echo(text, nl=False)
    else:
        typer.echo(f"wrote {len(df)} rows to {output}", err=True)


def _read_steps(path: Path):
    from cudiss.analysis.che import ReactionStep

    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return [
            ReactionStep(str(s["name"]), float(s["dG0_eV"]), int(s["n_electrons"])) for s in raw
        ]
    except OSError as exc:
        raise CudissInputError(f"cannot read steps file {path}: {exc.strerror}") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise CudissInputError(
            f"steps file {path} must be a JSON list of {{name, dG0_eV, n_electrons}}: {exc}"
        ) from None


@app.command()
def plot(
    kind: Annotated[PlotKind, typer.Argument(help="neb, barriers (ΔG vs U) or fed (CHE diagram).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Figure file, .png or .svg.")],
    store: Annotated[
        Path | None, typer.Option("--store", help="Results store (neb, barriers).")
    ] = None,
    config: Annotated[
        list[str] | None, typer.Option("--config", help="config_id to plot (repeatable).")
    ] = None,
    potential: PotentialOption = None,
    scale: ScaleOption = "RHE",
    ph: PhOption = 0.0,
    beta: BetaOption = 0.5,
    steps: Annotated[
        Path | None,
        typer.Option("--steps", help="fed: JSON list of {name, dG0_eV, n_electrons} (U=0 V_RHE)."),
    ] = None,
    dpi: Annotated[int, typer.Option("--dpi", help="PNG resolution.")] = 100,
) -> None:
    """Draw a NEB profile, barriers vs potential, or a CHE free-energy diagram."""
    from cudiss.analysis import plots
    from cudiss.analysis.che import to_rhe
    from cudiss.analysis.tables import barrier_table

    if output.suffix.lower() not in plots.FIGURE_SUFFIXES:
        raise CudissInputError(f"figure file must end in .png or .svg, got {str(output)!r}")
    if kind is PlotKind.fed:
        if steps is None:
            raise CudissInputError("plot fed needs --steps FILE (a JSON list of reaction steps)")
        u_rhe = [to_rhe(u, scale.upper(), ph) for u in (potential or [0.0])]
        plots.plot_free_energy_diagram(_read_steps(steps), output, u_rhe, dpi=dpi)
    else:
        if store is None:
            raise CudissInputError(f"plot {kind.value} needs --store PATH")
        results = _load(store)
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
            df = barrier_table(results, grid, scale=scale.upper(), pH=ph, beta=beta)
            plots.plot_barriers_vs_potential(df, output, dpi=dpi)
    typer.echo(f"wrote {output}", err=True)
