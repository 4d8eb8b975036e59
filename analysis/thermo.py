"""Free-energy corrections: G = E_DFT + ZPE + ∫Cp dT − TS.

Gas molecules use the ideal-gas model (:class:`ase.thermochemistry.IdealGasThermo`)
or tabulated literature values; adsorbates use the harmonic model
(:class:`ase.thermochemistry.HarmonicThermo`), in which all adsorbate degrees of
freedom are treated as vibrations. Units: energies in eV, frequencies in cm⁻¹,
pressures in Pa, temperatures in K.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from ase import Atoms, units
from ase.thermochemistry import HarmonicThermo, IdealGasThermo

from cudiss.structures.errors import CudissInputError

#: Standard temperature of all tabulated corrections (K).
STANDARD_TEMPERATURE_K = 298.15
#: Boltzmann constant (eV/K), from ASE so every module uses the same value.
KB_EV_PER_K = units.kB
#: 1 bar in Pa.
BAR_PA = 1.0e5


@dataclass(frozen=True)
class FreeEnergyCorrection:
    """Thermal correction of one species at one temperature (and pressure for gases).

    Attributes
    ----------
    name : str
        Species label, e.g. ``"H2"`` or ``"*CO"``.
    zpe_eV : float
        Zero-point energy (eV).
    cp_integral_eV : float
        ∫₀ᵀ Cp dT for gases, or the harmonic internal-energy increase U(T) − ZPE for
        adsorbates (eV).
    ts_eV : float
        T·S (eV).
    temperature_K : float
        Temperature of the correction (K).
    pressure_Pa : float or None
        Partial pressure the entropy refers to (gases only).
    source : str
        Where the numbers come from (citation or "harmonic frequencies").
    """

    name: str
    zpe_eV: float
    cp_integral_eV: float
    ts_eV: float
    temperature_K: float = STANDARD_TEMPERATURE_K
    pressure_Pa: float | None = None
    source: str = ""

    @property
    def correction_eV(self) -> float:
        """ZPE + ∫Cp dT − TS (eV): add to E_DFT to get G."""
        return self.zpe_eV + self.cp_integral_eV - self.ts_eV


# Literature gas corrections at 298.15 K.
# H2 and H2O: Nørskov et al., J. Phys. Chem. B 108, 17886 (2004), Table 2
# (H2O at 0.035 bar, its vapour pressure at 298 K, so that G(H2O, g) = G(H2O, l)).
# CO and CO2: ZPE from the experimental fundamentals (CO 2170 cm⁻¹; CO2 667 (×2),
# 1333, 2349 cm⁻¹) and TS from the NIST-JANAF standard entropies at 1 bar
# (CO 197.7, CO2 213.8 J mol⁻¹ K⁻¹); these agree with the values tabulated by
# Peterson et al., Energy Environ. Sci. 3, 1311 (2010), ESI.
# ∫Cp dT: rigid-rotor ideal gas, 7/2 kT (linear) or 4 kT (non-linear); the
# vibrational part is below 0.01 eV at 298 K for all four and is neglected.
_KT298 = KB_EV_PER_K * STANDARD_TEMPERATURE_K
LITERATURE_GAS_CORRECTIONS: dict[str, FreeEnergyCorrection] = {
    "H2": FreeEnergyCorrection(
        "H2", 0.27, 3.5 * _KT298, 0.41, pressure_Pa=101325.0, source="Nørskov 2004"
    ),
    "H2O": FreeEnergyCorrection(
        "H2O", 0.56, 4.0 * _KT298, 0.67, pressure_Pa=3534.0, source="Nørskov 2004 (0.035 bar)"
    ),
    "CO": FreeEnergyCorrection(
        "CO", 0.13, 3.5 * _KT298, 0.61, pressure_Pa=101325.0, source="NIST-JANAF; Peterson 2010"
    ),
    "CO2": FreeEnergyCorrection(
        "CO2", 0.31, 3.5 * _KT298, 0.66, pressure_Pa=101325.0, source="NIST-JANAF; Peterson 2010"
    ),
}

#: Optional gas-phase error correction of CO2 for RPBE (eV), added to G(CO2).
#: Peterson et al., Energy Environ. Sci. 3, 1311 (2010) found a systematic
#: ~0.45 eV error of the O=C=O backbone in RPBE reaction energies involving CO2
#: and corrected CO2 by this amount. It is functional-specific (PBE errors
#: differ: Christensen et al., Catal. Sci. Technol. 5, 4946 (2015)), so it is
#: never applied by default: pass it explicitly as ``co2_correction_eV``.
CO2_CORRECTION_RPBE_PETERSON2010_EV = 0.45


def _check_frequencies(frequencies_cm: Sequence[float], what: str) -> np.ndarray:
    freqs = np.asarray(frequencies_cm, dtype=complex)
    if freqs.ndim != 1 or freqs.size == 0:
        raise CudissInputError(f"{what}: need a non-empty 1-D list of frequencies in cm^-1")
    if not np.all(np.isfinite(freqs)):
        raise CudissInputError(f"{what}: frequencies must be finite")
    # Imaginary modes are given either as complex numbers or, by the common
    # convention of ase.vibrations summaries, as negative reals.
    if np.any(np.abs(freqs.imag) > 1e-8) or np.any(freqs.real < 0):
        raise CudissInputError(f"{what}: imaginary frequency; the structure is not a minimum")
    return freqs.real


def adsorbate_correction(
    frequencies_cm: Sequence[float],
    name: str = "adsorbate",
    temperature_K: float = STANDARD_TEMPERATURE_K,
    low_frequency_cutoff_cm: float = 50.0,
) -> FreeEnergyCorrection:
    """Harmonic ZPE, U(T) − ZPE and TS of an adsorbate from its frequencies.

    Parameters
    ----------
    frequencies_cm : sequence of float
        Real vibrational frequencies of the adsorbate atoms (cm⁻¹), e.g. from
        ``ase.vibrations.Vibrations.get_frequencies()`` with the slab fixed.
    name : str
        Label stored in the result.
    temperature_K : float
        Temperature (K).
    low_frequency_cutoff_cm : float
        Frequencies below this are raised to it. Soft frustrated translations
        make the harmonic entropy diverge as ω → 0; raising them to 50 cm⁻¹ is a
        common remedy. Set to 0 to disable.

    Returns
    -------
    FreeEnergyCorrection
        With ``pressure_Pa=None``.

    Raises
    ------
    CudissInputError
        Empty, non-finite or imaginary frequencies, or a non-positive temperature.

    Examples
    --------
    >>> corr = adsorbate_correction([2000.0, 300.0, 300.0])
    >>> round(corr.zpe_eV, 3)
    0.161
    """
    if not temperature_K > 0:
        raise CudissInputError(f"temperature must be positive, got {temperature_K} K")
    freqs = _check_frequencies(frequencies_cm, name)
    freqs = np.maximum(freqs, low_frequency_cutoff_cm)
    vib_energies = freqs * units.invcm
    thermo = HarmonicThermo(vib_energies=vib_energies, potentialenergy=0.0)
    zpe = thermo.get_ZPE_correction()
    internal = thermo.get_internal_energy(temperature_K, verbose=False)
    entropy = thermo.get_entropy(temperature_K, verbose=False)
    return FreeEnergyCorrection(
        name=name,
        zpe_eV=float(zpe),
        cp_integral_eV=float(internal - zpe),
        ts_eV=float(temperature_K * entropy),
        temperature_K=temperature_K,
        source="harmonic frequencies",
    )


def gas_correction(
    atoms: Atoms,
    frequencies_cm: Sequence[float],
    geometry: Literal["linear", "nonlinear", "monatomic"],
    symmetrynumber: int,
    spin: float = 0.0,
    name: str | None = None,
    temperature_K: float = STANDARD_TEMPERATURE_K,
    pressure_Pa: float = 101325.0,
) -> FreeEnergyCorrection:
    """Ideal-gas ZPE, ∫Cp dT and TS of a molecule from its frequencies.

    Parameters
    ----------
    atoms : ase.Atoms
        The relaxed molecule (for masses and moments of inertia).
    frequencies_cm : sequence of float
        All frequencies from a vibration analysis (cm⁻¹); the 3N−5 (linear) or
        3N−6 highest are used, so translations and rotations may be included.
    geometry : {"linear", "nonlinear", "monatomic"}
        Molecular geometry.
    symmetrynumber : int
        Rotational symmetry number (H2, CO2: 2; H2O: 2; CO: 1).
    spin : float
        Total electronic spin (0 for the four closed-shell references).
    name : str, optional
        Label; defaults to the chemical formula.
    temperature_K, pressure_Pa : float
        Temperature (K) and partial pressure (Pa).

    Returns
    -------
    FreeEnergyCorrection

    Raises
    ------
    CudissInputError
        Too few or imaginary modes, non-positive temperature or pressure.
    """
    if not temperature_K > 0 or not pressure_Pa > 0:
        raise CudissInputError("temperature and pressure must be positive")
    n_modes = {"linear": 3 * len(atoms) - 5, "nonlinear": 3 * len(atoms) - 6, "monatomic": 0}[
        geometry
    ]
    label = name or atoms.get_chemical_formula()
    all_freqs = np.asarray(frequencies_cm, dtype=complex)
    if len(all_freqs) < n_modes:
        raise CudissInputError(f"{label}: need at least {n_modes} frequencies")
    # The 3N-5/3N-6 largest modes are the vibrations; the rest (translations,
    # rotations) may be small or imaginary and are discarded, as IdealGasThermo does.
    vibrations = all_freqs[np.argsort(-np.abs(all_freqs))[:n_modes]]
    freqs = _check_frequencies(vibrations, label) if n_modes else np.zeros(0)
    thermo = IdealGasThermo(
        vib_energies=freqs * units.invcm,
        geometry=geometry,
        potentialenergy=0.0,
        atoms=atoms,
        symmetrynumber=symmetrynumber,
        spin=spin,
    )
    zpe = thermo.get_ZPE_correction()
    enthalpy = thermo.get_enthalpy(temperature_K, verbose=False)
    entropy = thermo.get_entropy(temperature_K, pressure_Pa, verbose=False)
    return FreeEnergyCorrection(
        name=label,
        zpe_eV=float(zpe),
        cp_integral_eV=float(enthalpy - zpe),
        ts_eV=float(temperature_K * entropy),
        temperature_K=temperature_K,
        pressure_Pa=pressure_Pa,
        source="ideal gas, frequencies",
    )


def gas_free_energy(
    name: str,
    energy_eV: float,
    correction: FreeEnergyCorrection | None = None,
    co2_correction_eV: float = 0.0,
) -> float:
    """Free energy of a gas reference: E_DFT + ZPE + ∫Cp dT − TS (+ CO2 correction).

    Parameters
    ----------
    name : str
        One of ``"H2"``, ``"H2O"``, ``"CO"``, ``"CO2"`` when ``correction`` is
        omitted (literature values of :data:`LITERATURE_GAS_CORRECTIONS`).
    energy_eV : float
        DFT total energy of the molecule (eV).
    correction : FreeEnergyCorrection, optional
        A correction from :func:`gas_correction` (the project's own vibrations).
    co2_correction_eV : float
        Added to G only when ``name == "CO2"``, e.g.
        :data:`CO2_CORRECTION_RPBE_PETERSON2010_EV`. Default 0 (off).

    Returns
    -------
    float
        G in eV.

    Raises
    ------
    CudissInputError
        Unknown gas without an explicit correction, or a non-finite energy.

    Examples
    --------
    >>> round(gas_free_energy("H2", -6.77) - (-6.77), 3)  # 0.27 + 0.090 - 0.41
    -0.05
    """
    if not math.isfinite(energy_eV):
        raise CudissInputError(f"{name}: energy must be finite, got {energy_eV}")
    if correction is None:
        if name not in LITERATURE_GAS_CORRECTIONS:
            known = ", ".join(LITERATURE_GAS_CORRECTIONS)
            raise CudissInputError(f"no literature correction for gas {name!r} (known: {known})")
        correction = LITERATURE_GAS_CORRECTIONS[name]
    extra = co2_correction_eV if name == "CO2" else 0.0
    return energy_eV + correction.correction_eV + extra
