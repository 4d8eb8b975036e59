"""CO2 electroreduction free-energy steps on a facet, from the store (no steps file).

Routes (each from CO2(g) + clean facet, CHE, U vs RHE):

- ``"CO"``:    CO2 → COOH* → CO* (+ H2O) → CO(g)
- ``"HCOOH"``: CO2 → OCHO* → HCOOH(g)
- ``"CHO"``:   CO2 → COOH* → CO* → CHO*
- ``"COH"``:   CO2 → COOH* → CO* → COH*

Every species has a formation free energy F from the reservoirs (CO2, H2O, H⁺ + e⁻) at
0 V and a pair count n (:func:`cudiss.analysis.reservoirs.formation`): adsorbates from
:func:`cudiss.analysis.adsorption.adsorbate_formation`, gas products from
:func:`cudiss.analysis.reservoirs.gas_product_formation`. A step i → f has
ΔG(0) = F_f − F_i and consumes n_f − n_i pairs; the limiting potential and the
potential-determining step come from :func:`cudiss.analysis.che.limiting_potential`.
A route whose species are missing (not computed, failed, or a gas without a free
energy, e.g. HCOOH without its own vibrations: no citable literature value is
bundled) is left out, and the table says why. Units: eV, V.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from cudiss.analysis.adsorption import adsorbate_formation, references_by_calculator
from cudiss.analysis.che import ReactionStep, limiting_potential
from cudiss.analysis.mechanism_documents import AdsorptionResult, GasResult
from cudiss.analysis.methods import method_notes
from cudiss.analysis.reservoirs import (
    APPROX_CHE,
    APPROX_COVERAGE,
    APPROX_GAS,
    APPROX_HARMONIC,
    GasReferences,
    calculator_label,
    formation,
    gas_product_formation,
)
from cudiss.analysis.thermo import STANDARD_TEMPERATURE_K
from cudiss.structures.errors import CudissInputError

#: Species along each route, after CO2(g).
ROUTES: dict[str, tuple[str, ...]] = {
    "CO": ("COOH*", "CO*", "CO(g)"),
    "HCOOH": ("OCHO*", "HCOOH(g)"),
    "CHO": ("COOH*", "CO*", "CHO*"),
    "COH": ("COOH*", "CO*", "COH*"),
}
COLUMNS = [
    "campaign", "calculator", "facet", "cell", "route", "step_index", "step", "dG0_eV",
    "n_electrons", "U_L_V_RHE", "potential_determining", "vibrations_source", "gas_source",
]  # fmt: skip
# (F at 0 V, n pairs, vibrations label, gas label) of one species
Species = tuple[float, int, str, str]


def _species(adsorptions, refs: GasReferences, T: float) -> tuple[dict[str, Species], dict]:
    """Formation data of the adsorbates and gas products, and why others are missing."""
    out: dict[str, Species] = {"CO2": (0.0, 0, "none", "none")}
    why: dict[str, str] = {}
    for ads in adsorptions:
        name = f"{ads.adsorbate.upper()}*"
        if name in out:
            raise CudissInputError(
                f"two {name} results on facet {ads.facet}: pass one cell's adsorption results"
            )
        e = adsorbate_formation(ads, refs, "CO2", T)
        if math.isfinite(e.dG0_eV):
            out[name] = (e.dG0_eV, e.n_pairs, f"{name} {e.vibrations_source}", e.gas_source)
        else:
            why[name] = f"{name}: run {ads.state} or gas references missing ({e.gas_source})"
    for gas in ("CO", "HCOOH"):
        if gas in refs.G_eV and refs.has(formation(gas)):
            f = formation(gas)
            src = f"{gas}: {refs.source[gas]}; {refs.source_label(f)}"
            out[f"{gas}(g)"] = (gas_product_formation(gas, refs), f.n_pairs, "none", src)
        else:
            why[f"{gas}(g)"] = f"{gas}(g): {refs.missing.get(gas, 'no gas result')}"
    return out, why


def _routes(adsorptions, refs: GasReferences, T: float) -> tuple[dict, dict, dict[str, str]]:
    species, why = _species(adsorptions, refs, T)
    routes: dict[str, list[ReactionStep]] = {}
    labels: dict[str, list[tuple[str, str]]] = {}
    left_out: dict[str, str] = {}
    for route, chain in ROUTES.items():
        lacking = [s for s in chain if s not in species]
        if lacking:
            left_out[route] = "; ".join(why.get(s, f"{s}: not computed") for s in lacking)
            continue
        steps, lab = [], []
        for a, b in zip(("CO2", *chain), chain, strict=False):
            fa, na, va, ga = species[a]
            fb, nb, vb, gb = species[b]
            extra = " + H2O" if (a, b) == ("COOH*", "CO*") else ""
            steps.append(ReactionStep(f"{a} -> {b}{extra}", fb - fa, nb - na))
            vib = "; ".join(v for v in (va, vb) if v != "none") or "none"
            lab.append((vib, gb if gb != "none" else ga))
        routes[route], labels[route] = steps, lab
    return routes, labels, left_out


def _check(adsorptions) -> None:
    for ads in adsorptions:
        if not isinstance(ads, AdsorptionResult):
            raise CudissInputError(f"not an AdsorptionResult: {type(ads).__name__}")


def co2er_routes(
    adsorptions: Sequence[AdsorptionResult],
    gases: Sequence[GasResult],
    facet: str,
    *,
    temperature_K: float = STANDARD_TEMPERATURE_K,
    fallback: bool = True,
    co2_correction_eV: float = 0.0,
) -> dict[str, list[ReactionStep]]:
    """The CO2ER routes of one facet as CHE reaction steps.

    Parameters
    ----------
    adsorptions : sequence of AdsorptionResult
        Results of one calculator and one cell per adsorbate on ``facet`` (others ignored).
    gases : sequence of GasResult
        Gas references of that calculator.
    facet : str
        Facet label, e.g. ``"100"``.
    temperature_K, fallback, co2_correction_eV
        As in :func:`cudiss.analysis.reservoirs.gas_free_energies`.

    Returns
    -------
    dict of str to list of ReactionStep
        Keys among ``"CO"``, ``"HCOOH"``, ``"CHO"``, ``"COH"``; a route whose species
        are missing is left out.

    Raises
    ------
    CudissInputError
        No result on ``facet``, several calculators, or two results for one adsorbate.
    """
    _check(adsorptions)
    on = [a for a in adsorptions if a.facet == str(facet)]
    if not on:
        raise CudissInputError(f"no adsorption results on facet {facet!r}")
    labels = sorted({calculator_label(a.calculator) for a in on})
    if len(labels) > 1:
        raise CudissInputError(f"facet {facet} has results of {labels}: pass one calculator's")
    refs = references_by_calculator(
        gases, temperature_K, fallback=fallback, co2_correction_eV=co2_correction_eV
    ).get(labels[0], GasReferences(G_eV={}))
    return _routes(on, refs, temperature_K)[0]


def co2er_table(
    adsorptions: Sequence[AdsorptionResult],
    gases: Sequence[GasResult],
    *,
    temperature_K: float = STANDARD_TEMPERATURE_K,
    fallback: bool = True,
    co2_correction_eV: float = 0.0,
) -> pd.DataFrame:
    """Steps, ΔG(0), limiting potential and potential-determining step of every route.

    Parameters
    ----------
    adsorptions : sequence of AdsorptionResult
        Grouped by campaign × calculator × facet × cell size.
    gases : sequence of GasResult
        Gas references, matched by calculator label.
    temperature_K, fallback, co2_correction_eV
        As in :func:`cudiss.analysis.reservoirs.gas_free_energies`.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS`, one row per step; ``U_L_V_RHE`` is the route's
        limiting potential (V vs RHE) and ``potential_determining`` marks its step.
        ``attrs["routes_left_out"]`` lists the routes without data and why.

    Raises
    ------
    CudissInputError
        No adsorption results or a non-document input.
    """
    if not adsorptions:
        raise CudissInputError("no adsorption results for CO2ER steps")
    _check(adsorptions)
    refs = references_by_calculator(
        gases, temperature_K, fallback=fallback, co2_correction_eV=co2_correction_eV
    )
    groups: dict[tuple, list[AdsorptionResult]] = {}
    for ads in adsorptions:
        key = (ads.campaign, calculator_label(ads.calculator), ads.facet, tuple(ads.slab_size))
        groups.setdefault(key, []).append(ads)
    rows, left = [], []
    for (campaign, label, facet, size), group in sorted(groups.items()):
        ref = refs.get(label, GasReferences(G_eV={}))
        routes, labels, left_out = _routes(group, ref, temperature_K)
        cell = f"{size[0]}x{size[1]}"
        left += [f"{campaign} {label} {facet} {cell} {r}: {why}" for r, why in left_out.items()]
        for route, steps in routes.items():
            lim = limiting_potential(steps)
            for i, (step, (vib, gas)) in enumerate(zip(steps, labels[route], strict=True)):
                rows.append(
                    {"campaign": campaign, "calculator": label, "facet": facet, "cell": cell}
                    | {"route": route}
                    | {"step_index": i, "step": step.name, "dG0_eV": step.dG0_eV}
                    | {"n_electrons": step.n_electrons, "U_L_V_RHE": lim.U_L_V_RHE}
                    | {"potential_determining": i == lim.step_index}
                    | {"vibrations_source": vib, "gas_source": gas}
                )
    df = pd.DataFrame(rows, columns=COLUMNS)
    df.attrs["approximations"] = [
        *method_notes(df["calculator"]),
        APPROX_CHE,
        APPROX_HARMONIC,
        APPROX_GAS,
        APPROX_COVERAGE,
    ]
    df.attrs["routes_left_out"] = left
    return df
