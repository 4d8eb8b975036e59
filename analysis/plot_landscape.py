"""Figures of the removal landscape: the route at chosen potentials, span and ΔG vs U.

Drawn from :func:`cudiss.analysis.landscape.landscape_table` (long: one row per
configuration × potential × point, ``kind`` "state" or "ts") and
:func:`cudiss.analysis.landscape.landscape_summary` (one row per configuration
× potential: energy span, ΔG of the mobile complex, open, easiest).

- :func:`landscape_figure`: one panel per configuration; states as horizontal
  bars along x, each transition state as a smooth peak between its
  neighbouring states, one line per chosen potential; a TS whose barrier came
  from SJM (``barrier_source``) is a star, a zero-charge NEB one a triangle.
- :func:`span_figure`: energy span and ΔG of forming the mobile Cu–adsorbate
  complex vs U, one series per configuration (and pH), the span threshold drawn;
  filled markers where the route is open.

Both say so on their first line when they draw an MLIP's routes
(:func:`~cudiss.analysis.plot_style.mark_screening`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from cudiss.analysis.che import _finite, _scale

# One route's bars and peaks are drawn in plot_route.py; BAR_WIDTH stays
# importable from here, as before the split.
from cudiss.analysis.plot_route import _TS_MARKER, BAR_WIDTH, _draw_landscape, _potential_style
from cudiss.analysis.plot_style import (
    LEGEND_FONTSIZE,
    _by_config,
    _legend_outside,
    _potential_label,
    _signed,
    mark_screening,
    series_label,
    series_style,
)
from cudiss.analysis.sjm_landscape import uses_sjm
from cudiss.structures.errors import CudissInputError

__all__ = [
    "BAR_WIDTH",
    "DEFAULT_SPAN_THRESHOLD_EV",
    "LANDSCAPE_COLUMNS",
    "SUMMARY_COLUMNS",
    "landscape_figure",
    "span_figure",
]

#: Columns the landscape figure needs.
LANDSCAPE_COLUMNS = (
    "config_id",
    "facet",
    "site_class",
    "adsorbates",
    "pH",
    "point",
    "point_name",
    "kind",
    "G_eV",
)
#: Columns the span figure needs.
SUMMARY_COLUMNS = ("config_id", "facet", "site_class", "adsorbates", "pH", "energy_span_eV")
#: Default threshold of the energy span (eV): about 1 s⁻¹ at 298 K.
DEFAULT_SPAN_THRESHOLD_EV = 0.75


def _require(table: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    missing = set(columns) - set(table.columns)
    if missing:
        raise CudissInputError(f"{what} lacks columns: {', '.join(sorted(missing))}")


def _x_column(table: pd.DataFrame, scale: str | None) -> tuple[str, str]:
    """(column of the potentials on ``scale``, scale): ``U_V`` when on the table's scale."""
    scales = set(table["scale"]) if "scale" in table else set()
    if scale is None:
        scale = scales.pop() if len(scales) == 1 else "RHE"
    scale = _scale(scale)
    if "U_V" in table and scales == {scale}:
        return "U_V", scale
    column = f"U_V_{scale}"
    if column not in table:
        raise CudissInputError(f"table has no potentials on the {scale} scale")
    return column, scale


def _pick_potentials(available: Sequence[float], wanted: Iterable[float] | None) -> list[float]:
    """The grid values closest to ``wanted`` (within 1 mV), or a default of up to three."""
    grid = sorted(set(available))
    if wanted is None:
        near_zero = min(grid, key=abs)
        return sorted({grid[0], near_zero, grid[-1]})
    chosen = []
    for u in wanted:
        u = _finite(u, "potential")
        best = min(grid, key=lambda v: abs(v - u))
        if abs(best - u) > 1e-3:
            shown = ", ".join(f"{v:g}" for v in grid[:8]) + (" ..." if len(grid) > 8 else "")
            raise CudissInputError(f"potential {u:g} V is not in the table's grid ({shown})")
        chosen.append(best)
    if not chosen:
        raise CudissInputError("give at least one potential")
    return sorted(set(chosen))


def _config_label(group: pd.DataFrame, calculator: bool = False) -> str:
    first = group.iloc[0]
    return series_label(
        str(first["facet"]),
        str(first["site_class"]),
        str(first["adsorbates"]),
        str(first["calculator"]) if calculator and "calculator" in group else None,
    )


def landscape_figure(
    landscape: pd.DataFrame,
    potentials: Iterable[float] | None = None,
    *,
    configs: Sequence[str] | None = None,
    scale: str | None = None,
    pH: float | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """The free-energy landscape of each removal route at chosen potentials.

    One panel per configuration (facet × site × adsorbate set). Its states
    (``kind == "state"``) are horizontal bars at x = 0, 1, 2, ... in the order
    of ``point``; a transition state (``kind == "ts"``) is a smooth peak from
    the end of the state before it to the start of the state after it, its top
    at the TS free energy. Thin dashed lines join neighbouring states. Each
    potential has its own colour and line style (the same in every panel).

    Parameters
    ----------
    landscape : pandas.DataFrame
        From :func:`cudiss.analysis.landscape.landscape_table`.
    potentials : iterable of float, optional
        Potentials on ``scale`` (V), each within 1 mV of a grid value of the
        table; default the lowest, the one closest to 0 and the highest.
    configs : sequence of str, optional
        ``config_id`` values to draw (default all).
    scale : {"RHE", "SHE"}, optional
        Scale of ``potentials`` and the labels; default the table's.
    pH : float, optional
        pH to draw when the table holds several (default the lowest).
    figsize : (float, float), optional
        Inches; default 4.6 per panel wide (up to three a row), 3.8 high.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    CudissInputError
        Missing columns, unknown configurations, potentials not on the grid.
    """
    _require(landscape, LANDSCAPE_COLUMNS, "landscape table")
    x_col, scale = _x_column(landscape, scale)
    data = landscape
    if configs is not None:
        unknown = set(configs) - set(data["config_id"])
        if unknown:
            raise CudissInputError(f"no landscape for config_id {sorted(unknown)[0]!r}")
        data = data[data["config_id"].isin(list(configs))]
    if data.empty:
        raise CudissInputError("the landscape table is empty")
    pHs = sorted({float(v) for v in data["pH"]})
    ph = pHs[0] if pH is None else _finite(pH, "pH")
    data = data[np.isclose(data["pH"].to_numpy(dtype=float), ph)]
    if data.empty:
        raise CudissInputError(f"the landscape table has no rows at pH {ph:g}")
    chosen = _pick_potentials(data[x_col].to_numpy(dtype=float), potentials)
    panels = _by_config(data)
    several_calculators = "calculator" in data and data["calculator"].nunique() > 1
    ncols = min(3, len(panels))
    nrows = math.ceil(len(panels) / ncols)
    if figsize is None:
        figsize = (4.6 * ncols + 1.6, 3.8 * nrows + 0.7)
    fig = Figure(figsize=figsize, layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax in axes[len(panels) :]:
        ax.set_visible(False)
    for ax, (_, group) in zip(axes, panels, strict=False):
        _draw_landscape(ax, group, x_col, chosen)
        ax.set_title(_config_label(group, several_calculators), fontsize="medium")
    handles = [
        Line2D(
            [],
            [],
            lw=2.4,
            label=f"U = {_signed(round(u, 6) + 0.0)} V vs {scale}",
            **_potential_style(i),
        )
        for i, u in enumerate(chosen)
    ]
    peaks = "lift transition state (zero-charge NEB, no TS ZPE/entropy)"
    if uses_sjm(data[data[x_col].isin(chosen)]):
        peaks = "lift TS (▲ zero-charge NEB, ★ SJM ΔE‡ at U on the CHE G1; no TS ZPE/entropy)"
        handles += [
            Line2D([], [], color="0.3", ls="none", label=label, **_TS_MARKER[sjm])
            for sjm, label in ((False, "TS: zero-charge NEB"), (True, "TS and complex: SJM"))
        ]
    fig.suptitle(
        f"Cu removal landscape (CHE, pH {ph:g}; G relative to the intact bare site)\n"
        f"peaks: {peaks}",
        fontsize="medium",
    )
    _legend_outside(fig, handles, below=True)
    mark_screening(fig, data.get("calculator", ()))
    return fig


def span_figure(
    summary: pd.DataFrame,
    *,
    threshold_eV: float | None = None,
    scale: str | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Energy span and ΔG of the mobile complex vs U, one series per configuration and pH.

    Left panel: energy span (the largest barrier counted from the lowest
    preceding state) with the threshold as a horizontal line; right panel:
    ΔG of forming the lifted Cu–adsorbate complex with the zero line. A series
    keeps its colour, line style and marker in both panels; markers are filled
    where the route is open (complex downhill and span ≤ threshold) and hollow
    elsewhere (when the table has an ``open`` column).

    Parameters
    ----------
    summary : pandas.DataFrame
        From :func:`cudiss.analysis.landscape.landscape_summary`.
    threshold_eV : float, optional
        Span threshold drawn (eV); default ``summary.attrs["threshold_eV"]`` if
        set, else :data:`DEFAULT_SPAN_THRESHOLD_EV`.
    scale : {"RHE", "SHE"}, optional
        Scale of the x axis (``U_V`` when the table is on it, else ``U_V_<scale>``);
        default the table's ``scale`` column, else RHE.
    figsize : (float, float), optional
        Inches; default 10 wide, 4.4 high plus the legend below.

    Returns
    -------
    matplotlib.figure.Figure
    """
    _require(summary, SUMMARY_COLUMNS, "landscape summary")
    if threshold_eV is None:
        threshold_eV = float(summary.attrs.get("threshold_eV", DEFAULT_SPAN_THRESHOLD_EV))
    threshold_eV = _finite(threshold_eV, "span threshold")
    if "scale" not in summary and scale in (None, "RHE") and "U_V_RHE" in summary:
        x_col, scale = "U_V_RHE", "RHE"
    else:
        x_col, scale = _x_column(summary, scale)
    groups = _by_config(summary, "pH")
    several_ph = summary["pH"].nunique() > 1
    several_calculators = "calculator" in summary and summary["calculator"].nunique() > 1
    if figsize is None:
        # The legend below holds three entries a row, one row is about 1.36 font sizes.
        rows = math.ceil((len(groups) + 2) / 3)
        figsize = (10.0, 4.4 + rows * 1.36 * LEGEND_FONTSIZE / 72.0)
    fig = Figure(figsize=figsize, layout="constrained")
    ax_s, ax_c = fig.subplots(1, 2)
    handles = []
    drawn = []
    for (*_, ph), group in groups:
        group = group.sort_values(x_col)
        style = series_style(len(handles))
        opened = (
            group["open"].to_numpy(dtype=bool)
            if "open" in group
            else np.ones(len(group), dtype=bool)
        )
        seen = False
        for ax, col in ((ax_s, "energy_span_eV"), (ax_c, "dG_complex_eV")):
            if col not in group:
                continue
            x, y = group[x_col].to_numpy(dtype=float), group[col].to_numpy(dtype=float)
            ok = np.isfinite(y)
            if not ok.any():
                continue
            ax.plot(x[ok], y[ok], lw=1.4, color=style["color"], linestyle=style["linestyle"])
            for mask, face in ((ok & opened, style["color"]), (ok & ~opened, "white")):
                ax.plot(
                    x[mask],
                    y[mask],
                    ls="none",
                    marker=style["marker"],
                    ms=4.5,
                    mec=style["color"],
                    mfc=face,
                )
            seen = True
        if seen:
            drawn.extend(group.get("calculator", ()))
            label = _config_label(group, several_calculators)
            label += f", pH {ph:g}" if several_ph else ""
            label += _window_note(group)
            handles.append(Line2D([], [], lw=1.4, ms=4.5, label=label, **style))
    if not handles:
        raise CudissInputError("no finite energy span or complex free energy to plot")
    ax_s.axhline(threshold_eV, color="0.3", lw=1.0, ls="--", zorder=0)
    ax_s.annotate(
        f"threshold {threshold_eV:.2f} eV",
        xy=(0.01, threshold_eV),
        xycoords=("axes fraction", "data"),
        xytext=(0, 2),
        textcoords="offset points",
        fontsize=LEGEND_FONTSIZE,
        color="0.3",
    )
    phs = "/".join(f"{v:g}" for v in sorted({float(p) for p in summary["pH"]}))
    model = "CHE; SJM lift where computed" if summary.attrs.get("barriers") == "sjm" else "CHE"
    fig.suptitle(
        f"Cu removal routes vs potential ({model}, pH {phs})\n"
        f"open where the complex is downhill and the span ≤ {threshold_eV:.2f} eV",
        fontsize="medium",
    )
    ax_s.set_ylabel("energy span (eV)")
    ax_s.set_title("largest barrier from the lowest preceding state", fontsize="medium")
    ax_c.axhline(0.0, color="0.6", lw=0.8, zorder=0)
    ax_c.set_ylabel("ΔG of the lifted Cu–adsorbate complex (eV)")
    ax_c.set_title(f"forming the mobile complex ({model})", fontsize="medium")
    for ax in (ax_s, ax_c):
        ax.set_xlabel(_potential_label(scale))
    handles.append(
        Line2D([], [], color="0.3", ls="none", marker="o", mfc="0.3", label="filled: route open")
    )
    handles.append(
        Line2D([], [], color="0.3", ls="none", marker="o", mfc="white", label="hollow: closed")
    )
    _legend_outside(fig, handles, below=True)
    mark_screening(fig, drawn)
    return fig


def _window_note(group: pd.DataFrame) -> str:
    """``; open −1.00 to −0.40 V vs RHE`` from the window columns, ``; never open`` if NaN."""
    if "window_low_V_RHE" not in group or "window_high_V_RHE" not in group:
        return ""
    low, high = float(group["window_low_V_RHE"].iloc[0]), float(group["window_high_V_RHE"].iloc[0])
    if not (math.isfinite(low) and math.isfinite(high)):
        return "; never open"
    return f"; open {_signed(low)} to {_signed(high)} V vs RHE"
