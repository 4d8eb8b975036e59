"""The points of one removal route at 0 V: its bare partner and G of each state, with sources.

:func:`cudiss.analysis.landscape.landscape_table` adds the potential and the
dissolution point to these; the points and the energy terms are described in
:mod:`cudiss.analysis.landscape`. Units: eV.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from cudiss.analysis.adsorption import adsorbate_vibrations
from cudiss.analysis.balance import check_balance, removal_states
from cudiss.analysis.documents import RemovalResult
from cudiss.analysis.reservoirs import Carbon, GasReferences, calculator_label, formation

__all__ = ["NAN", "bare_partners", "removal_group_key"]

NAN = float("nan")


def _ok(*values: float | None) -> bool:
    return all(v is not None and math.isfinite(v) for v in values)


def _cell_key(res: RemovalResult) -> tuple:
    # In-plane cell vectors only: adsorbates on the moving Cu make the cell taller
    # (the vacuum above them is kept), yet the slab is the same.
    return tuple(round(float(x), 3) for row in res.cell_A[:2] for x in row[:2])


def removal_group_key(res: RemovalResult) -> tuple:
    """(campaign, facet, site_class, calculator, in-plane cell): the configs of one site."""
    return (
        res.campaign,
        res.facet,
        res.site_class,
        calculator_label(res.calculator),
        _cell_key(res),
    )


def bare_partners(removals: Sequence[RemovalResult]) -> dict[str, RemovalResult | None]:
    """The bare configuration of the same campaign/facet/site/calculator/cell, by config_id.

    Among several bare candidates the one with the same target index wins, then the first.
    """
    bares: dict[tuple, list[RemovalResult]] = {}
    for res in removals:
        if not res.adsorbates:
            bares.setdefault(removal_group_key(res), []).append(res)
    out: dict[str, RemovalResult | None] = {}
    for res in removals:
        cands = bares.get(removal_group_key(res), [])
        same = [b for b in cands if b.target_index == res.target_index]
        out[res.config_id] = (same or cands or [None])[0]
    return out


def _route_points(
    res: RemovalResult, bare: RemovalResult | None, refs: GasReferences, carbon: Carbon, T: float
) -> tuple[list[tuple[int, str, str, float, int, str]], str, str]:
    """(point, name, kind, G at 0 V without dissolution, n pairs, vibrations) + gas label + note."""
    states = removal_states(res.adsorbates, carbon)
    check_balance(states)
    points = [0, 1, 2, 3, 4] if res.adsorbates else [0, 2, 3, 4]
    f = formation(list(res.adsorbates), carbon) if res.adsorbates else None
    n = f.n_pairs if f else 0
    gas_src = refs.source_label(f) if f else "none"
    notes = []
    ci, vib_i = adsorbate_vibrations(res.initial_frequencies_cm, "initial", T)
    cf, vib_f = adsorbate_vibrations(res.final_frequencies_cm, "complex", T)
    if not res.adsorbates:
        g1, vib_i, vib_f = 0.0, "bare", "bare"
    elif bare is None or not _ok(res.slab_energy_eV, bare.slab_energy_eV):
        g1 = NAN
        notes.append("no bare configuration to pair" if bare is None else "slab energy missing")
    elif not refs.has(f):
        g1 = NAN
        notes.append(f"gas references missing: {gas_src}")
    else:
        extra = ci.correction_eV if ci is not None else 0.0
        g1 = res.slab_energy_eV + extra - bare.slab_energy_eV - refs.reservoir_G(f)
    neb_ok = res.state != "failed" and _ok(res.forward_barrier_eV, res.reaction_energy_eV)
    if not neb_ok:
        notes.append(f"NEB {res.state}: no barrier")
    elif res.state != "successful":
        notes.append(f"NEB {res.state}: barrier as found")
    g2 = g1 + res.forward_barrier_eV if neb_ok else NAN
    g3 = g1 + res.reaction_energy_eV if neb_ok else NAN
    if not res.adsorbates:
        vib3 = "bare"
    elif ci is not None and cf is not None:
        g3 += cf.correction_eV - ci.correction_eV
        vib3 = "harmonic initial and complex"
    elif ci is not None:
        vib3 = f"complex: {vib_f}, so the initial state's ZPE−TS is kept"
    else:
        vib3 = "initial state without vibrations: ΔE only"
    g_at = {0: 0.0, 1: g1, 2: g2, 3: g3, 4: NAN}
    n_at = {0: 0, 1: n, 2: n, 3: n, 4: 0}
    vib_at = {0: "none", 1: vib_i, 2: "TS: G1 + ΔE‡ (no TS vibrations)", 3: vib3, 4: "none"}
    rows = [
        (p, st.name, st.kind, g_at[p], n_at[p], vib_at[p])
        for p, st in zip(points, states, strict=True)
    ]
    return rows, gas_src, "; ".join(notes)
