"""Computational hydrogen electrode (CHE).

Nørskov et al., J. Phys. Chem. B 108, 17886 (2004): at a potential U vs the
reversible hydrogen electrode (RHE), G(H⁺ + e⁻) = ½ G(H2) − eU. A step that
consumes n proton–electron pairs therefore shifts as

    ΔG(U) = ΔG(0) + n e U          (U in V vs RHE)

Sign convention used everywhere in cudiss: n > 0 for a reduction step
(pairs consumed), n < 0 for an oxidation (pairs or electrons released, e.g.
Cu → Cu²⁺ + 2e⁻ has n = −2), n = 0 for a chemical step. Potentials are in V vs
RHE unless a ``scale`` argument says ``"SHE"``; the conversion is
U_RHE = U_SHE + (kT ln10 / e) pH.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from cudiss.analysis.thermo import KB_EV_PER_K, STANDARD_TEMPERATURE_K
from cudiss.structures.errors import CudissInputError

PotentialScale = Literal["RHE", "SHE"]
#: pH values the analysis accepts: aqueous electrolytes from 10 M acid to 10 M base.
PH_RANGE = (-1.0, 15.0)


def _finite(value: float, what: str) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise CudissInputError(f"{what} must be a number, got {value!r}") from None
    if not math.isfinite(value):
        raise CudissInputError(f"{what} must be finite, got {value}")
    return value


def _positive(value: float, what: str, unit: str = "") -> float:
    if not _finite(value, what) > 0:
        raise CudissInputError(f"{what} must be positive, got {value}{unit}")
    return float(value)


def check_ph(pH: float) -> float:
    """``pH`` as a float if it is finite and within :data:`PH_RANGE`.

    Raises
    ------
    CudissInputError
        Not a number, not finite, or outside [-1, 15].

    Examples
    --------
    >>> check_ph(7)
    7.0
    """
    value = _finite(pH, "pH")
    low, high = PH_RANGE
    if not low <= value <= high:
        raise CudissInputError(f"pH must be between {low:g} and {high:g}, got {value:g}")
    return value


def _scale(scale: str) -> PotentialScale:
    """``"RHE"`` or ``"SHE"`` (any case); anything else is an input error."""
    key = str(scale).upper()
    if key not in ("RHE", "SHE"):
        raise CudissInputError(f"unknown potential scale {scale!r} (use RHE or SHE)")
    return key


def nernst_slope_V(temperature_K: float = STANDARD_TEMPERATURE_K) -> float:
    """kT ln10 / e in V per pH unit (0.0592 V at 298.15 K).

    Parameters
    ----------
    temperature_K : float
        Temperature (K).

    Returns
    -------
    float
        The slope in V.

    Examples
    --------
    >>> round(nernst_slope_V(), 4)
    0.0592
    """
    return KB_EV_PER_K * _positive(temperature_K, "temperature", " K") * math.log(10.0)


def rhe_from_she(
    potential_V_SHE: float, pH: float, temperature_K: float = STANDARD_TEMPERATURE_K
) -> float:
    """Convert a potential from V vs SHE to V vs RHE: U_RHE = U_SHE + (kT ln10/e) pH.

    Parameters
    ----------
    potential_V_SHE : float
        Potential vs the standard hydrogen electrode (V).
    pH : float
        pH of the electrolyte.
    temperature_K : float
        Temperature (K).

    Returns
    -------
    float
        Potential vs RHE (V).

    Examples
    --------
    >>> round(rhe_from_she(-1.0, 7.0), 4)
    -0.5859
    """
    u = _finite(potential_V_SHE, "potential")
    return u + nernst_slope_V(temperature_K) * _finite(pH, "pH")


def she_from_rhe(
    potential_V_RHE: float, pH: float, temperature_K: float = STANDARD_TEMPERATURE_K
) -> float:
    """Convert a potential from V vs RHE to V vs SHE: U_SHE = U_RHE − (kT ln10/e) pH.

    Parameters
    ----------
    potential_V_RHE : float
        Potential vs RHE (V).
    pH : float
        pH of the electrolyte.
    temperature_K : float
        Temperature (K).

    Returns
    -------
    float
        Potential vs SHE (V).

    Examples
    --------
    >>> round(she_from_rhe(-0.5, 7.0), 3)  # -0.5 - 0.0592 x 7
    -0.914
    """
    u = _finite(potential_V_RHE, "potential")
    return u - nernst_slope_V(temperature_K) * _finite(pH, "pH")


def to_rhe(
    potential_V: float,
    scale: PotentialScale = "RHE",
    pH: float = 0.0,
    temperature_K: float = STANDARD_TEMPERATURE_K,
) -> float:
    """Express a potential given on ``scale`` in V vs RHE.

    Parameters
    ----------
    potential_V : float
        The potential (V) on ``scale``.
    scale : {"RHE", "SHE"}
        Reference electrode of ``potential_V``.
    pH : float
        pH (only used for ``scale="SHE"``).
    temperature_K : float
        Temperature (K).

    Returns
    -------
    float
        Potential vs RHE (V).

    Raises
    ------
    CudissInputError
        Unknown scale or non-finite numbers.

    Examples
    --------
    >>> to_rhe(-0.2), round(to_rhe(-0.6, "SHE", pH=7.0), 3)  # -0.6 + 0.0592 x 7
    (-0.2, -0.186)
    """
    if _scale(scale) == "RHE":
        return _finite(potential_V, "potential")
    return rhe_from_she(potential_V, pH, temperature_K)


@dataclass(frozen=True)
class ReactionStep:
    """One elementary step of a reaction network.

    Attributes
    ----------
    name : str
        Label, e.g. ``"*CO2 -> *COOH"``.
    dG0_eV : float
        Reaction free energy at U = 0 V vs RHE (eV).
    n_electrons : int
        Proton–electron pairs consumed (> 0 reduction, < 0 oxidation, 0 chemical).

    Examples
    --------
    A CHE shift worked by hand: *CO2 + (H⁺ + e⁻) → *COOH with ΔG(0) = 0.4 eV
    consumes one pair, so at −0.5 V vs RHE ΔG = 0.4 + 1 × (−0.5) = −0.1 eV:

    >>> step = ReactionStep("*CO2 -> *COOH", 0.4, 1)
    >>> round(step.free_energy(-0.5), 3)
    -0.1
    """

    name: str
    dG0_eV: float
    n_electrons: int

    def __post_init__(self) -> None:
        _finite(self.dG0_eV, f"step {self.name!r}: dG0")
        if int(self.n_electrons) != self.n_electrons:
            raise CudissInputError(f"step {self.name!r}: n_electrons must be an integer")

    @classmethod
    def from_free_energies(
        cls,
        name: str,
        G_initial_eV: float,
        G_final_eV: float,
        n_electrons: int,
        G_H2_eV: float,
    ) -> ReactionStep:
        """Build a step with the CHE: ΔG(0) = G_final − G_initial − n·½G(H2).

        Parameters
        ----------
        name : str
            Step label.
        G_initial_eV, G_final_eV : float
            Free energies of the initial and final states without the
            proton–electron pairs (include any released H2O etc. in ``G_final_eV``).
        n_electrons : int
            Pairs consumed (see the module docstring for the sign).
        G_H2_eV : float
            Free energy of gas-phase H2 (see :func:`cudiss.analysis.thermo.gas_free_energy`).

        Returns
        -------
        ReactionStep

        Examples
        --------
        >>> step = ReactionStep.from_free_energies("*CO2 -> *COOH", -20.0, -23.0, 1, -6.8)
        >>> round(step.dG0_eV, 3)  # -23.0 - (-20.0) - 1 x 0.5 x (-6.8)
        0.4
        """
        dG0 = G_final_eV - G_initial_eV - n_electrons * 0.5 * G_H2_eV
        return cls(name=name, dG0_eV=dG0, n_electrons=n_electrons)

    def free_energy(self, potential_V_RHE: float) -> float:
        """ΔG(U) = ΔG(0) + n e U (eV) at ``potential_V_RHE``."""
        return self.dG0_eV + self.n_electrons * _finite(potential_V_RHE, "potential")


@dataclass(frozen=True)
class LimitingPotential:
    """Result of :func:`limiting_potential`.

    Attributes
    ----------
    U_L_V_RHE : float
        Limiting potential (V vs RHE): the highest potential at which every
        reduction step is downhill.
    step_index : int
        Index of the potential-determining step in the input sequence.
    step : ReactionStep
        The potential-determining step.
    """

    U_L_V_RHE: float
    step_index: int
    step: ReactionStep


def limiting_potential(steps: Sequence[ReactionStep]) -> LimitingPotential:
    """Limiting potential and potential-determining step of a reduction network.

    U_L = −max_i [ΔG_i(0) / (n_i e)] over the reduction steps (n_i > 0). For the
    usual one-electron steps this is the familiar U_L = −max_i ΔG_i(0)/e;
    dividing by n_i makes a step that consumes n pairs downhill exactly at U_L.
    Chemical steps (n = 0) cannot be driven by the potential and are skipped.
    Ties go to the first step.

    Parameters
    ----------
    steps : sequence of ReactionStep
        The steps in network order.

    Returns
    -------
    LimitingPotential

    Raises
    ------
    CudissInputError
        No reduction step in ``steps``.

    Examples
    --------
    >>> s = [ReactionStep("a", 0.3, 1), ReactionStep("b", -0.2, 1)]
    >>> limiting_potential(s).U_L_V_RHE
    -0.3
    """
    best: tuple[float, int] | None = None
    for i, step in enumerate(steps):
        if step.n_electrons <= 0:
            continue
        per_electron = step.dG0_eV / step.n_electrons
        if best is None or per_electron > best[0]:
            best = (per_electron, i)
    if best is None:
        raise CudissInputError("no reduction step (n_electrons > 0) in the network")
    return LimitingPotential(U_L_V_RHE=-best[0], step_index=best[1], step=steps[best[1]])


def free_energy_diagram(
    steps: Sequence[ReactionStep],
    potentials_V_RHE: Iterable[float] = (0.0,),
    initial_state: str = "initial",
) -> pd.DataFrame:
    """Free-energy levels of a network at several potentials (CHE).

    Level 0 is the initial state at G = 0; level k is the sum of ΔG_i(U) of the
    first k steps and carries the name of step k.

    Parameters
    ----------
    steps : sequence of ReactionStep
        Steps in network order.
    potentials_V_RHE : iterable of float
        Potentials (V vs RHE).
    initial_state : str
        Name of level 0.

    Returns
    -------
    pandas.DataFrame
        Columns ``U_V_RHE``, ``level``, ``state``, ``n_electrons_total``,
        ``G_eV``; one row per potential × level, sorted by potential then level.

    Raises
    ------
    CudissInputError
        Empty network or no potentials.

    Examples
    --------
    >>> steps = [ReactionStep("*COOH", 0.4, 1), ReactionStep("*CO + H2O", -0.2, 1)]
    >>> free_energy_diagram(steps, [-0.5])["G_eV"].round(3).tolist()  # 0, 0.4 - 0.5, -0.1 - 0.7
    [0.0, -0.1, -0.8]
    """
    if not steps:
        raise CudissInputError("the reaction network has no steps")
    potentials = [_finite(u, "potential") for u in potentials_V_RHE]
    if not potentials:
        raise CudissInputError("give at least one potential")
    rows = []
    for u in sorted(set(potentials)):
        g, n_total = 0.0, 0
        rows.append((u, 0, initial_state, 0, 0.0))
        for k, step in enumerate(steps, start=1):
            g += step.free_energy(u)
            n_total += step.n_electrons
            rows.append((u, k, step.name, n_total, g))
    return pd.DataFrame(rows, columns=["U_V_RHE", "level", "state", "n_electrons_total", "G_eV"])
