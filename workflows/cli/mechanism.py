"""The mechanism tables and figures of ``cudiss table --kind`` and ``cudiss plot``.

``cudiss table --kind adsorption|surface|crossings|co2er|landscape|routes`` and
``cudiss plot surface|landscape|span|co2er`` read the removal, adsorption and
gas results of a store or a jobflow-remote project
(``cudiss.workflows.mechanism_store.open_mechanism``)
and hand them to :mod:`cudiss.analysis`; the commands themselves are declared
in :mod:`cudiss.workflows.cli.analysis`, which calls the functions here after
checking every option. Nothing here runs a calculation.

Every mechanism table carries the approximations behind its numbers
(``df.attrs["approximations"]``): written as a note after a Markdown table, as
``%`` comments above a LaTeX one, as ``#`` comment lines at the top of a CSV
file (read it with ``pandas.read_csv(path, comment="#")``) and as a
``metadata`` entry of a JSON table.
"""

from __future__ import annotations

import json
import math
from enum import Enum
from pathlib import Path

from cudiss.structures.errors import CudissInputError


class TableKind(str, Enum):
    """Tables ``cudiss table --kind`` writes."""

    barriers = "barriers"
    adsorption = "adsorption"
    surface = "surface"
    crossings = "crossings"
    co2er = "co2er"
    landscape = "landscape"
    routes = "routes"


#: ``cudiss plot`` kinds drawn from the mechanism results.
MECHANISM_PLOTS = ("surface", "landscape", "span", "co2er")
#: Default span threshold (eV) of ``--threshold``: a rate of about 1 s⁻¹ at 298 K
#: (kept equal to cudiss.analysis.landscape.DEFAULT_SPAN_THRESHOLD_EV by a test).
DEFAULT_THRESHOLD_EV = 0.75
#: Potentials of ``cudiss plot landscape`` when no --potential is given (V on --scale).
DEFAULT_LANDSCAPE_POTENTIALS = (-1.0, -0.5, 0.0)
#: Kinds that accept several --ph.
MULTI_PH = ("surface", "crossings")
#: Kinds built on the removal landscape: the ones that take ``--barriers sjm``.
LANDSCAPE_KINDS = ("landscape", "routes", "span")
_ADD_SECTION = "add a mechanism: section to the campaign and run it"

#: Columns of the Markdown/LaTeX view of each table (CSV and JSON carry every column).
COMPACT: dict[str, tuple[str, ...]] = {
    "adsorption": (
        "facet", "adsorbate", "best_site", "relaxed_site", "coverage_ML", "U_V", "dE_ads_eV",
        "zpe_eV",
        "ts_eV", "dG0_ads_eV", "n_pairs", "dG_ads_eV", "vibrations_source",
    ),
    "surface": (
        "facet", "site", "candidate", "n_pairs", "coverage_ML", "U_V", "pH", "dG_eV",
        "most_stable",
    ),
    "crossings": ("facet", "site", "pH", "U_V_RHE", "U_V", "from_state", "to_state"),
    "co2er": (
        "facet", "route", "step_index", "step", "dG0_eV", "n_electrons", "U_L_V_RHE",
        "potential_determining",
    ),
    "landscape": (
        "facet", "site_class", "adsorbates", "U_V", "point", "point_name", "kind", "G_eV",
    ),
    "routes": (
        "facet", "site_class", "adsorbates", "U_V", "dG_complex_eV", "energy_span_eV",
        "span_from", "span_to", "dG_dissolution_eV", "open", "easiest", "window_low_V_RHE",
        "window_high_V_RHE",
    ),
}  # fmt: skip


def all_columns(kind: str) -> list[str]:
    """Every column of a mechanism table, from the analysis module that builds it."""
    if kind == "adsorption":
        from cudiss.analysis.adsorption import COLUMNS
    elif kind == "surface":
        from cudiss.analysis.surface_state import COLUMNS
    elif kind == "crossings":
        from cudiss.analysis.surface_state import CROSSING_COLUMNS as COLUMNS
    elif kind == "co2er":
        from cudiss.analysis.co2er import COLUMNS
    elif kind == "landscape":
        from cudiss.analysis.landscape import COLUMNS
    else:
        from cudiss.analysis.landscape import SUMMARY_COLUMNS as COLUMNS
    return list(COLUMNS)


def check_columns(kind: str, selection: str | list[str] | None) -> None:
    """Refuse unknown ``--columns`` before the store is opened."""
    if selection is None or selection == "all":
        return
    known = all_columns(kind)
    for name in selection:
        if name not in known:
            raise CudissInputError(
                f"unknown column {name!r} of the {kind} table (known: {', '.join(known)})"
            )


def check_threshold(threshold: float) -> float:
    """The span threshold (eV) if it is a positive finite number."""
    if not (math.isfinite(threshold) and threshold > 0):
        raise CudissInputError(f"--threshold must be a positive number of eV, got {threshold:g}")
    return float(threshold)


def check_carbon(carbon: str) -> str:
    """``CO2`` or ``CO`` (any case)."""
    value = carbon.strip().upper()
    if value not in ("CO2", "CO"):
        raise CudissInputError(f"--carbon must be CO2 or CO, got {carbon!r}")
    return value


def check_barriers(kind: str, barriers: str) -> str:
    """``che`` or ``sjm`` (any case); ``sjm`` only for the kinds built on the landscape."""
    from cudiss.analysis.sjm_landscape import LANDSCAPE_BARRIERS

    value = barriers.strip().lower()
    if value not in LANDSCAPE_BARRIERS:
        choices = " or ".join(LANDSCAPE_BARRIERS)
        raise CudissInputError(f"--barriers must be {choices}, got {barriers!r}")
    if value != "che" and kind not in LANDSCAPE_KINDS:
        raise CudissInputError(
            f"--barriers {value} is for table --kind landscape|routes and plot landscape|span, "
            f"not {kind}"
        )
    return value


def single_ph(kind: str, phs: list[float]) -> float:
    """The one pH of a kind that takes one; several only for surface and crossings."""
    if len(phs) > 1 and kind not in MULTI_PH:
        raise CudissInputError(f"{kind} takes one --ph (several only for surface, crossings)")
    return phs[0]


def load_mechanism(source, kind: str):
    """The mechanism data of a store or project, refusing one without what ``kind`` needs.

    ``source`` is a store folder or a :class:`~cudiss.workflows.result_sources.ProjectSource`;
    a refusal is one line.
    """
    # Imported here: jobflow/maggma are slow to load and `cudiss --help` does not need them.
    from cudiss.workflows.mechanism_store import open_mechanism
    from cudiss.workflows.result_sources import describe_source

    data = open_mechanism(source)
    where = describe_source(source)
    if kind in ("landscape", "routes", "span") and not data.removals:
        raise CudissInputError(f"no Cu-removal results in {where}")
    if kind in ("adsorption", "co2er") and not data.adsorptions:
        raise CudissInputError(f"no adsorption results in {where}: {_ADD_SECTION}")
    if kind in ("surface", "crossings") and not (data.adsorptions or data.removals):
        raise CudissInputError(f"no adsorption results in {where}: {_ADD_SECTION}")
    if not data.gases:
        raise CudissInputError(f"no gas references in {where}: {_ADD_SECTION}")
    return data


def build_table(
    kind: str,
    data,
    potentials: list[float],
    *,
    scale: str,
    phs: list[float],
    activity: float,
    threshold: float,
    carbon: str,
    barriers: str = "che",
):
    """The DataFrame of a mechanism table (``attrs["approximations"]`` from the analysis).

    ``barriers`` (``che`` or ``sjm``) is where the landscape kinds take their lift
    numbers from (:func:`cudiss.analysis.landscape.landscape_table`).
    """
    if kind == "adsorption":
        from cudiss.analysis.adsorption import adsorption_table

        return adsorption_table(data.adsorptions, data.gases, potentials, scale, phs[0], carbon)
    if kind in ("surface", "crossings"):
        from cudiss.analysis.surface_state import surface_crossings, surface_state_table

        df = surface_state_table(
            data.adsorptions, data.removals, data.gases, potentials, scale, phs, carbon=carbon
        )
        return df if kind == "surface" else surface_crossings(df)
    if kind == "co2er":
        from cudiss.analysis.co2er import co2er_table

        return co2er_table(data.adsorptions, data.gases)
    from cudiss.analysis.landscape import landscape_summary, landscape_table

    df = landscape_table(
        data.removals,
        data.gases,
        potentials,
        scale,
        phs[0],
        activity,
        carbon=carbon,
        barriers=barriers,
    )
    if kind == "landscape":
        return df
    summary = landscape_summary(df, threshold)
    summary.attrs["threshold_eV"] = threshold
    return summary


def table_note(df, kind: str, fmt: str) -> str:
    """The approximations and conditions of a table, one per line (``- `` items in Markdown)."""
    lines = [str(a) for a in df.attrs.get("approximations", [])]
    lines += [f"left out: {why}" for why in df.attrs.get("routes_left_out", [])]
    lines.append("energies in eV, potentials in V")
    if fmt == "md":
        return "Approximations and conditions:\n\n" + "\n".join(f"- {line}" for line in lines)
    return "\n".join(lines)


def _json_safe(value):
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return str(value)
    return value


def export_mechanism_table(
    df, output: Path | None, fmt: str, kind: str, selection: str | list[str] | None, scale: str
) -> str:
    """Render a mechanism table (and write ``output`` atomically if given).

    Markdown and LaTeX show :data:`COMPACT` (unless ``--all`` or ``--columns``)
    with the note of :func:`table_note`; CSV and JSON every column, the note as
    ``#`` lines at the top of the CSV and under ``metadata`` in the JSON.
    """
    from cudiss.analysis.fileio import atomic_write_text
    from cudiss.analysis.methods import is_screening
    from cudiss.analysis.sjm_landscape import uses_sjm
    from cudiss.analysis.tableio import format_table

    if selection == "all" or (selection is None and fmt in ("csv", "json")):
        columns = list(df.columns)
    elif selection is None:
        columns = [c for c in COMPACT[kind] if c in df.columns]
        # Several calculators, or MLIP screening rows: every row says whose it is.
        if "calculator" in df and (
            df["calculator"].nunique() > 1 or df["calculator"].map(is_screening).any()
        ):
            columns.insert(0, "calculator")
        # SJM lift numbers in the landscape: every row says where its G came from.
        if kind == "landscape" and uses_sjm(df):
            columns.insert(columns.index("G_eV") + 1, "barrier_source")
    else:
        columns = list(selection)
    view = df[columns]
    headers = {"U_V": f"U (V vs {scale})"}
    note = table_note(df, kind, fmt)
    if fmt in ("md", "latex"):
        text = format_table(view, fmt, headers=headers, note=note)
    elif fmt == "csv":
        comments = [f"cudiss {kind} table; read with pandas.read_csv(path, comment='#')"]
        comments += note.splitlines()
        text = "".join(f"# {line}\n" for line in comments) + format_table(view, "csv")
    else:
        doc = json.loads(format_table(view, "json"))
        meta = {str(k): _json_safe(v) for k, v in df.attrs.items()}
        doc["metadata"] = {"table": kind, **meta}
        text = json.dumps(doc, indent=1, ensure_ascii=False) + "\n"
    if output is not None:
        atomic_write_text(output, text)
    return text


def draw(
    kind: str,
    data,
    output: Path,
    potentials: list[float] | None,
    *,
    grid: list[float],
    scale: str,
    phs: list[float],
    activity: float,
    threshold: float,
    carbon: str,
    configs: list[str] | None,
    dpi: int,
    barriers: str = "che",
) -> None:
    """Draw ``cudiss plot surface|landscape|span|co2er`` from the store's data.

    ``barriers`` as in :func:`build_table` (landscape and span).
    """
    from cudiss.analysis import plots

    if kind == "co2er":
        df = build_table(
            "co2er",
            data,
            [0.0],
            scale=scale,
            phs=phs,
            activity=activity,
            threshold=threshold,
            carbon=carbon,
        )
        if df.empty:
            left = "; ".join(df.attrs.get("routes_left_out", [])) or "no route has its species"
            raise CudissInputError(f"no CO2ER route to draw: {left}")
        plots.plot_co2er(df, output, dpi=dpi)
        return
    if kind == "surface":
        df = build_table(
            "surface",
            data,
            potentials or grid,
            scale=scale,
            phs=phs,
            activity=activity,
            threshold=threshold,
            carbon=carbon,
        )
        plots.plot_surface_state(df, output, scale=scale, dpi=dpi)
        return
    if configs:
        unknown = set(configs) - {r.config_id for r in data.removals}
        if unknown:
            raise CudissInputError(f"no result with config_id {sorted(unknown)[0]!r}")
    # Every route is built (the bare partners measure the others), then the chosen are kept.
    landscape_u = potentials or (
        list(DEFAULT_LANDSCAPE_POTENTIALS) if kind == "landscape" else grid
    )
    df = build_table(
        "landscape",
        data,
        landscape_u,
        scale=scale,
        phs=phs,
        activity=activity,
        threshold=threshold,
        carbon=carbon,
        barriers=barriers,
    )
    if configs:
        df = df[df["config_id"].isin(configs)]
    if kind == "landscape":
        plots.plot_landscape(df, output, landscape_u, scale=scale, dpi=dpi)
        return
    from cudiss.analysis.landscape import landscape_summary

    summary = landscape_summary(df, threshold)
    plots.plot_span_vs_potential(summary, output, threshold_eV=threshold, scale=scale, dpi=dpi)
