"""The CHE free-energy diagram figure: one staircase per potential, limiting step marked."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

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
from cudiss.analysis.plot_style import (
    DEFAULT_FIGSIZE,
    _legend_outside,
    _signed,
    mark_screening,
    series_style,
)
from cudiss.structures.errors import CudissInputError


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
    calculators: Iterable[str] = (),
) -> Figure:
    """Free-energy diagram of a CHE network at several potentials, limiting step marked.

    One staircase per potential (colour and line style of :func:`series_style`).
    The potential-determining step (:func:`cudiss.analysis.che.limiting_potential`;
    for a network of oxidation steps only, the step that needs the highest
    potential) is drawn bold in every staircase and labelled with its ΔG(0);
    the title gives U_L. Potentials are labelled on ``scale``; on the SHE scale
    the pH is stated too. Steps computed with a machine-learned potential make
    the figure say so on its first line (:func:`mark_screening`).

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
    calculators : iterable of str
        Calculator labels (``code`` or ``code:preset``) the ΔG values come
        from; steps carry none, so give them to have MLIP numbers labelled.

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
    mark_screening(fig, calculators)
    return fig
