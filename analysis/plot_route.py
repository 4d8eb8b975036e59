"""One removal route drawn on an axis: state bars, smooth TS peaks and their connectors.

:func:`cudiss.analysis.plot_landscape.landscape_figure` draws one panel per
route with ``_draw_landscape``, one colour and line style per potential
(``_potential_style``).
"""

from __future__ import annotations

import functools
import textwrap
from collections.abc import Sequence

import numpy as np
import pandas as pd

from cudiss.analysis.plot_style import LEGEND_FONTSIZE, series_style
from cudiss.analysis.sjm_landscape import SJM_SOURCES

#: Width of a state's bar along x (positions are 1 apart).
BAR_WIDTH = 0.5
#: TS marker by "barrier from SJM": a triangle, or a star (larger: it fills less of its box).
_TS_MARKER = {False: {"marker": "^", "ms": 5}, True: {"marker": "*", "ms": 9}}


def _bump(x0: float, g0: float, x1: float, g1: float, n: int = 24) -> tuple:
    """A half-cosine from (x0, g0) to (x1, g1): flat at both ends, so a peak is smooth."""
    t = np.linspace(0.0, 1.0, n)
    return x0 + (x1 - x0) * t, g0 + (g1 - g0) * (1.0 - np.cos(np.pi * t)) / 2.0


def _potential_style(index: int) -> dict[str, str]:
    style = series_style(index)
    return {"color": style["color"], "linestyle": ("-", "--", "-.", ":")[index % 4]}


def _drawn_state(kinds: Sequence[str], ok: np.ndarray, k: int) -> bool:
    """Point ``k`` exists, is a state (not a TS) and has a finite G."""
    return 0 <= k < len(kinds) and kinds[k] == "state" and bool(ok[k])


def _draw_landscape(ax, group: pd.DataFrame, x_col: str, chosen: Sequence[float]) -> None:
    """Bars, peaks and connectors of one route; points without G keep their place, undrawn."""
    names: list[str] = []
    missing = False
    half = BAR_WIDTH / 2
    for i, u in enumerate(chosen):
        style = _potential_style(i)
        rows = group[np.isclose(group[x_col].to_numpy(dtype=float), u)].sort_values("point")
        if rows.empty:
            continue
        kinds, g = rows["kind"].tolist(), rows["G_eV"].to_numpy(dtype=float)
        sources = rows.get("barrier_source", pd.Series("", index=rows.index)).tolist()
        ok = np.isfinite(g)
        missing |= not ok.all()
        if len(rows["point_name"]) > len(names):
            names = [str(n) for n in rows["point_name"]]
        state = functools.partial(_drawn_state, kinds, ok)
        for x, (kind, value) in enumerate(zip(kinds, g, strict=True)):
            if not ok[x]:
                continue
            if kind == "ts":
                start = (x - 1 + half, g[x - 1]) if state(x - 1) else (x - half, value)
                end = (x + 1 - half, g[x + 1]) if state(x + 1) else (x + half, value)
                for a, b in ((start, (x, value)), ((x, value), end)):
                    ax.plot(*_bump(*a, *b), lw=1.6, **style)
                ts = _TS_MARKER[sources[x] in SJM_SOURCES]
                ax.plot(x, value, color=style["color"], ls="none", **ts)
            else:
                ax.plot([x - half, x + half], [value, value], lw=2.8, **style)
                if state(x) and state(x + 1):
                    ax.plot(
                        [x + half, x + 1 - half],
                        [value, g[x + 1]],
                        lw=0.8,
                        color=style["color"],
                        linestyle=":",
                    )
    if missing:
        note = str(group["note"].iloc[0]) if "note" in group else ""
        ax.text(
            0.02,
            0.02,
            textwrap.fill("points without G: " + (note or "a number is missing"), 48),
            transform=ax.transAxes,
            fontsize=LEGEND_FONTSIZE,
            color="0.3",
            va="bottom",
        )
    ax.axhline(0.0, color="0.8", lw=0.8, zorder=0)
    shown = [n.replace("Cu2+", "Cu$^{2+}$") for n in names]
    ax.set_xticks(range(len(names)), shown, rotation=30, ha="right", fontsize=LEGEND_FONTSIZE + 0.5)
    ax.set_xlim(-0.6, len(names) - 0.4)
    ax.set_ylabel("G (eV)")
