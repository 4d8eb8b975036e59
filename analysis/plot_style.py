"""Shared look of the figures: series styles, outside legends, labels, saving.

Every series has its own colour, line style and marker (:func:`series_style`:
distinct for the first 280 series); legends sit outside the axes, so they never
hide data (:func:`_legend_outside`); axes name their quantity and unit and
potentials their scale. Figures are written atomically as PNG or SVG, chosen
by the file suffix (:func:`save_figure`); the pixel size of a PNG is
``figsize × dpi``, with dpi between :data:`MIN_DPI` and :data:`MAX_DPI`.
A figure that draws numbers of a machine-learned potential says so on its
first line (:func:`mark_screening`): every figure function calls it with the
calculators of what it drew.

The figures themselves are in :mod:`cudiss.analysis.plot_neb`,
:mod:`cudiss.analysis.plot_free_energy` and :mod:`cudiss.analysis.plot_barriers`;
:mod:`cudiss.analysis.plots` is the face that gathers them.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import matplotlib
import pandas as pd

matplotlib.use("Agg")  # headless: batch nodes have no display

from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from cudiss.analysis.che import _finite, _scale
from cudiss.analysis.documents import RemovalResult
from cudiss.analysis.fileio import atomic_write
from cudiss.analysis.methods import screening_label
from cudiss.analysis.tables import adsorbate_label, calculator_label
from cudiss.structures.errors import CudissInputError

FIGURE_SUFFIXES = {".png": "png", ".svg": "svg"}
DEFAULT_FIGSIZE = (6.4, 4.8)
DEFAULT_DPI = 100
#: Accepted PNG resolutions (dots per inch): below 10 a figure is a few pixels,
#: above 2400 a default figure is a 15360 × 11520 image.
MIN_DPI, MAX_DPI = 10, 2400

#: Series colours (matplotlib's tab10, colour-blind friendly), line styles and
#: markers; see :func:`series_style`.
PALETTE: tuple[str, ...] = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)
LINESTYLES: tuple[str, ...] = ("-", "--", ":", "-.")
MARKERS: tuple[str, ...] = ("o", "s", "^", "D", "v", "P", "X")
#: Legend font size (points).
LEGEND_FONTSIZE = 7.5


def series_style(index: int) -> dict[str, str]:
    """Colour, line style and marker of series number ``index`` (0-based).

    The colour cycles through :data:`PALETTE` (10), the line style changes every
    ten series (:data:`LINESTYLES`, 4) and the marker cycles with period 7
    (:data:`MARKERS`), so (colour, line style) is unique for the first 40
    series and (colour, line style, marker) for the first 280.

    Examples
    --------
    >>> series_style(0)
    {'color': '#1f77b4', 'linestyle': '-', 'marker': 'o'}
    >>> series_style(10)
    {'color': '#1f77b4', 'linestyle': '--', 'marker': 'D'}
    >>> len({tuple(series_style(i).values()) for i in range(280)})
    280
    """
    if index < 0:
        raise CudissInputError(f"series index must be >= 0, got {index}")
    return {
        "color": PALETTE[index % len(PALETTE)],
        "linestyle": LINESTYLES[(index // len(PALETTE)) % len(LINESTYLES)],
        "marker": MARKERS[index % len(MARKERS)],
    }


def check_dpi(dpi: int) -> int:
    """``dpi`` as an int if it lies in [:data:`MIN_DPI`, :data:`MAX_DPI`].

    >>> check_dpi(300)
    300
    """
    value = _finite(dpi, "dpi")
    if value != int(value) or not MIN_DPI <= value <= MAX_DPI:
        raise CudissInputError(f"dpi must be a whole number from {MIN_DPI} to {MAX_DPI}, got {dpi}")
    return int(value)


def _legend_outside(
    fig: Figure, handles: Sequence[Line2D], below: bool = False, title: str | None = None
) -> None:
    """One legend for the whole figure outside the axes (constrained layout makes room).

    Right of the axes, in as many columns as the figure height needs; or
    ``below`` them, up to three entries a row.
    """
    if not handles:
        return
    if below:
        loc, ncols = "outside lower center", min(3, len(handles))
    else:
        # One entry is about 1.3 font sizes tall (label spacing 0.3).
        rows = max(1, int(0.9 * fig.get_figheight() * 72.0 / (1.36 * LEGEND_FONTSIZE)))
        loc, ncols = "outside right upper", math.ceil(len(handles) / rows)
    fig.legend(
        handles=list(handles),
        loc=loc,
        fontsize=LEGEND_FONTSIZE,
        ncols=ncols,
        frameon=False,
        handlelength=2.6,
        labelspacing=0.3,
        title=title,
        title_fontsize=LEGEND_FONTSIZE + 0.5,
        alignment="left",
    )


def _scientific(value: float) -> str:
    """Mathtext for a positive number: ``10^{-6}`` for powers of ten, else ``2.5×10^{-5}``."""
    exponent = math.floor(math.log10(value))
    mantissa = value / 10.0**exponent
    if -2 <= exponent <= 2:
        return f"{value:g}"
    if abs(mantissa - 1.0) < 1e-9:
        return f"10^{{{exponent}}}"
    return f"{mantissa:.2g}\\times10^{{{exponent}}}"


def _signed(value: float, digits: int = 2) -> str:
    """``+0.40`` / ``−0.40`` with a typographic minus."""
    return f"{value:+.{digits}f}".replace("-", "−")


def _potential_label(scale: str) -> str:
    return f"U (V vs {_scale(scale)})"


def save_figure(fig: Figure, path: str | os.PathLike[str], dpi: int = DEFAULT_DPI) -> Path:
    """Write ``fig`` to ``path`` (PNG or SVG by suffix) atomically.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure.
    path : path-like
        Output file ending in ``.png`` or ``.svg``.
    dpi : int
        Resolution of PNG output (pixels = figsize × dpi).

    Returns
    -------
    pathlib.Path

    Raises
    ------
    CudissInputError
        Unsupported suffix, dpi outside [10, 2400], or unwritable path.
    """
    fmt = FIGURE_SUFFIXES.get(Path(path).suffix.lower())
    if fmt is None:
        raise CudissInputError(f"figure file must end in .png or .svg, got {str(path)!r}")
    dpi = check_dpi(dpi)
    # No bbox_inches="tight": the file keeps exactly the requested size.
    return atomic_write(path, lambda tmp: fig.savefig(tmp, format=fmt, dpi=dpi))


def _check_figure_target(path: str | os.PathLike[str], dpi: int) -> None:
    if Path(path).suffix.lower() not in FIGURE_SUFFIXES:
        raise CudissInputError(f"figure file must end in .png or .svg, got {str(path)!r}")
    check_dpi(dpi)


def series_label(
    facet: str, site_class: str, adsorbates: str, calculator: str | None = None
) -> str:
    """Legend label of a configuration, e.g. ``Cu(111) terrace, O [emt]``.

    >>> series_label("100", "adatom", "bare", "gpaw:test")
    'Cu(100) adatom, bare [gpaw:test]'
    """
    label = f"Cu({facet}) {site_class}, {adsorbates}"
    return f"{label} [{calculator}]" if calculator else label


def config_label(result: RemovalResult, calculator: bool = True) -> str:
    """Legend label of ``result``: facet, site, adsorbates and (optionally) calculator."""
    return series_label(
        result.facet,
        result.site_class,
        adsorbate_label(result.adsorbates),
        calculator_label(result) if calculator else None,
    )


def _flagged(label: str, warning: str) -> str:
    return f"{label} ⚠ {warning}" if warning else label


def _by_config(table: pd.DataFrame, *more: str) -> list[tuple[tuple, pd.DataFrame]]:
    """``table`` grouped by ``config_id``, ``calculator`` (if a column) and ``more``.

    A series or panel is one configuration of one calculator: never a mix of
    two calculators' numbers, even under one ``config_id``.
    """
    keys = ["config_id", *(["calculator"] if "calculator" in table else []), *more]
    return list(table.groupby(keys, sort=True, dropna=False))


def _shared_calculator(calculators: Iterable[str]) -> str | None:
    found = set(calculators)
    return found.pop() if len(found) == 1 else None


def mark_screening(fig: Figure, calculators: Iterable[object]) -> str | None:
    """Say on ``fig`` that it draws MLIP numbers, if ``calculators`` include an MLIP.

    The label of :func:`~cudiss.analysis.methods.screening_label` (e.g.
    ``sevennet (MLIP screening, not DFT)``) becomes the first line of the
    figure's suptitle: it is read before any number, and constrained layout
    keeps it clear of the axes. A figure without a suptitle gets the label
    alone, at the left, clear of a legend right of the axes (which reaches the
    top of the figure). A figure of DFT and EMT results only is left as it is.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The finished figure.
    calculators : iterable
        Calculator labels (``code`` or ``code:preset``) of every result drawn.

    Returns
    -------
    str or None
        The label written, or None.
    """
    label = screening_label(calculators)
    if label is not None:
        title = fig.get_suptitle()
        if title:
            fig.suptitle(f"{label}\n{title}", fontsize="medium")
        else:
            fig.suptitle(label, x=0.02, ha="left", fontsize="medium")
    return label
