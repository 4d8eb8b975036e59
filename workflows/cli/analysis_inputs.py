"""What ``cudiss table`` and ``cudiss plot`` take in: shared options, input checks, sources.

The commands in :mod:`cudiss.workflows.cli.analysis` declare their options with
the ``Annotated`` types here and call these checks before the store is opened,
so a mistake is one ``error:`` line with nothing written. Heavy modules
(jobflow, pandas) are imported inside the functions: ``cudiss --help`` does not
need them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from cudiss.structures.errors import CudissInputError


def _load(source) -> list:
    # Imported here: the store module pulls in jobflow/maggma, which `cudiss --help` does not need.
    from cudiss.workflows.result_sources import describe_source
    from cudiss.workflows.store import open_results

    results = open_results(source)
    if not results:
        raise CudissInputError(f"no Cu-removal results in {describe_source(source)}")
    return results


def _source(store: Path | None, project: str | None, projects_dir: Path | None):
    """The store folder or project given (``None`` if neither); both at once is refused."""
    if store is None and project is None and projects_dir is None:
        return None
    from cudiss.workflows.result_sources import result_source

    return result_source(store, project, projects_dir)


_POTENTIAL_HELP = (
    "Electrode potential (V); repeat for several, e.g. --potential 0 --potential -0.5."
)

# Options shared by `table` and `plot` (one declaration, one help text).
PotentialOption = Annotated[
    list[float] | None, typer.Option("--potential", "-U", help=_POTENTIAL_HELP)
]
ScaleOption = Annotated[str, typer.Option("--scale", help="RHE or SHE (scale of --potential).")]
PhOption = Annotated[
    list[float] | None,
    typer.Option(
        "--ph",
        help="Electrolyte pH, -1 to 15 (default 0); repeat for several (surface, crossings).",
    ),
]
BetaOption = Annotated[
    float, typer.Option("--beta", help="Transfer coefficient β in [0, 1] (CHE shift).")
]
#: Same default as cudiss.analysis.dissolution.DEFAULT_CU2_ACTIVITY (not imported: pandas is slow
#: to load and `cudiss --help` does not need it; a test keeps the two equal).
DEFAULT_ACTIVITY = 1e-6
ActivityOption = Annotated[
    float,
    typer.Option("--activity", help="Cu2+ activity for dissolution, in (0, 1]."),
]
ThresholdOption = Annotated[
    float,
    typer.Option(
        "--threshold", help="Largest energy span (eV) of an open removal route (routes, span)."
    ),
]
CarbonOption = Annotated[
    str, typer.Option("--carbon", help="Carbon reservoir of C adsorbates: CO2 or CO.")
]
BarriersOption = Annotated[
    str,
    typer.Option(
        "--barriers",
        help="Lift TS and complex of the landscape (landscape, routes, span): che (zero-charge "
        "NEB) or sjm (SJM barriers of a potential sweep where computed, interpolated in U).",
    ),
]
ProjectOption = Annotated[
    str | None,
    typer.Option(
        "--project", "-p", help="jobflow-remote project whose results to read (not with --store)."
    ),
]
ProjectsDirOption = Annotated[
    Path | None,
    typer.Option("--projects-dir", help="Projects folder of --project (default: ~/.jfremote)."),
]


def _check_output(path: Path) -> None:
    """The output can be created: not a folder, and its folder exists (checked before any work)."""
    if path.is_dir():
        raise CudissInputError(f"cannot write {path}: it is a directory")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise CudissInputError(f"cannot write {path}: directory {folder} does not exist")


def _check_conditions(
    potentials: list[float], scale: str, phs: list[float], beta: float, activity: float
) -> str:
    """Refuse absurd numbers before the store is opened; return the scale (RHE or SHE)."""
    from cudiss.analysis.che import _scale, check_ph, to_rhe
    from cudiss.analysis.dissolution import check_activity
    from cudiss.analysis.tables import check_beta

    scale = _scale(scale)
    for ph in phs:
        check_ph(ph)
    check_activity(activity)
    check_beta(beta)
    for u in potentials:
        to_rhe(u, scale, phs[0])  # refuses nan and inf
    return scale


def _selection(all_columns: bool, columns: list[str] | None) -> str | list[str] | None:
    if all_columns and columns:
        raise CudissInputError("give --all or --columns, not both")
    if all_columns:
        return "all"
    return [c for item in columns for c in item.split(",") if c.strip()] if columns else None


_STEPS_SHAPE = "a JSON list of {name, dG0_eV, n_electrons}"


def _read_steps(path: Path):
    """The reaction steps of ``plot fed``, each checked, or one line saying what is wrong."""
    from cudiss.analysis.che import ReactionStep

    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CudissInputError(f"cannot read steps file {path}: {exc.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise CudissInputError(f"steps file {path} is not JSON ({reason})") from None
    if not isinstance(raw, list) or not raw:
        raise CudissInputError(f"steps file {path} must be {_STEPS_SHAPE}, not empty")
    steps = []
    for k, item in enumerate(raw):
        where = f"steps file {path}, step {k}"
        if not isinstance(item, dict) or set(item) != {"name", "dG0_eV", "n_electrons"}:
            raise CudissInputError(f"{where}: must be {{name, dG0_eV, n_electrons}}, got {item!r}")
        n, dg = item["n_electrons"], item["dG0_eV"]
        if isinstance(n, bool) or not isinstance(n, int):
            raise CudissInputError(f"{where}: n_electrons must be an integer, got {n!r}")
        if isinstance(dg, bool) or not isinstance(dg, (int, float)):
            raise CudissInputError(f"{where}: dG0_eV must be a number (eV), got {dg!r}")
        steps.append(ReactionStep(str(item["name"]), float(dg), n))
    return steps
