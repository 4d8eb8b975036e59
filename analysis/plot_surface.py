"""The surface-state figure: ΔG of bare and adsorbate states vs U, the most stable drawn bold.

Drawn from a :func:`cudiss.analysis.surface_state.surface_state_table` (long
format: facet, site, candidate, pH, ``U_V`` on the table's scale, ``dG_eV``).
One panel per facet × site. Under CHE every candidate is a straight line
(ΔG(U) = ΔG(0) + n eU on the RHE scale), so the lower envelope of the lines and
its crossing potentials are computed exactly between grid points
(:func:`lower_envelope`), not read off the grid.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from cudiss.analysis.che import _scale
from cudiss.analysis.plot_style import (
    LEGEND_FONTSIZE,
    PALETTE,
    _legend_outside,
    _potential_label,
    _signed,
    mark_screening,
)
from cudiss.structures.errors import CudissInputError

#: Columns a surface-state table needs for the figure.
SURFACE_COLUMNS = ("facet", "site", "candidate", "pH", "U_V", "dG_eV")
#: Line styles of successive pH values (SHE scale, several pH).
PH_LINESTYLES = ("-", "--", ":", "-.")


@dataclass(frozen=True)
class Crossing:
    """A potential where the most stable state changes (V on the table's scale, eV)."""

    U_V: float
    dG_eV: float
    from_state: str
    to_state: str


def lower_envelope(
    u: Sequence[float], curves: Mapping[str, Sequence[float]]
) -> tuple[list[tuple[str, float, float]], list[Crossing]]:
    """Lower envelope of piecewise-linear curves on a common grid, crossings solved exactly.

    Parameters
    ----------
    u : sequence of float
        Increasing potentials (V).
    curves : mapping of str to sequence of float
        ΔG (eV) of each state at ``u``; NaN where unknown (the state is skipped
        in intervals where it is NaN at either end).

    Returns
    -------
    segments : list of (state, U_start, U_end)
        The most stable state from ``U_start`` to ``U_end``, in order of U.
    crossings : list of Crossing
        Where the most stable state changes, with ΔG there. Ties at a grid point
        go to the state listed first in ``curves``.

    Examples
    --------
    H* (ΔG = −0.2 eV + eU) against the bare site (0): they cross at U = +0.2 V.

    >>> segs, cross = lower_envelope([-0.5, 0.5], {"bare": [0, 0], "H*": [-0.7, 0.3]})
    >>> [(name, round(float(lo), 6), round(float(hi), 6)) for name, lo, hi in segs]
    [('H*', -0.5, 0.2), ('bare', 0.2, 0.5)]
    >>> round(float(cross[0].U_V), 6), cross[0].from_state, cross[0].to_state
    (0.2, 'H*', 'bare')
    """
    grid = np.asarray(u, dtype=float)
    names = list(curves)
    values = np.array([np.asarray(curves[n], dtype=float) for n in names])
    if grid.size == 0 or not names:
        return [], []
    segments: list[tuple[str, float, float]] = []
    crossings: list[Crossing] = []

    def add(state: str, start: float, end: float) -> None:
        if segments and segments[-1][0] == state:
            segments[-1] = (state, segments[-1][1], end)
        else:
            if segments:
                g = _value_at(values[names.index(state)], grid, start)
                crossings.append(Crossing(start, g, segments[-1][0], state))
            segments.append((state, start, end))

    if grid.size == 1:
        k = _argmin(values[:, 0], values[:, 0] * 0.0)
        if k is not None:
            segments.append((names[k], grid[0], grid[0]))
        return segments, crossings
    for i in range(grid.size - 1):
        u0, u1 = grid[i], grid[i + 1]
        g0, g1 = values[:, i], values[:, i + 1]
        ok = np.isfinite(g0) & np.isfinite(g1)
        if not ok.any():
            continue
        slope = np.where(ok, (g1 - g0) / (u1 - u0), np.nan)
        start = u0
        current = _argmin(np.where(ok, g0, np.nan), slope)
        while True:
            # The earliest point after ``start`` where another line drops below ``current``.
            g_cur = g0[current] + slope[current] * (start - u0)
            best, where = None, u1
            for k in np.flatnonzero(ok):
                if k == current or slope[k] >= slope[current]:
                    continue
                g_k = g0[k] + slope[k] * (start - u0)
                x = start + (g_cur - g_k) / (slope[k] - slope[current]) if g_k > g_cur else start
                if start <= x < where - 1e-12:
                    best, where = k, max(x, start)
            if best is None:
                add(names[current], start, u1)
                break
            if where > start:
                add(names[current], start, where)
            current, start = best, where
    return segments, crossings


def _argmin(g: np.ndarray, slope: np.ndarray) -> int | None:
    """Index of the lowest finite ``g`` (ties to the lower slope, then the first listed)."""
    finite = np.flatnonzero(np.isfinite(g))
    if finite.size == 0:
        return None
    low = g[finite].min()
    tied = [k for k in finite if g[k] <= low + 1e-12]
    return min(tied, key=lambda k: (slope[k] if np.isfinite(slope[k]) else 0.0, k))


def _value_at(g: np.ndarray, grid: np.ndarray, x: float) -> float:
    return float(np.interp(x, grid, g))


def _candidate_order(candidates: Sequence[str]) -> list[str]:
    """``bare`` first, then the others in alphabetical order."""
    found = sorted(set(candidates))
    return (["bare"] if "bare" in found else []) + [c for c in found if c != "bare"]


def _panel_title(
    key: dict[str, str], group: pd.DataFrame, coverage: str | Mapping[str, str] | None
) -> str:
    """``Cu(100) terrace [emt]`` and, on a second line, the coverage of the panel."""
    facet = key["facet"]
    title = f"Cu({facet}) {key['site']}"
    extra = [key[c] for c in ("campaign", "calculator") if c in key]
    if extra:
        title += f" [{', '.join(extra)}]"
    if coverage is None:
        text = _coverage_from_column(group) if "coverage_ML" in group else None
    else:
        text = coverage.get(facet) if isinstance(coverage, Mapping) else coverage
    return f"{title}\n{text}" if text else title


def surface_state_figure(
    table: pd.DataFrame,
    *,
    scale: str | None = None,
    coverage: str | Mapping[str, str] | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """ΔG of every candidate surface state vs U, one panel per facet × site.

    Every candidate (bare, H*, CO*, ...) is a thin line of its own colour (the
    same in every panel); the most stable state at each potential (the lower
    envelope, :func:`lower_envelope`) is drawn bold in that state's colour.
    Each crossing potential is marked on the envelope, with a dotted vertical
    line and its value. With several pH values on the SHE scale every pH has
    its own line style; on the RHE scale CHE free energies do not depend on pH,
    so one set of lines is drawn and the title says so. Free energies of a
    machine-learned potential make the figure say so on its first line
    (:func:`~cudiss.analysis.plot_style.mark_screening`).

    Parameters
    ----------
    table : pandas.DataFrame
        Long table with columns :data:`SURFACE_COLUMNS` (``U_V`` on the scale
        named in its ``scale`` column, or ``U_V_RHE`` when ``scale`` is RHE).
    scale : {"RHE", "SHE"}, optional
        Scale of the x axis; default the table's ``scale`` column (else RHE).
    coverage : str or mapping facet -> str, optional
        The cell's coverage, written under each panel title (e.g.
        ``"θ = 0.25 ML (2×2)"``); default the panel's ``coverage_ML`` values.
        A table mixing campaigns or calculators gets a panel for each.
    figsize : (float, float), optional
        Inches; default 4.2 per panel wide (up to three panels a row) and 3.4 high.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    CudissInputError
        Missing columns or nothing finite to plot.
    """
    missing = set(SURFACE_COLUMNS) - set(table.columns)
    if missing:
        raise CudissInputError(f"surface-state table lacks columns: {', '.join(sorted(missing))}")
    if scale is None:
        scales = set(table["scale"]) if "scale" in table else {"RHE"}
        scale = scales.pop() if len(scales) == 1 else "RHE"
    scale = _scale(scale)
    x_col = "U_V" if "scale" not in table or set(table["scale"]) == {scale} else f"U_V_{scale}"
    if x_col not in table:
        raise CudissInputError(f"surface-state table has no potentials on the {scale} scale")
    data = table[np.isfinite(table["dG_eV"].to_numpy(dtype=float))]
    if data.empty:
        raise CudissInputError("no finite surface-state free energy to plot")
    # Campaigns and calculators get their own panels when a table mixes them.
    keys = [c for c in ("campaign", "calculator") if c in data and data[c].nunique() > 1]
    keys += ["facet", "site"]
    panels = list(data.groupby(keys, sort=True))
    colours = {
        c: PALETTE[i % len(PALETTE)] for i, c in enumerate(_candidate_order(data["candidate"]))
    }
    pHs = sorted({float(v) for v in data["pH"]})
    # On the RHE scale CHE lines do not move with pH: draw the first pH only.
    drawn_pHs = pHs if scale == "SHE" else pHs[:1]
    styles = {p: PH_LINESTYLES[i % len(PH_LINESTYLES)] for i, p in enumerate(drawn_pHs)}
    ncols = min(3, len(panels))
    nrows = math.ceil(len(panels) / ncols)
    if figsize is None:
        figsize = (4.2 * ncols + 1.8, 3.4 * nrows + 0.6)
    fig = Figure(figsize=figsize, layout="constrained")
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False).ravel())
    for ax in axes[len(panels) :]:
        ax.set_visible(False)
    for ax, (values, group) in zip(axes, panels, strict=False):
        _draw_panel(ax, group, x_col, drawn_pHs, styles, colours, scale)
        key = dict(zip(keys, map(str, values), strict=True))
        ax.set_title(_panel_title(key, group, coverage), fontsize="medium")
    handles = [
        Line2D([], [], color=colours[c], lw=1.3, label=c)
        for c in _candidate_order(data["candidate"])
    ]
    handles.append(Line2D([], [], color="0.2", lw=3.6, label="most stable (bold)"))
    handles.append(
        Line2D([], [], color="0.2", ls="none", marker="o", mfc="white", ms=6, label="crossing")
    )
    if len(drawn_pHs) > 1:
        handles += [
            Line2D([], [], color="0.4", lw=1.3, ls=styles[p], label=f"pH {p:g}") for p in drawn_pHs
        ]
    if scale == "RHE":
        ph_note = f"pH {'/'.join(f'{p:g}' for p in pHs)}"
        if len(pHs) > 1:
            ph_note += " (CHE lines vs RHE do not depend on pH)"
    else:
        ph_note = "pH " + "/".join(f"{p:g}" for p in drawn_pHs)
    fig.suptitle(
        f"Most stable surface state vs potential (CHE, {ph_note})\n"
        "ΔG of forming the adsorbates from CO$_2$, H$_2$O and (H$^+$ + e$^-$), "
        "at the coverage of one computed cell",
        fontsize="medium",
    )
    _legend_outside(fig, handles, title="state")
    mark_screening(fig, data.get("calculator", ()))
    return fig


def _coverage_from_column(group: pd.DataFrame) -> str | None:
    """``θ = 0.25 ML`` from the ``coverage_ML`` of a panel's adsorbate states."""
    covered = group[group["candidate"] != "bare"]["coverage_ML"].to_numpy(dtype=float)
    values = sorted({float(v) for v in covered if np.isfinite(v) and v > 0})
    return "θ = " + "/".join(f"{v:.3g}" for v in values) + " ML" if values else None


def _draw_panel(ax, group, x_col, pHs, styles, colours, scale) -> None:
    labels: list[tuple[float, str]] = []
    for p in pHs:
        rows = group[np.isclose(group["pH"].to_numpy(dtype=float), p)]
        if rows.empty:
            continue
        wide = rows.pivot_table(index=x_col, columns="candidate", values="dG_eV", aggfunc="first")
        wide = wide.sort_index()
        u = wide.index.to_numpy(dtype=float)
        order = [c for c in _candidate_order(wide.columns) if c in wide]
        for c in order:
            ax.plot(u, wide[c], color=colours[c], lw=1.2, ls=styles[p], zorder=2)
        segments, crossings = lower_envelope(u, {c: wide[c].to_numpy() for c in order})
        for state, start, end in segments:
            xs = np.concatenate([[start], u[(u > start) & (u < end)], [end]])
            ys = np.interp(xs, u, wide[state].to_numpy(dtype=float))
            ax.plot(xs, ys, color=colours[state], lw=3.6, ls=styles[p], alpha=0.85, zorder=3)
        for cross in crossings:
            ax.axvline(cross.U_V, color="0.55", lw=0.8, ls=":", zorder=1)
            ax.plot(cross.U_V, cross.dG_eV, "o", mfc="white", mec="0.15", ms=6, zorder=5)
            text = f"{_signed(cross.U_V)} V"
            labels.append((cross.U_V, text + (f" (pH {p:g})" if len(pHs) > 1 else "")))
    _place_crossing_labels(ax, labels)
    ax.axhline(0.0, color="0.75", lw=0.8, zorder=0)
    ax.set_xlabel(_potential_label(scale))
    ax.set_ylabel("ΔG$_\\mathrm{form}$ (eV)")


#: Where crossing labels go, tried in order: (side of the dotted line, top in axes fraction).
_LABEL_SLOTS = (("left", 0.97), ("right", 0.97), ("left", 0.45), ("right", 0.45))


def _place_crossing_labels(ax, labels: list[tuple[float, str]]) -> None:
    """Write each crossing's potential along its dotted line, never on top of another label.

    A label is rotated text about one font size wide; it goes left of its line,
    else right of it, else the same lower down the panel (:data:`_LABEL_SLOTS`).
    """
    if not labels:
        return
    xs = [u for u, _ in labels]
    low, high = min(xs), max(xs)
    x0, x1 = ax.dataLim.intervalx if ax.dataLim.width > 0 else (low - 1.0, high + 1.0)
    # One label is about 1.3 font sizes wide: 1.3 x 7.5 pt of a ~3.8 in wide panel.
    width = (x1 - x0) * 1.3 * LEGEND_FONTSIZE / 72.0 / 3.8
    taken: list[tuple[float, float, float]] = []  # (x from, x to, top)
    for u, text in sorted(labels):
        for side, top in _LABEL_SLOTS:
            span = (u - width, u) if side == "left" else (u, u + width)
            if all(top != t or span[1] <= a or span[0] >= b for a, b, t in taken):
                break
        taken.append((*span, top))
        ax.annotate(
            text,
            xy=(u, top),
            xycoords=("data", "axes fraction"),
            xytext=(-2 if side == "left" else 2, 0),
            textcoords="offset points",
            rotation=90,
            ha="right" if side == "left" else "left",
            va="top",
            fontsize=LEGEND_FONTSIZE,
            color="0.15",
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8},
            zorder=6,
        )
