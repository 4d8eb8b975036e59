"""Figures for papers: NEB profiles, free-energy diagrams, barriers vs potential.

Figures are built on :class:`matplotlib.figure.Figure` (Agg rendering, no
pyplot state, no display needed, constrained layout) and written atomically as
PNG or SVG, chosen by the file suffix. The pixel size of a PNG is
``figsize × dpi``, with dpi between :data:`MIN_DPI` and :data:`MAX_DPI`.

Every series has its own colour, line style and marker (:func:`series_style`:
distinct for the first 280 series); legends sit outside the axes, so they never
hide data; axes name their quantity and unit, potentials their scale, and the
conditions behind the numbers (pH, Cu²⁺ activity, β) are written on the figure.
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
from matplotlib.lines import Line2D
from scipy.interpolate import CubicSpline

from cudiss.analysis.barriers import barrier_warning
from cudiss.analysis.che import (
    PotentialScale,
    ReactionStep,
    _finite,
    _scale,
    check_ph,
    free_energy_diagram,
    limiting_potential,
    she_from_rhe,
    to_rhe,
)
from cudiss.analysis.documents import RemovalResult
from cudiss.analysis.fileio import atomic_write
from cudiss.analysis.tables import adsorbate_label, calculator_label
from cudiss.structures.errors import CudissInputError

FIGURE_SUFFIXES = {".png": "png", ".svg": "svg"}
DEFAULT_FIGSIZE = (6.4, 4.8)
DEFAULT_DPI = 100
#: Accepted PNG resolutions (dots per inch): below 10 a figure is a few pixels,
#: above 2400 a default figure is a 15360 × 11520 image.
MIN_DPI, MAX_DPI = 10, 2400
#: Slabs are periodic in-plane only; RemovalResult does not store pbc.
SLAB_PBC = (True, True, False)

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


def _shared_calculator(calculators: Iterable[str]) -> str | None:
    found = set(calculators)
    return found.pop() if len(found) == 1 else None


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
    are skipped; it is an error if none is left.

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
    shared = _shared_calculator(calculator_label(r) for r in with_band)
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
    return fig


def _oxidation_limit(steps: Sequence[ReactionStep]) -> tuple[float, int] | None:
    """(U_L, step index) of an oxidation network: lowest U where every n < 0 step is downhill."""
    mirrored = [ReactionStep(s.name, s.dG0_eV, -s.n_electrons) for s in steps]
    if not any(s.n_electrons > 0 for s in mirrored):
        return None
    found = limiting_potential(mirrored)
    return -found.U_L_V_RHE, found.step_index


def _limiting_step(steps: Sequence[ReactionStep]) -> tuple[float, int, str] | None:
    """(U_L in V vs RHE, step index, kind) of a reduction, else an oxidation network."""
    if any(s.n_electrons > 0 for s in steps):
        found = limiting_potential(steps)
        return found.U_L_V_RHE, found.step_index, "reduction"
    oxidation = _oxidation_limit(steps)
    return None if oxidation is None else (*oxidation, "oxidation")


def free_energy_figure(
    steps: Sequence[ReactionStep],
    potentials: Iterable[float] = (0.0,),
    *,
    scale: PotentialScale = "RHE",
    pH: float = 0.0,
    initial_state: str = "initial",
    figsize: tuple[float, float] = DEFAULT_FIGSIZE,
) -> Figure:
    """Free-energy diagram of a CHE network at several potentials, limiting step marked.

    One staircase per potential (colour and line style of :func:`series_style`).
    The potential-determining step (:func:`cudiss.analysis.che.limiting_potential`;
    for a network of oxidation steps only, the step that needs the highest
    potential) is drawn bold in every staircase and labelled with its ΔG(0);
    the title gives U_L. Potentials are labelled on ``scale``; on the SHE scale
    the pH is stated too.

    Parameters
    ----------
    steps : sequence of ReactionStep
        The network in order.
    potentials : iterable of float
        One staircase per potential (V on ``scale``).
    scale : {"RHE", "SHE"}
        Scale of ``potentials`` and of the labels.
    pH : float
        Electrolyte pH, in [-1, 15] (converts SHE to RHE).
    initial_state : str
        Name of the first level.
    figsize : (float, float)
        Inches.

    Returns
    -------
    matplotlib.figure.Figure
    """
    scale, pH = _scale(scale), check_ph(pH)
    given = sorted({_finite(u, "potential") for u in potentials})
    if not given:
        raise CudissInputError("give at least one potential")
    u_rhe = {u: to_rhe(u, scale, pH) for u in given}
    data = free_energy_diagram(steps, list(u_rhe.values()), initial_state=initial_state)
    limit = _limiting_step(steps)
    fig = Figure(figsize=figsize, layout="constrained")
    ax = fig.add_subplot()
    width = 0.6
    handles = []
    bold_step = None if limit is None else limit[1]
    for i, u in enumerate(given):
        style = series_style(i)
        group = data[data["U_V_RHE"] == u_rhe[u]]
        levels, g = group["level"].to_numpy(), group["G_eV"].to_numpy()
        for k, (lev, val) in enumerate(zip(levels, g, strict=True)):
            ax.plot(
                [lev, lev + width],
                [val, val],
                linestyle=style["linestyle"],
                lw=2.5,
                color=style["color"],
            )
            if k + 1 < len(levels):
                bold = k == bold_step
                ax.plot(
                    [lev + width, levels[k + 1]],
                    [val, g[k + 1]],
                    linestyle="-" if bold else "--",
                    lw=2.4 if bold else 0.9,
                    color=style["color"],
                )
        handles.append(
            Line2D(
                [],
                [],
                color=style["color"],
                linestyle=style["linestyle"],
                lw=2.5,
                label=f"U = {_signed(u)} V vs {scale}",
            )
        )
    names = [initial_state, *(s.name for s in steps)]
    ax.set_xticks(np.arange(len(names)) + width / 2, names, rotation=30, ha="right")
    ax.set_xlabel("state along the reaction path")
    ax.set_ylabel("ΔG (eV)")
    ax.axhline(0.0, color="0.75", lw=0.8, zorder=0)
    title = "CHE free-energy diagram"
    if limit is not None:
        u_l, k, kind = limit
        step = steps[k]
        handles.append(
            Line2D(
                [],
                [],
                color="0.2",
                lw=2.4,
                label=f"limiting step (bold): {step.name}\n"
                f"ΔG = {_signed(step.dG0_eV)} eV at 0 V vs RHE",
            )
        )
        title = f"$U_\\mathrm{{L}}$ = {_signed(u_l)} V vs RHE"
        if scale == "SHE":
            title += f" (= {_signed(she_from_rhe(u_l, pH))} V vs SHE at pH {pH:g})"
        title += f"\nlimiting step: {step.name} ({kind})"
    elif scale == "SHE":
        title += f" (pH {pH:g})"
    fig.suptitle(title, fontsize="medium")
    _legend_outside(fig, handles, below=True)
    return fig


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
    activity over dissolution.

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
    if figsize is None:
        # One legend entry is about 1.36 x 7.5 pt; 0.9 of the height is for the legend.
        entries = table["config_id"].nunique()
        figsize = (10.0, max(4.0, entries * 1.36 * LEGEND_FONTSIZE / 72.0 / 0.9 + 0.2))
    fig = Figure(figsize=figsize, layout="constrained")
    ax_b, ax_d = fig.subplots(1, 2)
    handles = []
    for config_id, group in table.groupby("config_id", sort=True):
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
            handles.append(Line2D([], [], lw=1.4, ms=4.5, label=label, **style))
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
    return fig


def _table_values(table: pd.DataFrame, column: str, fmt) -> str:
    """The distinct finite values of a table column, formatted and joined by ``/``."""
    if column not in table:
        return ""
    values = sorted({float(v) for v in table[column] if math.isfinite(v)})
    return "/".join(fmt(v) for v in values)


def _check_figure_target(path: str | os.PathLike[str], dpi: int) -> None:
    if Path(path).suffix.lower() not in FIGURE_SUFFIXES:
        raise CudissInputError(f"figure file must end in .png or .svg, got {str(path)!r}")
    check_dpi(dpi)


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
) -> Path:
    """Write :func:`free_energy_figure` to ``path`` (``.png`` or ``.svg``, PNG at ``dpi``)."""
    _check_figure_target(path, dpi)
    fig = free_energy_figure(
        steps, potentials, scale=scale, pH=pH, initial_state=initial_state, figsize=figsize
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
