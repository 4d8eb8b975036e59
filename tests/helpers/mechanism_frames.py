"""Hand-built tables in the columns of the mechanism analysis (surface state, landscape, CO2ER).

Every number is a straight CHE line written here, so figures drawn from these
frames can be checked against crossings and spans worked by hand.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

#: kT ln10 / e at 298.15 K (V): the RHE-SHE shift per pH unit.
NERNST_V = 0.0591595

#: Candidate surface states: (ΔG at 0 V vs RHE in eV, pairs consumed n).
CANDIDATES: dict[str, tuple[float, int]] = {
    "bare": (0.0, 0),
    "H*": (0.15, 1),
    "OH*": (0.45, -1),
    "CO*": (0.5, 2),
}


def surface_frame(
    potentials: Sequence[float] = tuple(np.round(np.linspace(-1.0, 1.0, 9), 3)),
    pHs: Sequence[float] = (0.0,),
    scale: str = "RHE",
    panels: Sequence[tuple[str, str]] = (("100", "terrace"),),
    candidates: Mapping[str, tuple[float, int]] = CANDIDATES,
) -> pd.DataFrame:
    """A surface-state table: ΔG = ΔG(0) + n U_RHE of each candidate, most stable flagged."""
    rows = []
    for facet, site in panels:
        for pH in pHs:
            for u in potentials:
                u_rhe = u if scale == "RHE" else u + NERNST_V * pH
                values = {c: g0 + n * u_rhe for c, (g0, n) in candidates.items()}
                best = min(values, key=values.get)
                for c, (_, n) in candidates.items():
                    rows.append(
                        {
                            "facet": facet,
                            "site": site,
                            "candidate": c,
                            "n_pairs": n,
                            "U_V_RHE": u_rhe,
                            "U_V": float(u),
                            "scale": scale,
                            "pH": float(pH),
                            "dG_eV": values[c],
                            "most_stable": c == best,
                        }
                    )
    return pd.DataFrame(rows)


def landscape_frame(
    potentials: Sequence[float] = (-0.5, 0.0),
    configs: Sequence[tuple[str, str, str, tuple[float, int] | None, float]] = (
        ("100", "adatom", "bare", None, 0.9),
        ("100", "adatom", "H", (-0.1, 1), 0.6),
    ),
) -> pd.DataFrame:
    """A landscape table: per config (facet, site, adsorbates, (ΔG1(0), n) or None, barrier).

    Points: 0 bare site (0), 1 adsorbates on Cu (ΔG1(0) + n U; absent for bare),
    2 lift TS (G1 + barrier), 3 complex (G1 + 0.5), 4 Cu2+(aq) + vacancy (0.6 + 2U).
    """
    rows = []
    for facet, site, ads, formation, barrier in configs:
        config_id = f"demo/{facet}/{site}/{ads}/emt"
        for u in potentials:
            g1 = 0.0 if formation is None else formation[0] + formation[1] * u
            points = [(0, "bare site", "state", 0.0)]
            if formation is not None:
                points.append((1, f"{ads}* on Cu", "state", g1))
            points += [
                (2, "lift TS", "ts", g1 + barrier),
                (3, f"Cu-{ads} complex", "state", g1 + 0.5),
                (4, "Cu2+(aq) + vacancy", "state", 0.6 + 2.0 * u),
            ]
            for point, name, kind, g in points:
                rows.append(
                    {
                        "config_id": config_id,
                        "facet": facet,
                        "site_class": site,
                        "adsorbates": ads,
                        "U_V_RHE": float(u),
                        "U_V": float(u),
                        "scale": "RHE",
                        "pH": 0.0,
                        "point": point,
                        "point_name": name,
                        "kind": kind,
                        "G_eV": g,
                    }
                )
    return pd.DataFrame(rows)


def summary_rows(
    config: tuple[str, str, str], rows: Sequence[tuple[float, float, float, bool]]
) -> list[dict]:
    """Summary rows of one config from (U_V_RHE, span, ΔG complex, open) tuples."""
    facet, site, ads = config
    opened = [u for u, _, _, ok in rows if ok]
    low, high = (min(opened), max(opened)) if opened else (np.nan, np.nan)
    return [
        {
            "config_id": f"demo/{facet}/{site}/{ads}/emt",
            "facet": facet,
            "site_class": site,
            "adsorbates": ads,
            "U_V_RHE": u,
            "U_V": u,
            "pH": 0.0,
            "dG_complex_eV": complex_,
            "energy_span_eV": span,
            "span_from": "bare site",
            "span_to": "lift TS",
            "dG_dissolution_eV": 0.6 + 2.0 * u,
            "open": ok,
            "easiest": False,
            "window_low_V_RHE": low,
            "window_high_V_RHE": high,
        }
        for u, span, complex_, ok in rows
    ]


def co2er_frame(facets: Sequence[str] = ("100",)) -> pd.DataFrame:
    """CO and HCOOH routes with their U_L and potential-determining step worked by hand.

    CO: COOH* +0.45 (n 1), CO* −0.30 (n 1), CO(g) +0.20 (n 0): U_L = −0.45 V, PDS step 0.
    HCOOH: OCHO* +0.20 (n 1), HCOOH +0.10 (n 1): U_L = −0.20 V, PDS step 0.
    """
    routes = {
        "CO": (
            [
                ("CO2 -> COOH*", 0.45, 1),
                ("COOH* -> CO* + H2O", -0.30, 1),
                ("CO* -> CO(g)", 0.20, 0),
            ],
            -0.45,
            0,
        ),
        "HCOOH": ([("CO2 -> OCHO*", 0.20, 1), ("OCHO* -> HCOOH(g)", 0.10, 1)], -0.20, 0),
    }
    rows = []
    for facet in facets:
        for route, (steps, u_l, pds) in routes.items():
            for k, (name, dg, n) in enumerate(steps):
                rows.append(
                    {
                        "facet": facet,
                        "route": route,
                        "step_index": k,
                        "step": name,
                        "dG0_eV": dg,
                        "n_electrons": n,
                        "U_L_V_RHE": u_l,
                        "potential_determining": k == pds,
                    }
                )
    return pd.DataFrame(rows)
