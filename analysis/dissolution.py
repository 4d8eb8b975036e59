"""Electrochemical dissolution of a surface Cu atom: Cu(site) → Cu²⁺(aq) + 2e⁻.

    ΔG(U) = E(slab with vacancy) − E(slab) + μ_Cu(bulk) + 2e·U0 + kT ln a(Cu²⁺) − 2e·U_SHE

(README, "Units and conventions"). The bulk Cu/Cu²⁺ equilibrium at U0 links the surface atom to the
aqueous ion without computing Cu²⁺ itself. A kink atom (half-crystal position)
has E_vac − E_slab + μ_Cu ≈ 0, so ΔG(U0, a = 1) ≈ 0 there. Units: eV, V.
"""

from __future__ import annotations

import math

from cudiss.analysis.che import (
    PotentialScale,
    _finite,
    _positive,
    _scale,
    rhe_from_she,
    she_from_rhe,
    to_rhe,
)
from cudiss.analysis.documents import RemovalResult
from cudiss.analysis.thermo import KB_EV_PER_K, STANDARD_TEMPERATURE_K
from cudiss.structures.errors import CudissInputError

#: Standard potential of Cu²⁺ + 2e⁻ ⇌ Cu(s) in V vs SHE at 298.15 K, the value of
#: Pourbaix, Atlas of Electrochemical Equilibria in Aqueous Solutions (1974).
#: (Later compilations give 0.340-0.342 V, e.g. Bard, Parsons & Jordan, Standard
#: Potentials in Aqueous Solution (1985); the 5 mV spread is far below DFT error.)
CU2_STANDARD_POTENTIAL_V_SHE = 0.337
#: Default Cu²⁺ activity: 10⁻⁶, Pourbaix's convention for the onset of corrosion
#: (a metal "corrodes" once it can sustain 10⁻⁶ mol/L of its ions).
DEFAULT_CU2_ACTIVITY = 1.0e-6
#: Electrons released per dissolved Cu atom.
CU2_ELECTRONS = 2


def check_activity(activity: float) -> float:
    """``activity`` as a float if it is a Cu²⁺ activity: finite, > 0 and ≤ 1.

    a = 1 is the standard state (about 1 mol/L); cudiss refuses larger values,
    and zero or negative ones have no logarithm.

    Raises
    ------
    CudissInputError
        Not a number, not finite, ≤ 0 or > 1.

    Examples
    --------
    >>> check_activity(1e-6)
    1e-06
    """
    value = _finite(activity, "Cu2+ activity")
    if not 0.0 < value <= 1.0:
        raise CudissInputError(f"Cu2+ activity must be > 0 and <= 1, got {value:g}")
    return value


def _check(activity: float, temperature_K: float) -> None:
    check_activity(activity)
    _positive(temperature_K, "temperature", " K")


def removal_energy(
    vacancy_energy_eV: float, slab_energy_eV: float, bulk_energy_per_atom_eV: float
) -> float:
    """E_vac − E_slab + μ_Cu(bulk) (eV): cost of moving the site atom to bulk Cu.

    Parameters
    ----------
    vacancy_energy_eV : float
        Relaxed slab without the target atom (eV).
    slab_energy_eV : float
        Relaxed intact slab (eV).
    bulk_energy_per_atom_eV : float
        μ_Cu, bulk Cu energy per atom from the same calculator (eV).

    Returns
    -------
    float
        Zero for a kink atom of a large enough cell.

    Examples
    --------
    >>> round(removal_energy(-100.0, -103.4, -3.7), 3)  # -100.0 + 103.4 - 3.7
    -0.3
    """
    return (
        _finite(vacancy_energy_eV, "vacancy energy")
        - _finite(slab_energy_eV, "slab energy")
        + _finite(bulk_energy_per_atom_eV, "bulk energy")
    )


def dissolution_free_energy(
    vacancy_energy_eV: float,
    slab_energy_eV: float,
    bulk_energy_per_atom_eV: float,
    potential_V: float,
    scale: PotentialScale = "RHE",
    pH: float = 0.0,
    activity: float = DEFAULT_CU2_ACTIVITY,
    standard_potential_V_SHE: float = CU2_STANDARD_POTENTIAL_V_SHE,
    temperature_K: float = STANDARD_TEMPERATURE_K,
) -> float:
    """ΔG(U) of Cu(site) → Cu²⁺(aq) + 2e⁻ (eV).

    ΔG = E_vac − E_slab + μ_Cu + 2e·U0 + kT ln a − 2e·U_SHE. A potential given vs
    RHE is converted to SHE with the pH, because U0 and the Cu²⁺ activity refer
    to SHE (no proton takes part in the reaction, so its ΔG is pH-independent
    on the SHE scale and shifts with pH on the RHE scale).

    Parameters
    ----------
    vacancy_energy_eV, slab_energy_eV, bulk_energy_per_atom_eV : float
        See :func:`removal_energy` (eV).
    potential_V : float
        Electrode potential (V) on ``scale``.
    scale : {"RHE", "SHE"}
        Reference electrode of ``potential_V``.
    pH : float
        Electrolyte pH.
    activity : float
        Cu²⁺ activity (default 10⁻⁶).
    standard_potential_V_SHE : float
        U0 of Cu²⁺/Cu (default 0.337 V vs SHE).
    temperature_K : float
        Temperature (K).

    Returns
    -------
    float
        ΔG in eV (negative: dissolution is downhill).

    Raises
    ------
    CudissInputError
        Non-finite input, non-positive activity or temperature, unknown scale.

    Examples
    --------
    >>> round(dissolution_free_energy(-10.0, -13.5, -3.5, 0.337, "SHE", activity=1.0), 6)
    0.0
    """
    _check(activity, temperature_K)
    u_she = she_from_rhe(to_rhe(potential_V, scale, pH, temperature_K), pH, temperature_K)
    u0 = _finite(standard_potential_V_SHE, "standard potential")
    return (
        removal_energy(vacancy_energy_eV, slab_energy_eV, bulk_energy_per_atom_eV)
        + CU2_ELECTRONS * u0
        + KB_EV_PER_K * temperature_K * math.log(activity)
        - CU2_ELECTRONS * u_she
    )


def dissolution_potential(
    vacancy_energy_eV: float,
    slab_energy_eV: float,
    bulk_energy_per_atom_eV: float,
    scale: PotentialScale = "RHE",
    pH: float = 0.0,
    activity: float = DEFAULT_CU2_ACTIVITY,
    standard_potential_V_SHE: float = CU2_STANDARD_POTENTIAL_V_SHE,
    temperature_K: float = STANDARD_TEMPERATURE_K,
) -> float:
    """Potential U_diss at which ΔG of dissolving the site atom is zero.

    U_diss,SHE = U0 + (E_vac − E_slab + μ_Cu)/(2e) + (kT/2e) ln a; above U_diss
    the atom dissolves spontaneously. Returned on ``scale``
    (U_RHE = U_SHE + (kT ln10/e) pH).

    Parameters
    ----------
    vacancy_energy_eV, slab_energy_eV, bulk_energy_per_atom_eV : float
        See :func:`removal_energy` (eV).
    scale : {"RHE", "SHE"}
        Scale of the returned potential.
    pH, activity, standard_potential_V_SHE, temperature_K
        As in :func:`dissolution_free_energy`.

    Returns
    -------
    float
        U_diss in V on ``scale``.

    Examples
    --------
    >>> round(dissolution_potential(-10.0, -13.6, -3.5, "SHE", activity=1.0), 3)
    0.387
    """
    _check(activity, temperature_K)
    u_she = (
        _finite(standard_potential_V_SHE, "standard potential")
        + removal_energy(vacancy_energy_eV, slab_energy_eV, bulk_energy_per_atom_eV) / CU2_ELECTRONS
        + KB_EV_PER_K * temperature_K * math.log(activity) / CU2_ELECTRONS
    )
    if _scale(scale) == "SHE":
        return u_she
    return rhe_from_she(u_she, pH, temperature_K)


def has_dissolution_data(result: RemovalResult) -> bool:
    """True if ``result`` is a bare site holding the three energies dissolution needs.

    The vacancy slab of an adsorbate-bound configuration lacks the adsorbates
    too, so E(vac) - E(slab) there also removes them: Cu(site) -> Cu2+ + 2e-
    does not describe it (a Cu-adsorbate complex needs its own aqueous
    reference), and no number is better than a wrong one.
    """
    if result.adsorbates:
        return False
    values = (result.vacancy_energy_eV, result.slab_energy_eV, result.bulk_energy_per_atom_eV)
    return all(v is not None and math.isfinite(v) for v in values)
