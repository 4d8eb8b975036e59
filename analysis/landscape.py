"""Free-energy landscape of every Cu-removal route, its energy span and potential window.

One route = one removal configuration (facet × site × adsorbate set). G is relative to the
intact bare site with the adsorbates still in their reservoirs (CO2, H2O, H⁺ + e⁻):

    0 "bare site"            G = 0
    1 "<ads>* on Cu"         G1 = E_IS(with ads) + corr(initial) − E_bare − reservoirs + n e U
    2 "lift TS"   (ts)       G1 + ΔE‡ (zero-charge CI-NEB; no ZPE/TS of the saddle)
    3 "Cu-<ads> complex"     G1 + ΔE_rxn + [corr(final) − corr(initial)]
    4 "Cu2+(aq) + vacancy"   ΔG of Cu(site) → Cu²⁺ + 2e⁻ of the bare configuration

(no point 1 for a bare route; there G1 = 0 and point 3 is "lifted Cu"). Each state balances
in atoms and charge (:func:`cudiss.analysis.balance.check_balance`). The energy span is
the largest rise counted from the lowest preceding point; a route is *open* at U when the
mobile complex is downhill (G3 ≤ 0) and its span ≤ a threshold (0.75 eV ≈ 1 s⁻¹ at
298 K: kT/h · exp(−0.75/kT) ≈ 1.3 s⁻¹). Units: eV, V. ``barriers="sjm"``: a route with a
potential sweep takes ΔE‡, ΔE_rxn at U from SJM (:mod:`cudiss.analysis.sjm_landscape`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from cudiss.analysis import sjm_landscape as sjm
from cudiss.analysis.adsorption import potential_grid, references_by_calculator
from cudiss.analysis.barrier_columns import adsorbate_label
from cudiss.analysis.che import PotentialScale, _finite, _scale, check_ph
from cudiss.analysis.dissolution import (
    DEFAULT_CU2_ACTIVITY,
    check_activity,
    dissolution_free_energy,
)
from cudiss.analysis.documents import RemovalResult

# The points of one route at 0 V are built in landscape_routes.py; surface_state
# imports bare_partners from here, as before the split.
from cudiss.analysis.landscape_routes import (
    NAN,
    _ok,
    _route_points,
    bare_partners,
    removal_group_key,
)
from cudiss.analysis.mechanism_documents import GasResult
from cudiss.analysis.methods import method_notes
from cudiss.analysis.reservoirs import (
    APPROX_CHE,
    APPROX_COVERAGE,
    APPROX_GAS,
    APPROX_HARMONIC,
    APPROX_NEB,
    APPROX_TS,
    Carbon,
    GasReferences,
    calculator_label,
)
from cudiss.analysis.thermo import STANDARD_TEMPERATURE_K
from cudiss.structures.errors import CudissInputError

__all__ = [
    "COLUMNS",
    "COMPLEX_POINT",
    "DEFAULT_SPAN_THRESHOLD_EV",
    "DISSOLUTION_POINT",
    "SUMMARY_COLUMNS",
    "bare_partners",
    "energy_span",
    "landscape_summary",
    "landscape_table",
    "removal_group_key",
]

#: Default span threshold (eV): a rate of about 1 s⁻¹ at 298 K.
DEFAULT_SPAN_THRESHOLD_EV = 0.75
#: Point of the mobile complex and of dissolution (see the module docstring).
COMPLEX_POINT, DISSOLUTION_POINT = 3, 4
_DISSOLUTION_FIELDS = ("vacancy_energy_eV", "slab_energy_eV", "bulk_energy_per_atom_eV")

COLUMNS = [
    "config_id", "campaign", "calculator", "facet", "site_class", "adsorbates", "state",
    "U_V_RHE", "U_V", "scale", "pH", "point", "point_name", "kind", "G_eV",
    "barrier_source", "vibrations_source", "gas_source", "note",
]  # fmt: skip
SUMMARY_COLUMNS = [
    "config_id", "campaign", "calculator", "facet", "site_class", "adsorbates",
    "U_V_RHE", "U_V", "scale", "pH", "dG_complex_eV", "energy_span_eV", "span_from", "span_to",
    "dG_dissolution_eV", "open", "easiest", "window_low_V_RHE", "window_high_V_RHE",
]  # fmt: skip


def energy_span(G: Sequence[float]) -> tuple[float, int, int]:
    """Largest rise from the lowest preceding point: max_k≥1 (G_k − min_j<k G_j).

    Parameters
    ----------
    G : sequence of float
        Free energies along the route (eV), states and transition states in order.

    Returns
    -------
    (float, int, int)
        The span (eV; negative if every point lies below all before it), and the
        indices j, k that set it (ties: the first). NaN, −1, −1 if any G is NaN.

    Raises
    ------
    CudissInputError
        Fewer than two points.

    Examples
    --------
    >>> span, j, k = energy_span([0.0, -0.3, 0.5, 0.1, -0.2])  # 0.5 − (−0.3)
    >>> round(span, 6), j, k
    (0.8, 1, 2)
    """
    values = [float(g) for g in G]
    if len(values) < 2:
        raise CudissInputError(f"an energy span needs at least two points, got {len(values)}")
    if any(math.isnan(g) for g in values):
        return NAN, -1, -1
    best = (-math.inf, -1, -1)
    low, low_at = values[0], 0
    for k in range(1, len(values)):
        rise = values[k] - low
        if rise > best[0]:
            best = (rise, low_at, k)
        if values[k] < low:
            low, low_at = values[k], k
    return best


def landscape_table(
    removals: Sequence[RemovalResult],
    gases: Sequence[GasResult],
    potentials: Iterable[float],
    scale: PotentialScale = "RHE",
    pH: float = 0.0,
    activity: float = DEFAULT_CU2_ACTIVITY,
    *,
    carbon: Carbon = "CO2",
    temperature_K: float = STANDARD_TEMPERATURE_K,
    fallback: bool = True,
    co2_correction_eV: float = 0.0,
    barriers: sjm.LandscapeBarriers = "che",
) -> pd.DataFrame:
    """G of every point of every removal route at each potential (long format).

    Parameters
    ----------
    removals : sequence of RemovalResult
        Bare and adsorbate configurations; constant-potential results are never routes.
    gases : sequence of GasResult
        Gas references, matched by calculator label.
    potentials : iterable of float
        Potentials (V) on ``scale``.
    scale : {"RHE", "SHE"}
        Scale of ``potentials`` and of ``U_V``.
    pH : float
        pH (RHE ↔ SHE; dissolution refers to SHE).
    activity : float
        Cu²⁺ activity, in (0, 1].
    carbon : {"CO2", "CO"}
        Carbon reservoir.
    temperature_K, fallback, co2_correction_eV
        As in :func:`~cudiss.analysis.reservoirs.gas_free_energies`.
    barriers : {"che", "sjm"}
        TS and complex from the zero-charge NEB (default) or, on routes with a potential
        sweep, from SJM at U (:func:`~cudiss.analysis.sjm_landscape.apply_sjm_barriers`).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS`, one row per route × potential × point; NaN G where a
        number is missing (``note`` says why), ``barrier_source`` where a TS or complex
        number came from; ``attrs["approximations"]``, ``attrs["barriers"]``.

    Raises
    ------
    CudissInputError
        No removals or potentials, bad pH, activity, scale or barriers, or a state that
        does not balance.
    """
    if not removals:
        raise CudissInputError("no removal results for a landscape")
    pH = check_ph(pH)
    activity = check_activity(activity)
    barriers = sjm.check_barriers(barriers)
    grid = potential_grid(potentials, scale, pH)
    refs = references_by_calculator(
        gases, temperature_K, fallback=fallback, co2_correction_eV=co2_correction_eV
    )
    for res in removals:
        if not isinstance(res, RemovalResult):
            raise CudissInputError(f"not a RemovalResult: {type(res).__name__}")
    kept = [r for r in removals if r.electrode_potential_V_RHE is None]
    partners = bare_partners(kept)
    rows = []
    for res in kept:
        label = calculator_label(res.calculator)
        ref = refs.get(label, GasReferences(G_eV={}))
        bare = partners[res.config_id]
        points, gas_src, note = _route_points(res, bare, ref, carbon, temperature_K)
        energies = [getattr(bare, field, None) for field in _DISSOLUTION_FIELDS]
        diss = _ok(*energies)
        if not diss:
            note = "; ".join(x for x in (note, "no bare vacancy/bulk energy: no dissolution") if x)
        base = {
            "config_id": res.config_id,
            "campaign": res.campaign,
            "calculator": label,
            "facet": res.facet,
            "site_class": res.site_class,
            "adsorbates": adsorbate_label(res.adsorbates),
            "state": res.state,
            "scale": _scale(scale),
            "pH": pH,
            "gas_source": gas_src,
            "note": note,
        }
        for u, u_rhe in grid:
            for point, name, kind, g0, n, vib in points:
                if point != DISSOLUTION_POINT:
                    g = g0 + n * u_rhe
                elif diss:
                    g = dissolution_free_energy(
                        *energies, u_rhe, "RHE", pH, activity, temperature_K=temperature_K
                    )
                else:
                    g = NAN
                src = sjm.FROM_NEB if point in sjm.LIFT_POINTS else sjm.NO_BARRIER
                rows.append(
                    base
                    | {"U_V_RHE": u_rhe, "U_V": u, "point": point, "point_name": name}
                    | {"kind": kind, "G_eV": g, "vibrations_source": vib, "barrier_source": src}
                )
    df = pd.DataFrame(rows, columns=COLUMNS)
    df = df.sort_values(["config_id", "U_V_RHE", "point"], kind="stable").reset_index(drop=True)
    df.attrs["approximations"] = [
        *method_notes(df["calculator"]),
        APPROX_CHE, APPROX_HARMONIC, APPROX_GAS, APPROX_COVERAGE, APPROX_NEB, APPROX_TS,
        f"Cu2+ activity {activity:g}, U0 = 0.337 V SHE; carbon reservoir {carbon}",
    ]  # fmt: skip
    df.attrs["barriers"] = barriers
    if barriers == "che" and len(kept) < len(removals):
        df.attrs["approximations"].append("constant-potential results left out (not CHE)")
    return sjm.apply_sjm_barriers(df, removals) if barriers == "sjm" else df


def landscape_summary(
    landscape_df: pd.DataFrame,
    threshold_eV: float = DEFAULT_SPAN_THRESHOLD_EV,
    through_dissolution: bool = False,
) -> pd.DataFrame:
    """Per route × potential: complex formation, energy span, dissolution, open, easiest, window.

    Parameters
    ----------
    landscape_df : pandas.DataFrame
        From :func:`landscape_table`.
    threshold_eV : float
        Largest span of an open route (eV, default 0.75).
    through_dissolution : bool
        Count the dissolution point (4) in the span. Default False: the span covers
        forming the mobile complex (points 0–3), the question of the route; the
        dissolution ΔG is its own column.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`SUMMARY_COLUMNS`. ``span_from``/``span_to`` are point names;
        ``open`` = G3 ≤ 0 and span ≤ threshold; ``easiest`` marks the smallest span
        per campaign × calculator × facet × site × U × pH; the window is the
        [lowest, highest] grid potential (V vs RHE) where the route is open, NaN if never.

    Raises
    ------
    CudissInputError
        Missing columns or a non-positive threshold.
    """
    threshold = _finite(threshold_eV, "span threshold")
    if not threshold > 0:
        raise CudissInputError(f"span threshold must be positive, got {threshold:g} eV")
    missing = sorted(set(COLUMNS) - set(landscape_df.columns))
    if missing:
        raise CudissInputError(f"not a landscape table: columns {missing} missing")
    last = DISSOLUTION_POINT if through_dissolution else COMPLEX_POINT
    rows = []
    # A route is one configuration of one calculator: never a mix of two calculators.
    route = ["config_id", "calculator"]
    for (*_, u_rhe, ph), grp in landscape_df.groupby([*route, "U_V_RHE", "pH"], sort=True):
        grp = grp.sort_values("point")
        g_by_point = dict(zip(grp["point"], grp["G_eV"], strict=True))
        used = grp[grp["point"] <= last]
        span, j, k = energy_span(used["G_eV"].tolist())
        names = used["point_name"].tolist()
        g3 = g_by_point.get(COMPLEX_POINT, NAN)
        first = grp.iloc[0]
        rows.append(
            {c: first[c] for c in ("config_id", "campaign", "calculator", "facet", "site_class")}
            | {"adsorbates": first["adsorbates"], "U_V_RHE": u_rhe, "U_V": first["U_V"]}
            | {"scale": first["scale"], "pH": ph, "dG_complex_eV": g3, "energy_span_eV": span}
            | {"span_from": names[j] if j >= 0 else "", "span_to": names[k] if k >= 0 else ""}
            | {"dG_dissolution_eV": g_by_point.get(DISSOLUTION_POINT, NAN)}
            | {"open": bool(g3 <= 0 and span <= threshold)}
        )
    out = pd.DataFrame(rows, columns=SUMMARY_COLUMNS[:-3])
    site = ["campaign", "calculator", "facet", "site_class", "U_V_RHE", "pH"]
    spans = out["energy_span_eV"].where(np.isfinite(out["energy_span_eV"]), np.inf)
    best = spans.groupby([out[c] for c in site]).transform("min")
    out["easiest"] = np.isfinite(spans) & (spans == best)
    # One easiest route per group: the first in config_id order.
    dup = out[out["easiest"]].duplicated(subset=site, keep="first")
    out.loc[dup[dup].index, "easiest"] = False
    opened = out[out["open"]].groupby([*route, "pH"])["U_V_RHE"]
    low, high = opened.min(), opened.max()
    keys = list(zip(out["config_id"], out["calculator"], out["pH"], strict=True))
    out["window_low_V_RHE"] = [low.get(key, NAN) for key in keys]
    out["window_high_V_RHE"] = [high.get(key, NAN) for key in keys]
    out.attrs["approximations"] = [
        *landscape_df.attrs.get("approximations", []),
        f"open: complex formation G3 <= 0 and energy span <= {threshold:g} eV "
        f"(span over points 0-{last})",
    ]
    out.attrs["barriers"] = landscape_df.attrs.get("barriers", "che")
    return out[SUMMARY_COLUMNS].reset_index(drop=True)
