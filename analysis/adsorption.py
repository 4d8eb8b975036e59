"""Adsorption free energies on clean facets under the CHE, with their count of (H⁺ + e⁻).

For adsorbate X* at its best site (an
:class:`~cudiss.analysis.mechanism_documents.AdsorptionResult`):

    ΔE_ads = E(slab + X) − E(slab) − [a E(CO2) + b E(H2O) + n ½ E(H2)]
    ΔG_ads(0) = ΔE_ads + [ZPE + (U − ZPE) − TS](X*) − [the same corrections of the gases]
    ΔG_ads(U) = ΔG_ads(0) + n e U_RHE

with a, b, n from :func:`cudiss.analysis.reservoirs.formation`. The adsorbate correction is
harmonic (slab frozen); without frequencies the row says ``"no vibrations: ΔE only"``
and only the gases carry a correction. Units: eV, V, cm⁻¹.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from ase import Atoms

from cudiss.analysis.che import PotentialScale, _scale, check_ph, to_rhe
from cudiss.analysis.mechanism_documents import AdsorptionResult, GasResult
from cudiss.analysis.methods import method_notes
from cudiss.analysis.reservoirs import (
    APPROX_CHE,
    APPROX_COVERAGE,
    APPROX_GAS,
    APPROX_HARMONIC,
    Carbon,
    GasReferences,
    calculator_label,
    formation,
    gas_free_energies,
    gases_by_calculator,
)
from cudiss.analysis.thermo import (
    STANDARD_TEMPERATURE_K,
    FreeEnergyCorrection,
    adsorbate_correction,
)
from cudiss.structures.errors import CudissInputError
from cudiss.structures.sites import site_under

NAN = float("nan")
#: Imaginary modes softer than this (cm⁻¹) are numerical noise of a flat mode and are
#: raised to the harmonic cutoff; a harder one means the geometry is not a minimum.
SOFT_IMAGINARY_CM = 50.0

COLUMNS = [
    "campaign",
    "facet",
    "adsorbate",
    "best_site",
    "relaxed_site",
    "coverage_ML",
    "n_surface_atoms",
    "calculator",
    "state",
    "dE_ads_eV",
    "zpe_eV",
    "ts_eV",
    "dG0_ads_eV",
    "n_pairs",
    "U_V_RHE",
    "U_V",
    "scale",
    "pH",
    "dG_ads_eV",
    "vibrations_source",
    "gas_source",
]


def adsorbate_vibrations(
    frequencies_cm: Sequence[float],
    name: str = "adsorbate",
    temperature_K: float = STANDARD_TEMPERATURE_K,
) -> tuple[FreeEnergyCorrection | None, str]:
    """Harmonic correction of an adsorbate and a label of where it comes from.

    Parameters
    ----------
    frequencies_cm : sequence of float
        Adsorbate modes (cm⁻¹, imaginary as negative); empty: not computed.
    name : str
        Label for messages.
    temperature_K : float
        Temperature (K).

    Returns
    -------
    (FreeEnergyCorrection or None, str)
        ``None`` with ``"no vibrations: ΔE only"`` (or the reason) when there is no
        usable correction. Imaginary modes softer than :data:`SOFT_IMAGINARY_CM`
        are raised to the 50 cm⁻¹ cutoff and counted in the label.

    Examples
    --------
    >>> corr, src = adsorbate_vibrations([2000.0, 300.0, -20.0])
    >>> src
    'harmonic (1 soft imaginary mode raised to 50 cm-1)'
    >>> adsorbate_vibrations([])
    (None, 'no vibrations: ΔE only')
    """
    freqs = np.asarray(list(frequencies_cm), dtype=float)
    if freqs.size == 0:
        return None, "no vibrations: ΔE only"
    if not np.all(np.isfinite(freqs)):
        raise CudissInputError(f"{name}: frequencies must be finite")
    hard = freqs[freqs <= -SOFT_IMAGINARY_CM]
    if hard.size:
        return None, f"imaginary mode {hard.min():.0f} cm-1: ΔE only"
    n_soft = int(np.sum(freqs < 0))
    corr = adsorbate_correction(np.abs(freqs), name=name, temperature_K=temperature_K)
    if n_soft:
        s = "s" if n_soft > 1 else ""
        return corr, f"harmonic ({n_soft} soft imaginary mode{s} raised to 50 cm-1)"
    return corr, "harmonic"


@dataclass(frozen=True)
class AdsorbateEnergy:
    """Formation energies of one adsorbate at 0 V vs RHE (eV); NaN where a number is missing."""

    dE_eV: float
    zpe_eV: float
    ts_eV: float
    dG0_eV: float
    n_pairs: int
    vibrations_source: str
    gas_source: str


def adsorbate_formation(
    ads: AdsorptionResult,
    refs: GasReferences,
    carbon: Carbon = "CO2",
    temperature_K: float = STANDARD_TEMPERATURE_K,
) -> AdsorbateEnergy:
    """ΔE_ads and ΔG_ads(0 V RHE) of one adsorption result (see the module docstring).

    Examples
    --------
    H* with E(slab + H) = −100.3, E(slab) = −97.0, E(H2) = G(H2) = −6.8 (no vibrations):
    ΔE = −100.3 + 97.0 − ½(−6.8) = 0.1 eV.

    >>> from cudiss.analysis.documents import CalculatorInfo
    >>> ads = AdsorptionResult(adsorption_id="x", campaign="c", facet="100", adsorbate="H",
    ...     state="successful", slab_size=(2, 2), layers=3, n_surface_atoms=4, coverage_ML=0.25,
    ...     clean_slab_energy_eV=-97.0, energy_eV=-100.3, calculator=CalculatorInfo(code="emt"))
    >>> e = adsorbate_formation(ads, GasReferences(G_eV={"H2": -6.8}, E_eV={"H2": -6.8}))
    >>> round(e.dE_eV, 6), round(e.dG0_eV, 6), e.n_pairs, e.vibrations_source
    (0.1, 0.1, 1, 'no vibrations: ΔE only')
    """
    f = formation(ads.adsorbate, carbon)
    corr, vib = adsorbate_vibrations(ads.frequencies_cm, ads.adsorbate, temperature_K)
    gas_src = refs.source_label(f)
    energies = (ads.energy_eV, ads.clean_slab_energy_eV)
    if ads.state != "successful" or any(e is None or not math.isfinite(e) for e in energies):
        return AdsorbateEnergy(NAN, NAN, NAN, NAN, f.n_pairs, f"run {ads.state}", gas_src)
    if not refs.has(f):
        return AdsorbateEnergy(NAN, NAN, NAN, NAN, f.n_pairs, vib, gas_src)
    dE_slab = ads.energy_eV - ads.clean_slab_energy_eV
    dE = dE_slab - refs.reservoir_E(f)
    extra = corr.correction_eV if corr is not None else 0.0
    dG0 = dE_slab + extra - refs.reservoir_G(f)
    zpe = corr.zpe_eV if corr is not None else NAN
    ts = corr.ts_eV if corr is not None else NAN
    return AdsorbateEnergy(dE, zpe, ts, dG0, f.n_pairs, vib, gas_src)


def potential_grid(
    potentials: Iterable[float], scale: PotentialScale, pH: float
) -> list[tuple[float, float]]:
    """Sorted unique (U on ``scale``, U vs RHE) pairs; CudissInputError if empty."""
    scale = _scale(scale)
    pairs = sorted({(float(u), to_rhe(u, scale, pH)) for u in potentials}, key=lambda p: p[1])
    if not pairs:
        raise CudissInputError("give at least one potential")
    return pairs


def references_by_calculator(
    gases: Sequence[GasResult], temperature_K: float = STANDARD_TEMPERATURE_K, **kwargs
) -> dict[str, GasReferences]:
    """:func:`~cudiss.analysis.reservoirs.gas_free_energies` per calculator label."""
    return {
        label: gas_free_energies(group, temperature_K, **kwargs)
        for label, group in gases_by_calculator(gases).items()
    }


def relaxed_site(ads: AdsorptionResult) -> str:
    """The site the adsorbate of ``ads`` ended on at its best site, from the stored geometry.

    ``best_site`` is where the relaxation started; an adsorbate that slid off it
    (ontop OH into a hollow, say) is labelled by where it sits now
    (:func:`cudiss.structures.sites.site_under`). ``""`` when the document holds
    no geometry (a failed result).
    """
    if not (ads.positions_A and ads.adsorbate_indices and ads.cell_A):
        return ""
    atoms = Atoms(ads.symbols, positions=ads.positions_A, cell=ads.cell_A, pbc=(True, True, False))
    return site_under(atoms, ads.adsorbate_indices).kind


def adsorption_table(
    adsorptions: Sequence[AdsorptionResult],
    gases: Sequence[GasResult],
    potentials: Iterable[float] = (0.0,),
    scale: PotentialScale = "RHE",
    pH: float = 0.0,
    carbon: Carbon = "CO2",
    *,
    temperature_K: float = STANDARD_TEMPERATURE_K,
    fallback: bool = True,
    co2_correction_eV: float = 0.0,
) -> pd.DataFrame:
    """One row per adsorption result × potential: ΔE_ads, ZPE, TS, ΔG_ads(0) and ΔG_ads(U).

    Parameters
    ----------
    adsorptions : sequence of AdsorptionResult
        Failed runs stay in the table with NaN energies.
    gases : sequence of GasResult
        Gas references; matched to each adsorption by calculator label.
    potentials : iterable of float
        Potentials (V) on ``scale``.
    scale : {"RHE", "SHE"}
        Scale of ``potentials`` (and of the ``U_V`` column).
    pH : float
        pH (for SHE → RHE).
    carbon : {"CO2", "CO"}
        Carbon reservoir.
    temperature_K, fallback, co2_correction_eV
        Passed to :func:`~cudiss.analysis.reservoirs.gas_free_energies`.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS`; ``attrs["approximations"]`` lists the approximations.

    Raises
    ------
    CudissInputError
        No adsorption results, no potentials, bad pH or scale, non-document input.
    """
    if not adsorptions:
        raise CudissInputError("no adsorption results to tabulate")
    pH = check_ph(pH)
    grid = potential_grid(potentials, scale, pH)
    refs = references_by_calculator(
        gases, temperature_K, fallback=fallback, co2_correction_eV=co2_correction_eV
    )
    rows = []
    for ads in adsorptions:
        if not isinstance(ads, AdsorptionResult):
            raise CudissInputError(f"not an AdsorptionResult: {type(ads).__name__}")
        label = calculator_label(ads.calculator)
        ref = refs.get(label, GasReferences(G_eV={}))
        e = adsorbate_formation(ads, ref, carbon, temperature_K)
        ended_on = relaxed_site(ads)
        gas_src = e.gas_source if label in refs else f"no gas results for {label}"
        for u, u_rhe in grid:
            rows.append(
                {
                    "campaign": ads.campaign,
                    "facet": ads.facet,
                    "adsorbate": ads.adsorbate,
                    "best_site": ads.best_site or "",
                    "relaxed_site": ended_on,
                    "coverage_ML": float(ads.coverage_ML),
                    "n_surface_atoms": int(ads.n_surface_atoms),
                    "calculator": label,
                    "state": ads.state,
                    "dE_ads_eV": e.dE_eV,
                    "zpe_eV": e.zpe_eV,
                    "ts_eV": e.ts_eV,
                    "dG0_ads_eV": e.dG0_eV,
                    "n_pairs": e.n_pairs,
                    "U_V_RHE": u_rhe,
                    "U_V": u,
                    "scale": _scale(scale),
                    "pH": pH,
                    "dG_ads_eV": e.dG0_eV + e.n_pairs * u_rhe,
                    "vibrations_source": e.vibrations_source,
                    "gas_source": gas_src,
                }
            )
    df = pd.DataFrame(rows, columns=COLUMNS)
    df = df.sort_values(["campaign", "calculator", "facet", "adsorbate", "U_V_RHE"], kind="stable")
    df = df.reset_index(drop=True)
    df.attrs["approximations"] = [
        *method_notes(df["calculator"]),
        APPROX_CHE,
        APPROX_HARMONIC,
        APPROX_GAS,
        APPROX_COVERAGE,
    ]
    df.attrs["carbon_reservoir"] = carbon
    return df
