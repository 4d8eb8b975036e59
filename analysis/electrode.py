"""The absolute electrode potential: our RHE/SHE potentials on the scale GPAW's SJM uses.

GPAW's solvated jellium method (SJM) holds an electrode at a *work function*:
the potential of its Fermi level against the vacuum (top side of the slab), in
V. Its documentation puts 0 V vs SHE at "roughly 4.4" V on that scale, and its
tutorials use 4.4; IUPAC recommends 4.44 ± 0.02 V (Trasatti, Pure Appl. Chem.
58, 955 (1986)). This module is the one place the conversion lives:

    U_abs = U_SHE + U_abs(SHE)              U_abs(SHE) = 4.4 V by default
    U_SHE = U_RHE − (kT ln10 / e) pH         (:func:`cudiss.analysis.che.she_from_rhe`)

Everything else in cudiss speaks RHE or SHE; only the calculator sees U_abs.
"""

from __future__ import annotations

from cudiss.analysis.che import (
    PotentialScale,
    _finite,
    _scale,
    rhe_from_she,
    she_from_rhe,
)
from cudiss.analysis.thermo import STANDARD_TEMPERATURE_K

#: 0 V vs SHE on SJM's absolute (work-function) scale, V: GPAW's SJM documentation.
SHE_ABSOLUTE_V = 4.4


def absolute_potential(
    potential_V: float,
    scale: PotentialScale = "RHE",
    pH: float = 0.0,
    she_absolute_V: float = SHE_ABSOLUTE_V,
    temperature_K: float = STANDARD_TEMPERATURE_K,
) -> float:
    """SJM's target potential (work function, V) of a potential given vs RHE or SHE.

    Parameters
    ----------
    potential_V : float
        The electrode potential on ``scale`` (V).
    scale : {"RHE", "SHE"}
        Its reference electrode.
    pH : float
        pH of the electrolyte (used for RHE only).
    she_absolute_V : float
        0 V vs SHE on the absolute scale (V).
    temperature_K : float
        Temperature of the Nernst slope (K).

    Returns
    -------
    float
        The absolute potential (V), SJM's ``target_potential``.

    Examples
    --------
    >>> absolute_potential(0.0, "SHE")
    4.4
    >>> round(absolute_potential(-0.5, "RHE", pH=7.0), 4)  # 4.4 - 0.5 - 0.0592 x 7
    3.4859
    """
    u = _finite(potential_V, "potential")
    u_she = u if _scale(scale) == "SHE" else she_from_rhe(u, pH, temperature_K)
    return u_she + _finite(she_absolute_V, "SHE on the absolute scale")


def potential_from_absolute(
    absolute_V: float,
    scale: PotentialScale = "RHE",
    pH: float = 0.0,
    she_absolute_V: float = SHE_ABSOLUTE_V,
    temperature_K: float = STANDARD_TEMPERATURE_K,
) -> float:
    """The potential vs RHE or SHE (V) of an absolute one (SJM's achieved work function).

    The inverse of :func:`absolute_potential`, same parameters.

    Examples
    --------
    >>> round(potential_from_absolute(3.4859, "RHE", pH=7.0), 4)
    -0.5
    """
    u_she = _finite(absolute_V, "absolute potential") - _finite(
        she_absolute_V, "SHE on the absolute scale"
    )
    return u_she if _scale(scale) == "SHE" else rhe_from_she(u_she, pH, temperature_K)
