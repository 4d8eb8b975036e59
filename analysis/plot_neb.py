"""The NEB energy profile figure: image energies and a smooth fit along the band.

The band of a :class:`~cudiss.analysis.documents.RemovalResult` is rebuilt as
ASE Atoms (:func:`neb_images`) so the fit is ASE's own where forces are stored
(:func:`neb_profile`); :func:`neb_profiles_figure` draws one or more bands.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
from ase import Atoms
from ase.calculators.singlepoint import SinglePointCalculator
from ase.utils.forcecurve import fit_images
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from scipy.interpolate import CubicSpline

from cudiss.analysis.barriers import barrier_warning
from cudiss.analysis.documents import RemovalResult
from cudiss.analysis.plot_style import (
    DEFAULT_FIGSIZE,
    _flagged,
    _legend_outside,
    _shared_calculator,
    config_label,
    mark_screening,
    series_style,
)
from cudiss.analysis.tables import calculator_label
from cudiss.structures.errors import CudissInputError

#: Slabs are periodic in-plane only; RemovalResult does not store pbc.
SLAB_PBC = (True, True, False)


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


def neb_profiles_figure(
    results: RemovalResult | Sequence[RemovalResult],
    *,
    figsize: tuple[float, float] = DEFAULT_FIGSIZE,
    title: str | None = None,
) -> Figure:
    """The NEB energy profile(s) of one or more results, as a Figure.

    Each configuration has its own colour, line style (the fit) and marker (the
    images); a band flagged by :func:`~cudiss.analysis.barriers.barrier_flags`
    carries its warning in the legend. Results without a band (failed runs)
    are skipped; it is an error if none is left. Bands of a machine-learned
    potential make the figure say so on its first line (:func:`mark_screening`).

    Parameters
    ----------
    results : RemovalResult or sequence of RemovalResult
        The configurations.
    figsize : (float, float)
        Inches.
    title : str, optional
        Axes title; defaults to the configuration and barrier of a single
        profile, else to "CI-NEB profiles at zero bias".

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    CudissInputError
        No result with a NEB band.
    """
    if isinstance(results, RemovalResult):
        results = [results]
    with_band = [r for r in results if len(r.images) >= 2]
    if not with_band:
        raise CudissInputError("no result with a NEB band to plot")
    calculators = [calculator_label(r) for r in with_band]
    shared = _shared_calculator(calculators)
    fig = Figure(figsize=figsize, layout="constrained")
    ax = fig.add_subplot()
    handles = []
    for i, res in enumerate(with_band):
        style = series_style(i)
        x, e, fx, fe = neb_profile(res)
        ax.plot(fx, fe, color=style["color"], linestyle=style["linestyle"], lw=1.5)
        ax.plot(x, e, linestyle="none", marker=style["marker"], color=style["color"], ms=5)
        label = _flagged(config_label(res, calculator=shared is None), barrier_warning(res))
        handles.append(Line2D([], [], lw=1.5, ms=5, label=label, **style))
    ax.axhline(0.0, color="0.75", lw=0.8, zorder=0)
    ax.set_xlabel("reaction coordinate (Å)")
    ax.set_ylabel("E − E(initial) (eV)")
    if title is None:
        if len(with_band) == 1:
            res = with_band[0]
            title = _flagged(config_label(res), barrier_warning(res))
            if res.forward_barrier_eV is not None:
                title += f": ΔE‡ = {res.forward_barrier_eV:.3f} eV"
        else:
            title = "CI-NEB profiles at zero bias"
    if title:
        ax.set_title(title, fontsize="medium")
    if len(with_band) > 1:
        _legend_outside(fig, handles, title=f"calculator: {shared}" if shared else None)
    mark_screening(fig, calculators)
    return fig
