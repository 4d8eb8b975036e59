"""The barriers-vs-potential figure: ΔG‡(U) and ΔG_dissolution(U), one series per configuration.

Drawn from a :func:`cudiss.analysis.tables.barrier_table`, so the conditions
behind the numbers (pH, Cu²⁺ activity, β) are read from its columns and
written over the panels. The constant-potential (SJM) rows of a potential
sweep are points at their target potentials, in the colour of their
configuration's CHE line (its zero-charge reference).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from cudiss.analysis.che import PotentialScale, _scale, she_from_rhe
from cudiss.analysis.plot_style import (
    LEGEND_FONTSIZE,
    _by_config,
    _flagged,
    _legend_outside,
    _potential_label,
    _scientific,
    _shared_calculator,
    mark_screening,
    series_label,
    series_style,
)
from cudiss.structures.errors import CudissInputError


def barriers_figure(
    table: pd.DataFrame,
    *,
    scale: PotentialScale = "RHE",
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """ΔG‡(U) and ΔG_dissolution(U) against potential, one series per configuration.

    A configuration keeps its colour, line style and marker in both panels and
    appears once in the legend (right of the panels), with its band warning if
    flagged; a calculator shared by all is the legend's title. The panel titles
    state the conditions of the table: β and pH over the barriers, pH and Cu²⁺
    activity over dissolution. Rows of a machine-learned potential make the
    figure say so on its first line (:func:`mark_screening`); a configuration
    under two calculators is two series. Constant-potential (SJM) rows of a
    potential sweep are points at their target potentials (``U_target_V_RHE``),
    in the style of their configuration's CHE line (its zero-charge reference,
    ``reference_config_id``).

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`cudiss.analysis.tables.barrier_table`, usually over a grid
        of potentials. Rows with NaN (failed runs) are left out of the plot.
    scale : {"RHE", "SHE"}
        Potential scale of the x axis (``U_V_RHE`` or ``U_V_SHE`` column).
    figsize : (float, float), optional
        Inches; default 10 wide and 4 high, higher when the legend needs it to
        stay in one column (more than 25 configurations).

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    CudissInputError
        Missing columns or nothing finite to plot.
    """
    scale = _scale(scale)
    x_col = f"U_V_{scale}"
    needed = {x_col, "config_id", "dG_forward_eV(U)", "dG_dissolution_eV"}
    missing = needed - set(table.columns)
    if missing:
        raise CudissInputError(f"table lacks columns: {', '.join(sorted(missing))}")

    def column(group: pd.DataFrame, name: str, default: str = "") -> str:
        return str(group[name].iloc[0]) if name in group else default

    shared = _shared_calculator(table["calculator"]) if "calculator" in table else None
    at_potential = _sjm_rows(table)
    groups = _by_config(table[~at_potential])
    if figsize is None:
        # One legend entry is about 1.36 x 7.5 pt; 0.9 of the height is for the legend.
        entries = len(groups)
        figsize = (10.0, max(4.0, entries * 1.36 * LEGEND_FONTSIZE / 72.0 / 0.9 + 0.2))
    fig = Figure(figsize=figsize, layout="constrained")
    ax_b, ax_d = fig.subplots(1, 2)
    handles = []
    drawn_calculators = []
    styles: dict[str, dict[str, str]] = {}
    for (config_id, *_), group in groups:
        group = group.sort_values(x_col)
        style = series_style(len(handles))
        n = len(group)
        every = max(1, n // 6)
        drawn = False
        for ax, col in ((ax_b, "dG_forward_eV(U)"), (ax_d, "dG_dissolution_eV")):
            ok = np.isfinite(group[col].to_numpy(dtype=float))
            if ok.any():
                ax.plot(
                    group[x_col][ok],
                    group[col][ok],
                    lw=1.4,
                    ms=4.5,
                    markevery=(len(handles) % every, every),
                    **style,
                )
                drawn = True
        if drawn:
            label = series_label(
                column(group, "facet", "?"),
                column(group, "site_class", "?"),
                column(group, "adsorbates", "?"),
                None if shared else column(group, "calculator") or None,
            )
            if label.startswith("Cu(?)"):
                label = str(config_id)
            label = _flagged(label, column(group, "barrier_warning"))
            drawn_calculators.extend(group.get("calculator", ()))
            styles[str(config_id)] = style
            handles.append(Line2D([], [], lw=1.4, ms=4.5, label=label, **style))
    sjm = table[at_potential]
    handles += _draw_sjm_points(ax_b, sjm, styles, scale, len(handles))
    drawn_calculators.extend(sjm.get("calculator", ()))
    if not handles:
        raise CudissInputError("no finite barrier or dissolution energy to plot")
    ph, activity, beta = (
        _table_values(table, "pH", lambda v: f"{v:g}"),
        _table_values(table, "Cu2_activity", lambda v: f"${_scientific(v)}$"),
        _table_values(table, "beta", lambda v: f"{v:g}"),
    )
    barrier_note = ", ".join(
        part for part in (f"CHE, β = {beta}" if beta else "", f"pH {ph}" if ph else "") if part
    )
    dissolution_note = ", ".join(
        part
        for part in (f"pH {ph}" if ph else "", f"a(Cu$^{{2+}}$) = {activity}" if activity else "")
        if part
    )
    ax_b.set_ylabel("ΔG‡ fwd(U) (eV)")
    ax_b.set_title("\n".join(filter(None, ("Cu removal barrier", barrier_note))), fontsize="medium")
    ax_d.set_ylabel("ΔG diss(U) (eV)")
    ax_d.set_title(
        "\n".join(
            filter(None, ("Cu(site) → Cu$^{2+}$(aq) + 2e$^-$, bare sites", dissolution_note))
        ),
        fontsize="medium",
    )
    ax_d.axhline(0.0, color="0.6", lw=0.8, zorder=0)
    for ax in (ax_b, ax_d):
        ax.set_xlabel(_potential_label(scale))
    _legend_outside(fig, handles, title=f"calculator: {shared}" if shared else None)
    mark_screening(fig, drawn_calculators)
    return fig


def _sjm_rows(table: pd.DataFrame) -> pd.Series:
    """Which rows are constant-potential (SJM) results (all False without the column)."""
    if "electrode" not in table:
        return pd.Series(False, index=table.index)
    return table["electrode"] == "constant-potential"


def _target_x(rows: pd.DataFrame, scale: PotentialScale) -> np.ndarray:
    """The target potential of SJM rows on ``scale`` (V); the reached one where none is known."""
    target = rows["U_target_V_RHE"] if "U_target_V_RHE" in rows else rows["U_V_RHE"]
    u = np.where(np.isfinite(target), target, rows["U_V_RHE"]).astype(float)
    if scale == "RHE":
        return u
    ph = rows["pH"].to_numpy(dtype=float) if "pH" in rows else np.zeros(len(u))
    return np.array([she_from_rhe(x, p) for x, p in zip(u, ph, strict=True)])


def _draw_sjm_points(
    ax, rows: pd.DataFrame, styles: dict[str, dict[str, str]], scale: PotentialScale, drawn: int
) -> list[Line2D]:
    """SJM barriers as points at their target potentials; their legend entries.

    A configuration whose zero-charge reference was drawn as a CHE line takes
    its style; one without gets a style of its own and a legend entry. One
    more entry says what points and lines are.
    """
    rows = rows[np.isfinite(rows["dG_forward_eV(U)"].to_numpy(dtype=float))]
    if rows.empty:
        return []
    handles = []
    key = rows["reference_config_id"] if "reference_config_id" in rows else rows["config_id"]
    for reference, group in rows.groupby(key.where(key != "", rows["config_id"]), sort=True):
        style = styles.get(str(reference))
        if style is None:
            style = series_style(drawn + len(handles))
            first = group.iloc[0]
            label = series_label(first["facet"], first["site_class"], first["adsorbates"])
            handles.append(
                Line2D(
                    [],
                    [],
                    ls="none",
                    marker=style["marker"],
                    ms=6,
                    color=style["color"],
                    mec="black",
                    label=f"{label} (SJM)",
                )
            )
        ax.plot(
            _target_x(group, scale),
            group["dG_forward_eV(U)"],
            ls="none",
            marker=style["marker"],
            ms=7,
            color=style["color"],
            mec="black",
            mew=0.7,
            zorder=3,
        )
    handles.append(
        Line2D(
            [],
            [],
            ls="none",
            marker="o",
            ms=6,
            color="0.75",
            mec="black",
            label="points: SJM at target U\nlines: CHE, zero-charge ref.",
        )
    )
    return handles


def _table_values(table: pd.DataFrame, column: str, fmt) -> str:
    """The distinct finite values of a table column, formatted and joined by ``/``."""
    if column not in table:
        return ""
    values = sorted({float(v) for v in table[column] if math.isfinite(v)})
    return "/".join(fmt(v) for v in values)
