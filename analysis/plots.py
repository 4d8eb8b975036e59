"""Figures for papers: NEB profiles, free-energy diagrams, barriers vs potential.

Figures are built on :class:`matplotlib.figure.Figure` (Agg rendering, no
pyplot state, no display needed) and written atomically as PNG or SVG, chosen
by the file suffix. The pixel size of a PNG is ``figsize × dpi``.
"""

from __future__ import annotations

import itertools
import math
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # headless: batch nodes have no display

import numpy as np
import pandas as pd
from ase import Atoms
from ase.calculators.singlepoint import SinglePointCalculator
from ase.utils.forcecurve import fit_images
from matplotlib.figure import Figure
from scipy.interpolate import CubicSpline

from cudiss.analysis.che import ReactionStep, free_energy_diagram
from cudiss.analysis.documents import RemovalResult
from cudiss.analysis.fileio import atomic_write
from cudiss.analysis.tables import adsorbate_label, calculator_label
from cudiss.structures.errors import CudissInputError

FIGURE_SUFFIXES = {".png": "png", ".svg": "svg"}
DEFAULT_FIGSIZE = (6.4, 4.8)
DEFAULT_DPI = 100
#: Slabs are periodic in-plane only; RemovalResult does not store pbc.
SLAB_PBC = (True, True, False)


def _distinct_lines(ax) -> None:
    """Ten colours, then the same colours dashed, then dotted: no two lines alike."""
    from cycler import cycler
    from matplotlib import colormaps

    colors = colormaps["tab10"].colors
    ax.set_prop_cycle(cycler(linestyle=["-", "--", ":", "-."]) * cycler(color=colors))


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
        Unsupported suffix or unwritable path.
    """
    fmt = FIGURE_SUFFIXES.get(Path(path).suffix.lower())
    if fmt is None:
        raise CudissInputError(f"figure file must end in .png or .svg, got {str(path)!r}")
    # No bbox_inches="tight": the file keeps exactly the requested size.
    return atomic_write(path, lambda tmp: fig.savefig(tmp, format=fmt, dpi=dpi))


def config_label(result: RemovalResult) -> str:
    """Short legend label: facet/site/adsorbates/calculator."""
    return "/".join(
        (
            result.facet,
            result.site_class,
            adsorbate_label(result.adsorbates),
            calculator_label(result),
        )
    )


def neb_images(result: RemovalResult) -> list[Atoms]:
    """Rebuild the NEB band of ``result`` as Atoms with single-point energies (and forces).

    Parameters
    ----------
    result : RemovalResult
        A result with at least two images.

    Returns
    -------
    list of ase.Atoms
        Each with a :class:`~ase.calculators.singlepoint.SinglePointCalculator`
        holding the image energy and, when stored, its forces.

    Raises
    ------
    CudissInputError
        Fewer than two images, or positions that do not match ``symbols``.
    """
    if len(result.images) < 2:
        raise CudissInputError(f"{result.config_id}: no NEB band stored (need >= 2 images)")
    images = []
    for k, img in enumerate(result.images):
        pos = np.asarray(img.positions_A, dtype=float)
        if pos.shape != (len(result.symbols), 3):
            raise CudissInputError(
                f"{result.config_id}: image {k} has {pos.shape[0]} positions "
                f"for {len(result.symbols)} atoms"
            )
        atoms = Atoms(result.symbols, positions=pos, cell=result.cell_A, pbc=SLAB_PBC)
        forces = None if img.forces_eVA is None else np.asarray(img.forces_eVA, dtype=float)
        atoms.calc = SinglePointCalculator(atoms, energy=img.energy_eV, forces=forces)
        images.append(atoms)
    return images


def neb_profile(result: RemovalResult) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Reaction coordinate, image energies and a smooth fit of a NEB band.

    With stored image forces the fit is ASE's NEB fit
    (``ase.utils.forcecurve.fit_images``, what ``ase.mep.NEBTools`` uses): a
    cubic through each pair of images matching the energies and the tangential
    forces. Without forces it falls back to a natural cubic spline through
    the energies alone (documented approximation: the slopes at the images
    are then not the true ones).

    Parameters
    ----------
    result : RemovalResult
        A result with at least two images.

    Returns
    -------
    path, energies, fit_path, fit_energies : numpy.ndarray
        Path length (Å) and energies (eV) relative to the first image.
    """
    images = neb_images(result)
    if all(img.forces_eVA is not None for img in result.images):
        fit = fit_images(images)
        return (
            np.asarray(fit.path),
            np.asarray(fit.energies),
            np.asarray(fit.fit_path),
            np.asarray(fit.fit_energies),
        )
    # Same path metric as ASE (minimum-image displacement between images).
    from ase.geometry import find_mic

    path = [0.0]
    for a, b in itertools.pairwise(images):
        d, _ = find_mic(b.positions - a.positions, a.cell, a.pbc)
        path.append(path[-1] + float(np.sqrt((d**2).sum())))
    energies = np.array([img.energy_eV for img in result.images]) - result.images[0].energy_eV
    path_arr = np.asarray(path)
    if np.any(np.diff(path_arr) <= 0):
        raise CudissInputError(f"{result.config_id}: two consecutive NEB images coincide")
    fit_path = np.linspace(0.0, path_arr[-1], 20 * (len(path_arr) - 1) + 1)
    spline = CubicSpline(path_arr, energies, bc_type="natural")
    return path_arr, energies, fit_path, spline(fit_path)


def plot_neb_profiles(
    results: RemovalResult | Sequence[RemovalResult],
    path: str | os.PathLike[str],
    *,
    figsize: tuple[float, float] = DEFAULT_FIGSIZE,
    dpi: int = DEFAULT_DPI,
    title: str | None = None,
) -> Path:
    """Plot the NEB energy profile(s) of one or more results.

    Results without a band (failed runs) are skipped; it is an error if none
    is left.

    Parameters
    ----------
    results : RemovalResult or sequence of RemovalResult
        The configurations.
    path : path-like
        Output ``.png`` or ``.svg``.
    figsize : (float, float)
        Inches.
    dpi : int
        PNG resolution.
    title : str, optional
        Axes title; defaults to the barrier of a single profile.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    CudissInputError
        No result with a NEB band, bad suffix, unwritable path.
    """
    if isinstance(results, RemovalResult):
        results = [results]
    with_band = [r for r in results if len(r.images) >= 2]
    if not with_band:
        raise CudissInputError("no result with a NEB band to plot")
    fig = Figure(figsize=figsize)
    ax = fig.add_subplot()
    _distinct_lines(ax)
    for res in with_band:
        x, e, fx, fe = neb_profile(res)
        (line,) = ax.plot(fx, fe, "-", label=config_label(res))
        ax.plot(x, e, "o", color=line.get_color())
    ax.axhline(0.0, color="0.7", lw=0.8, zorder=0)
    ax.set_xlabel("reaction coordinate (Å)")
    ax.set_ylabel("E − E(initial) (eV)")
    if title is None and len(with_band) == 1 and with_band[0].forward_barrier_eV is not None:
        title = f"ΔE‡ = {with_band[0].forward_barrier_eV:.3f} eV"
    if title:
        ax.set_title(title)
    ax.legend(fontsize="small")
    fig.tight_layout()
    return save_figure(fig, path, dpi)


def plot_free_energy_diagram(
    steps: Sequence[ReactionStep],
    path: str | os.PathLike[str],
    potentials_V_RHE: Iterable[float] = (0.0,),
    *,
    initial_state: str = "initial",
    figsize: tuple[float, float] = DEFAULT_FIGSIZE,
    dpi: int = DEFAULT_DPI,
) -> Path:
    """Free-energy diagram of a CHE network at several potentials.

    Parameters
    ----------
    steps : sequence of ReactionStep
        The network in order.
    path : path-like
        Output ``.png`` or ``.svg``.
    potentials_V_RHE : iterable of float
        One staircase per potential (V vs RHE).
    initial_state : str
        Name of the first level.
    figsize, dpi
        Figure size (inches) and PNG resolution.

    Returns
    -------
    pathlib.Path
    """
    data = free_energy_diagram(steps, potentials_V_RHE, initial_state=initial_state)
    fig = Figure(figsize=figsize)
    ax = fig.add_subplot()
    width = 0.6
    for u, group in data.groupby("U_V_RHE", sort=True):
        levels, g = group["level"].to_numpy(), group["G_eV"].to_numpy()
        color = None
        for k, (lev, val) in enumerate(zip(levels, g, strict=True)):
            (line,) = ax.plot(
                [lev, lev + width],
                [val, val],
                "-",
                lw=2.5,
                color=color,
                label=f"U = {u:+.2f} V$_\\mathrm{{RHE}}$" if k == 0 else None,
            )
            color = line.get_color()
            if k + 1 < len(levels):
                ax.plot([lev + width, levels[k + 1]], [val, g[k + 1]], "--", lw=0.8, color=color)
    names = data[data["U_V_RHE"] == data["U_V_RHE"].iloc[0]]["state"].tolist()
    ax.set_xticks(np.arange(len(names)) + width / 2, names, rotation=30, ha="right")
    ax.set_ylabel("ΔG (eV)")
    ax.legend(fontsize="small")
    fig.tight_layout()
    return save_figure(fig, path, dpi)


def plot_barriers_vs_potential(
    table: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    figsize: tuple[float, float] = (10.0, 4.0),
    dpi: int = DEFAULT_DPI,
) -> Path:
    """ΔG‡(U) and ΔG_dissolution(U) against potential, one line per configuration.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`cudiss.analysis.tables.barrier_table`, usually over a grid
        of potentials. Rows with NaN (failed runs) are left out of the plot.
    path : path-like
        Output ``.png`` or ``.svg``.
    figsize, dpi
        Figure size (inches) and PNG resolution.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    CudissInputError
        Missing columns or nothing finite to plot.
    """
    needed = {"U_V_RHE", "config_id", "dG_forward_eV(U)", "dG_dissolution_eV"}
    missing = needed - set(table.columns)
    if missing:
        raise CudissInputError(f"table lacks columns: {', '.join(sorted(missing))}")
    fig = Figure(figsize=figsize)
    ax_b, ax_d = fig.subplots(1, 2)
    for ax in (ax_b, ax_d):
        _distinct_lines(ax)
    plotted = 0
    for config_id, group in table.groupby("config_id", sort=True):
        group = group.sort_values("U_V_RHE")
        row = group.iloc[0]
        label = "/".join(
            str(row.get(c, "")) for c in ("facet", "site_class", "adsorbates", "calculator")
        ) or str(config_id)
        for ax, col in ((ax_b, "dG_forward_eV(U)"), (ax_d, "dG_dissolution_eV")):
            ok = group[col].map(lambda v: math.isfinite(v))
            if ok.any():
                ax.plot(group["U_V_RHE"][ok], group[col][ok], "o-", ms=3, label=label)
                plotted += 1
    if not plotted:
        raise CudissInputError("no finite barrier or dissolution energy to plot")
    ax_b.set_ylabel("ΔG‡ forward (eV)")
    ax_b.set_title("Cu removal barrier")
    ax_d.set_ylabel("ΔG dissolution (eV)")
    ax_d.set_title("Cu(site) → Cu$^{2+}$ + 2e$^-$")
    ax_d.axhline(0.0, color="0.6", lw=0.8)
    for ax in (ax_b, ax_d):
        ax.set_xlabel("U (V vs RHE)")
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize="x-small")
    fig.tight_layout()
    return save_figure(fig, path, dpi)
