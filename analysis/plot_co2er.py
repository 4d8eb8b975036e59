"""CO2ER free-energy diagrams from the store: one panel per facet × route, at 0 V and at U_L.

Drawn from :func:`cudiss.analysis.co2er.co2er_table` (one row per facet ×
route × step: ``dG0_eV`` at 0 V vs RHE, ``n_electrons``, the route's limiting
potential ``U_L_V_RHE`` and its ``potential_determining`` step). Each panel is
the route's staircase at U = 0 V vs RHE (solid) and at U = U_L (dashed, where
every step is downhill), the potential-determining step drawn bold. Routes of
a machine-learned potential make the figure say so on its first line
(:func:`~cudiss.analysis.plot_style.mark_screening`).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from cudiss.analysis.che import ReactionStep, free_energy_diagram
from cudiss.analysis.plot_style import LEGEND_FONTSIZE, _legend_outside, _signed, mark_screening
from cudiss.structures.errors import CudissInputError

#: Columns the CO2ER figure needs.
CO2ER_COLUMNS = (
    "facet",
    "route",
    "step_index",
    "step",
    "dG0_eV",
    "n_electrons",
    "U_L_V_RHE",
    "potential_determining",
)
#: Route order of the panels (others follow alphabetically).
ROUTE_ORDER = ("CO", "HCOOH", "CHO", "COH")
#: Product of each route, for the panel titles.
ROUTE_PRODUCTS = {"CO": "CO(g)", "HCOOH": "HCOOH(g)", "CHO": "CHO*", "COH": "COH*"}
_COLOURS = {"0": "#1f77b4", "UL": "#d62728"}
_WIDTH = 0.6


def _arrow(step: str) -> str:
    """``CO2 -> COOH*`` as ``CO2 → COOH*``."""
    return step.replace("->", "→")


def _level_name(step: str) -> str:
    """The state a step ends in: ``COOH* -> CO* + H2O`` gives ``CO* + H2O``."""
    return step.split("->")[-1].strip()


def _routes(table: pd.DataFrame) -> list[str]:
    found = set(table["route"])
    return [r for r in ROUTE_ORDER if r in found] + sorted(found - set(ROUTE_ORDER))


def co2er_figure(
    table: pd.DataFrame,
    *,
    initial_state: str = "CO$_2$(g)",
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """CHE free-energy diagrams of the CO2ER routes, a panel per facet (rows) × route (columns).

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`cudiss.analysis.co2er.co2er_table`.
    initial_state : str
        Name of level 0 of every route.
    figsize : (float, float), optional
        Inches; default 3.4 per route wide (at least 7) and 3.5 per facet high.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    CudissInputError
        Missing columns or an empty table.
    """
    missing = set(CO2ER_COLUMNS) - set(table.columns)
    if missing:
        raise CudissInputError(f"CO2ER table lacks columns: {', '.join(sorted(missing))}")
    if table.empty:
        raise CudissInputError("the CO2ER table is empty")
    # A row of panels per facet (and per campaign/calculator/cell when the table mixes them).
    mixed = ("campaign", "calculator", "cell")
    keys = [c for c in mixed if c in table and table[c].nunique() > 1]
    keys.append("facet")
    table = table.assign(facet=table["facet"].astype(str))
    facets = sorted(table[keys].drop_duplicates().itertuples(index=False, name=None))
    routes = _routes(table)
    if figsize is None:
        figsize = (max(7.0, 3.4 * len(routes) + 0.4), 3.5 * len(facets) + 1.0)
    fig = Figure(figsize=figsize, layout="constrained")
    axes = fig.subplots(len(facets), len(routes), squeeze=False)
    for i, values in enumerate(facets):
        facet = values[-1]
        chosen = np.ones(len(table), dtype=bool)
        for column, value in zip(keys, values, strict=True):
            chosen &= (table[column] == value).to_numpy()
        for j, route in enumerate(routes):
            ax = axes[i, j]
            rows = table[chosen & (table["route"] == route).to_numpy()]
            if rows.empty:
                ax.set_visible(False)
                continue
            _draw_route(ax, rows.sort_values("step_index"), initial_state)
            u_l = float(rows["U_L_V_RHE"].iloc[0])
            title = f"Cu({facet}): CO$_2$ → {ROUTE_PRODUCTS.get(route, route)}"
            pds = rows[rows["potential_determining"].to_numpy(dtype=bool)]["step"].tolist()
            if len(values) > 1:
                title += f" [{', '.join(values[:-1])}]"
            if math.isfinite(u_l):
                title += f"\n$U_\\mathrm{{L}}$ = {_signed(u_l)} V"
                title += f"\nPDS: {_arrow(pds[0])}" if pds else ""
            ax.set_title(title, fontsize="medium")
            if j == 0:
                ax.set_ylabel("ΔG (eV)")
    handles = [
        Line2D([], [], color=_COLOURS["0"], lw=2.5, label="U = 0 V vs RHE"),
        Line2D([], [], color=_COLOURS["UL"], lw=2.5, ls="--", label="U = $U_\\mathrm{L}$"),
        Line2D([], [], color="0.2", lw=2.4, label="potential-determining step (bold)"),
    ]
    fig.suptitle(
        "CO$_2$ reduction free-energy diagrams\n(CHE, harmonic adsorbates, ideal gases; "
        "potentials vs RHE; PDS: potential-determining step)",
        fontsize="medium",
    )
    _legend_outside(fig, handles, below=True)
    mark_screening(fig, table.get("calculator", ()))
    return fig


def _draw_route(ax, rows: pd.DataFrame, initial_state: str) -> None:
    steps = [
        ReactionStep(str(r.step), float(r.dG0_eV), int(r.n_electrons))
        for r in rows.itertuples(index=False)
    ]
    pds = [k for k, flag in enumerate(rows["potential_determining"].to_numpy(dtype=bool)) if flag]
    u_l = float(rows["U_L_V_RHE"].iloc[0])
    potentials = {"0": 0.0}
    if math.isfinite(u_l) and abs(u_l) > 1e-9:
        potentials["UL"] = u_l
    for key, u in potentials.items():
        data = free_energy_diagram(steps, [u], initial_state=initial_state)
        levels, g = data["level"].to_numpy(), data["G_eV"].to_numpy()
        colour, ls = _COLOURS[key], "-" if key == "0" else "--"
        for k, (lev, val) in enumerate(zip(levels, g, strict=True)):
            ax.plot([lev, lev + _WIDTH], [val, val], color=colour, lw=2.5, ls=ls)
            if k + 1 < len(levels):
                bold = k in pds
                ax.plot(
                    [lev + _WIDTH, levels[k + 1]],
                    [val, g[k + 1]],
                    color=colour,
                    lw=2.4 if bold else 0.9,
                    ls="-" if bold else ":",
                )
    names = [initial_state, *(_level_name(s.name) for s in steps)]
    ax.set_xticks(
        np.arange(len(names)) + _WIDTH / 2,
        names,
        rotation=30,
        ha="right",
        fontsize=LEGEND_FONTSIZE + 0.5,
    )
    ax.axhline(0.0, color="0.8", lw=0.8, zorder=0)
