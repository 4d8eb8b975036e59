"""Figures for papers: NEB profiles, free-energy diagrams, barriers vs potential.

Figures are built on :class:`matplotlib.figure.Figure` (Agg rendering, no
pyplot state, no display needed, constrained layout) and written atomically as
PNG or SVG, chosen by the file suffix. The pixel size of a PNG is
``figsize × dpi``, with dpi between :data:`MIN_DPI` and :data:`MAX_DPI`.

Every series has its own colour, line style and marker (:func:`series_style`:
distinct for the first 280 series); legends sit outside the axes, so they never
hide data; axes name their quantity and unit, potentials their scale, and the
conditions behind the numbers (pH, Cu²⁺ activity, β) are written on the figure.
A figure that draws numbers of a machine-learned potential (``sevennet``,
``chgnet``) says so on its first line, e.g. ``sevennet (MLIP screening, not DFT)``
(:func:`mark_screening`, wording from :mod:`cudiss.analysis.methods`); a figure of
DFT and EMT numbers carries no such line.

This module is the face of the plotting code and writes the files
(``plot_*``); each figure is built in its own module and re-exported here:

- :mod:`cudiss.analysis.plot_style`: styles, legends, labels, :func:`save_figure`;
- :mod:`cudiss.analysis.plot_neb`: :func:`neb_profiles_figure`;
- :mod:`cudiss.analysis.plot_free_energy`: :func:`free_energy_figure`;
- :mod:`cudiss.analysis.plot_barriers`: :func:`barriers_figure`;
- :mod:`cudiss.analysis.plot_surface`: :func:`surface_state_figure` (surface state vs U);
- :mod:`cudiss.analysis.plot_landscape`: :func:`landscape_figure` (removal route at
  chosen potentials) and :func:`span_figure` (energy span and complex ΔG vs U);
- :mod:`cudiss.analysis.plot_co2er`: :func:`co2er_figure` (CO2ER diagrams per facet × route).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import pandas as pd

from cudiss.analysis.che import PotentialScale, ReactionStep
from cudiss.analysis.documents import RemovalResult
from cudiss.analysis.plot_barriers import barriers_figure
from cudiss.analysis.plot_co2er import co2er_figure
from cudiss.analysis.plot_free_energy import free_energy_figure
from cudiss.analysis.plot_landscape import DEFAULT_SPAN_THRESHOLD_EV, landscape_figure, span_figure
from cudiss.analysis.plot_neb import SLAB_PBC, neb_images, neb_profile, neb_profiles_figure
from cudiss.analysis.plot_style import (
    DEFAULT_DPI,
    DEFAULT_FIGSIZE,
    FIGURE_SUFFIXES,
    LEGEND_FONTSIZE,
    LINESTYLES,
    MARKERS,
    MAX_DPI,
    MIN_DPI,
    PALETTE,
    _check_figure_target,
    check_dpi,
    config_label,
    mark_screening,
    save_figure,
    series_label,
    series_style,
)
from cudiss.analysis.plot_surface import Crossing, lower_envelope, surface_state_figure

# The writers below look ``save_figure`` up in this module's namespace, so a
# test (or a caller) that replaces ``plots.save_figure`` sees every file written.
__all__ = [
    "DEFAULT_DPI",
    "DEFAULT_FIGSIZE",
    "DEFAULT_SPAN_THRESHOLD_EV",
    "FIGURE_SUFFIXES",
    "LEGEND_FONTSIZE",
    "LINESTYLES",
    "MARKERS",
    "MAX_DPI",
    "MIN_DPI",
    "PALETTE",
    "SLAB_PBC",
    "Crossing",
    "barriers_figure",
    "check_dpi",
    "co2er_figure",
    "config_label",
    "free_energy_figure",
    "landscape_figure",
    "lower_envelope",
    "mark_screening",
    "neb_images",
    "neb_profile",
    "neb_profiles_figure",
    "plot_barriers_vs_potential",
    "plot_co2er",
    "plot_free_energy_diagram",
    "plot_landscape",
    "plot_neb_profiles",
    "plot_span_vs_potential",
    "plot_surface_state",
    "save_figure",
    "series_label",
    "series_style",
    "span_figure",
    "surface_state_figure",
]


def plot_neb_profiles(
    results: RemovalResult | Sequence[RemovalResult],
    path: str | os.PathLike[str],
    *,
    figsize: tuple[float, float] = DEFAULT_FIGSIZE,
    dpi: int = DEFAULT_DPI,
    title: str | None = None,
) -> Path:
    """Write :func:`neb_profiles_figure` to ``path`` (``.png`` or ``.svg``, PNG at ``dpi``).

    Raises
    ------
    CudissInputError
        No result with a NEB band, bad suffix or dpi, unwritable path.
    """
    _check_figure_target(path, dpi)
    return save_figure(neb_profiles_figure(results, figsize=figsize, title=title), path, dpi)


def plot_free_energy_diagram(
    steps: Sequence[ReactionStep],
    path: str | os.PathLike[str],
    potentials: Iterable[float] = (0.0,),
    *,
    scale: PotentialScale = "RHE",
    pH: float = 0.0,
    initial_state: str = "initial",
    figsize: tuple[float, float] = DEFAULT_FIGSIZE,
    dpi: int = DEFAULT_DPI,
    calculators: Iterable[str] = (),
) -> Path:
    """Write :func:`free_energy_figure` to ``path`` (``.png`` or ``.svg``, PNG at ``dpi``).

    ``calculators`` are the labels the ΔG values come from (an MLIP is labelled).
    """
    _check_figure_target(path, dpi)
    fig = free_energy_figure(
        steps,
        potentials,
        scale=scale,
        pH=pH,
        initial_state=initial_state,
        figsize=figsize,
        calculators=calculators,
    )
    return save_figure(fig, path, dpi)


def plot_barriers_vs_potential(
    table: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    scale: PotentialScale = "RHE",
    figsize: tuple[float, float] | None = None,
    dpi: int = DEFAULT_DPI,
) -> Path:
    """Write :func:`barriers_figure` to ``path`` (``.png`` or ``.svg``, PNG at ``dpi``)."""
    _check_figure_target(path, dpi)
    return save_figure(barriers_figure(table, scale=scale, figsize=figsize), path, dpi)


def plot_surface_state(
    table: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    scale: PotentialScale | None = None,
    coverage: str | Mapping[str, str] | None = None,
    figsize: tuple[float, float] | None = None,
    dpi: int = DEFAULT_DPI,
) -> Path:
    """Write :func:`surface_state_figure` to ``path`` (``.png`` or ``.svg``, PNG at ``dpi``)."""
    _check_figure_target(path, dpi)
    fig = surface_state_figure(table, scale=scale, coverage=coverage, figsize=figsize)
    return save_figure(fig, path, dpi)


def plot_landscape(
    landscape_df: pd.DataFrame,
    path: str | os.PathLike[str],
    potentials: Iterable[float] | None = None,
    *,
    configs: Sequence[str] | None = None,
    scale: PotentialScale | None = None,
    pH: float | None = None,
    figsize: tuple[float, float] | None = None,
    dpi: int = DEFAULT_DPI,
) -> Path:
    """Write :func:`landscape_figure` to ``path`` (``.png`` or ``.svg``, PNG at ``dpi``)."""
    _check_figure_target(path, dpi)
    fig = landscape_figure(
        landscape_df, potentials, configs=configs, scale=scale, pH=pH, figsize=figsize
    )
    return save_figure(fig, path, dpi)


def plot_span_vs_potential(
    summary_df: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    threshold_eV: float | None = None,
    scale: PotentialScale | None = None,
    figsize: tuple[float, float] | None = None,
    dpi: int = DEFAULT_DPI,
) -> Path:
    """Write :func:`span_figure` to ``path`` (``.png`` or ``.svg``, PNG at ``dpi``)."""
    _check_figure_target(path, dpi)
    fig = span_figure(summary_df, threshold_eV=threshold_eV, scale=scale, figsize=figsize)
    return save_figure(fig, path, dpi)


def plot_co2er(
    co2er_df: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    figsize: tuple[float, float] | None = None,
    dpi: int = DEFAULT_DPI,
) -> Path:
    """Write :func:`co2er_figure` to ``path`` (``.png`` or ``.svg``, PNG at ``dpi``)."""
    _check_figure_target(path, dpi)
    return save_figure(co2er_figure(co2er_df, figsize=figsize), path, dpi)
