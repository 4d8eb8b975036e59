"""Surface state vs potential: the most stable adsorbate state of each facet and removal site.

Candidates of a clean facet (site ``"terrace"``, from adsorption results): the bare facet
(ΔG = 0) and every adsorbate X* computed on it (ΔG_ads(U) = ΔG_ads(0) + n e U,
:mod:`cudiss.analysis.adsorption`). Candidates of a removal site (site = its site class,
from removal results): the bare site and every adsorbate set on the target Cu,
ΔG = E_IS(with adsorbates) + corr(initial) − E_bare − reservoirs + n e U, paired with the
bare configuration of the same campaign/facet/site/calculator/cell. Under the CHE every
candidate is a straight line in U_RHE, so the crossings of the lower envelope are exact
(:func:`surface_crossings`), not read off the grid. Units: eV, V.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import pandas as pd

from cudiss.analysis.adsorption import (
    adsorbate_formation,
    adsorbate_vibrations,
    potential_grid,
    references_by_calculator,
)
from cudiss.analysis.barrier_columns import adsorbate_label
from cudiss.analysis.che import PotentialScale, _scale, check_ph, she_from_rhe
from cudiss.analysis.documents import RemovalResult
from cudiss.analysis.landscape import bare_partners
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
)
from cudiss.analysis.thermo import STANDARD_TEMPERATURE_K
from cudiss.structures.errors import CudissInputError

NAN = float("nan")
GROUP = ["campaign", "calculator", "facet", "site"]
COLUMNS = [
    *GROUP, "candidate", "n_pairs", "coverage_ML", "U_V_RHE", "U_V", "scale", "pH",
    "dG0_eV", "dG_eV", "most_stable", "vibrations_source", "gas_source",
]  # fmt: skip
CROSSING_COLUMNS = [*GROUP, "pH", "U_V_RHE", "U_V", "scale", "from_state", "to_state"]
# One line per candidate: (group key, candidate, n, coverage, dG0, vibrations, gases).
Line = tuple[tuple, str, int, float, float, str, str]


def _terrace_lines(adsorptions, refs, carbon, T) -> list[Line]:
    lines: list[Line] = []
    seen: set[tuple] = set()
    for ads in adsorptions:
        if not isinstance(ads, AdsorptionResult):
            raise CudissInputError(f"not an AdsorptionResult: {type(ads).__name__}")
        label = calculator_label(ads.calculator)
        key = (ads.campaign, label, ads.facet, "terrace")
        if key not in seen:
            seen.add(key)
            lines.append((key, "bare", 0, 0.0, 0.0, "none", "none"))
        e = adsorbate_formation(ads, refs.get(label, GasReferences(G_eV={})), carbon, T)
        name = f"{ads.adsorbate}*"
        if any(ln[0] == key and ln[1] == name for ln in lines):
            name = f"{name} ({ads.coverage_ML:g} ML)"
        lines.append(
            (key, name, e.n_pairs, ads.coverage_ML, e.dG0_eV, e.vibrations_source, e.gas_source)
        )
    return lines


def _site_lines(removals, refs, carbon, T) -> list[Line]:
    lines: list[Line] = []
    kept = [r for r in removals if r.electrode_potential_V_RHE is None]
    partners = bare_partners(kept)
    for res in kept:
        label = calculator_label(res.calculator)
        key = (res.campaign, label, res.facet, res.site_class)
        bare = partners[res.config_id]
        if not res.adsorbates:
            lines.append((key, "bare", 0, NAN, 0.0, "none", "none"))
            continue
        if bare is None:
            continue  # no bare partner: no reference for this site
        f = formation(list(res.adsorbates), carbon)
        ref = refs.get(label, GasReferences(G_eV={}))
        corr, vib = adsorbate_vibrations(res.initial_frequencies_cm, res.config_id, T)
        energies = (res.slab_energy_eV, bare.slab_energy_eV)
        ok = all(e is not None and math.isfinite(e) for e in energies) and ref.has(f)
        dG0 = NAN
        if ok:
            extra = corr.correction_eV if corr is not None else 0.0
            dG0 = res.slab_energy_eV + extra - bare.slab_energy_eV - ref.reservoir_G(f)
        name = f"{adsorbate_label(res.adsorbates)}*"
        lines.append((key, name, f.n_pairs, NAN, dG0, vib, ref.source_label(f)))
    return lines


def surface_state_table(
    adsorptions: Sequence[AdsorptionResult],
    removals: Sequence[RemovalResult],
    gases: Sequence[GasResult],
    potentials: Iterable[float],
    scale: PotentialScale = "RHE",
    pHs: Iterable[float] = (0.0,),
    *,
    carbon: Carbon = "CO2",
    temperature_K: float = STANDARD_TEMPERATURE_K,
    fallback: bool = True,
    co2_correction_eV: float = 0.0,
) -> pd.DataFrame:
    """ΔG of every candidate state of every facet and removal site, and the most stable.

    Parameters
    ----------
    adsorptions : sequence of AdsorptionResult
        Clean-facet adsorption (site ``"terrace"``).
    removals : sequence of RemovalResult
        Removal configurations; the adsorbate sets on the target Cu of each site.
    gases : sequence of GasResult
        Gas references (matched by calculator label).
    potentials : iterable of float
        Potentials (V) on ``scale``.
    scale : {"RHE", "SHE"}
        Scale of ``potentials`` and ``U_V``.
    pHs : iterable of float
        pH values (a SHE grid moves on the RHE scale with pH).
    carbon, temperature_K, fallback, co2_correction_eV
        As in :func:`cudiss.analysis.adsorption.adsorption_table`.

    Returns
    -------
    pandas.DataFrame
        Long format, columns :data:`COLUMNS`; ``most_stable`` marks the lowest finite
        ΔG per campaign × calculator × facet × site × pH × U (ties: bare, then table order).

    Raises
    ------
    CudissInputError
        No results, no potentials or pH values, a bad pH or scale.
    """
    if not adsorptions and not removals:
        raise CudissInputError("no adsorption or removal results for a surface state")
    phs = sorted({check_ph(p) for p in pHs})
    if not phs:
        raise CudissInputError("give at least one pH")
    grids = {ph: potential_grid(potentials, scale, ph) for ph in phs}
    refs = references_by_calculator(
        gases, temperature_K, fallback=fallback, co2_correction_eV=co2_correction_eV
    )
    for res in removals:
        if not isinstance(res, RemovalResult):
            raise CudissInputError(f"not a RemovalResult: {type(res).__name__}")
    lines = _terrace_lines(adsorptions, refs, carbon, temperature_K)
    lines += _site_lines(removals, refs, carbon, temperature_K)
    rows = []
    for ph in phs:
        for u, u_rhe in grids[ph]:
            for key, name, n, cov, dG0, vib, gas in lines:
                rows.append(
                    dict(zip(GROUP, key, strict=True))
                    | {"candidate": name, "n_pairs": n, "coverage_ML": cov, "U_V_RHE": u_rhe}
                    | {"U_V": u, "scale": _scale(scale), "pH": ph, "dG0_eV": dG0}
                    | {"dG_eV": dG0 + n * u_rhe, "vibrations_source": vib, "gas_source": gas}
                )
    df = pd.DataFrame(rows, columns=[c for c in COLUMNS if c != "most_stable"])
    df = df.drop_duplicates(subset=[*GROUP, "candidate", "pH", "U_V_RHE"]).reset_index(drop=True)
    best = df.dropna(subset=["dG_eV"]).groupby([*GROUP, "pH", "U_V_RHE"])["dG_eV"].idxmin()
    df["most_stable"] = df.index.isin(best.to_numpy())
    df = df[COLUMNS]
    df.attrs["approximations"] = [
        *method_notes(df["calculator"]),
        APPROX_CHE,
        APPROX_HARMONIC,
        APPROX_GAS,
        APPROX_COVERAGE,
    ]
    return df


def _envelope(cands: list[tuple[str, int, float]], low: float, high: float):
    """Exact changes of the lowest line dG0 + n U on [low, high]: (U, from, to) in order."""
    at_low = [(g + n * low, n, i) for i, (_, n, g) in enumerate(cands)]
    cur = min(at_low)[2]  # ties at `low`: the smaller n stays lower to the right
    pos, out = low, []
    while True:
        name_c, n_c, g_c = cands[cur]
        nxt = None
        for j, (_, n_j, g_j) in enumerate(cands):
            if n_j >= n_c:
                continue
            u = (g_j - g_c) / (n_c - n_j)
            if pos + 1e-12 < u <= high and (nxt is None or (u, n_j) < nxt[:2]):
                nxt = (u, n_j, j)
        if nxt is None:
            return out
        out.append((nxt[0], name_c, cands[nxt[2]][0]))
        pos, cur = nxt[0], nxt[2]


def surface_crossings(table: pd.DataFrame) -> pd.DataFrame:
    """Potentials where the most stable state changes, computed exactly from the lines.

    Within each facet × site × pH, every candidate with a finite ΔG is the line
    ΔG0 + n U_RHE; the lower envelope over the table's U_RHE range changes at
    U = (ΔG0_j − ΔG0_i) / (n_i − n_j). For H* against the bare site (n = 1) that is
    U = −ΔG_H*(0)/e.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`surface_state_table`.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`CROSSING_COLUMNS`, sorted by group, pH and potential; ``U_V`` on
        the table's scale.

    Raises
    ------
    CudissInputError
        Not a surface-state table.
    """
    missing = sorted(set(COLUMNS) - set(table.columns))
    if missing:
        raise CudissInputError(f"not a surface-state table: columns {missing} missing")
    rows = []
    for key, grp in table.dropna(subset=["dG0_eV"]).groupby([*GROUP, "pH"], sort=True):
        low, high = grp["U_V_RHE"].min(), grp["U_V_RHE"].max()
        first = grp.drop_duplicates("candidate")
        cands = list(zip(first["candidate"], first["n_pairs"], first["dG0_eV"], strict=True))
        scale, ph = str(grp["scale"].iloc[0]), key[-1]
        for u, a, b in _envelope([(c, int(n), float(g)) for c, n, g in cands], low, high):
            u_v = u if scale == "RHE" else she_from_rhe(u, ph)
            rows.append(
                dict(zip([*GROUP, "pH"], key, strict=True))
                | {"U_V_RHE": u, "U_V": u_v, "scale": scale, "from_state": a, "to_state": b}
            )
    out = pd.DataFrame(rows, columns=CROSSING_COLUMNS)
    out.attrs["approximations"] = list(table.attrs.get("approximations", []))
    return out
