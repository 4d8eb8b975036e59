"""Atom and charge balance of the states of a Cu-removal route.

Every state of a removal landscape (:mod:`cudiss.analysis.landscape`) holds the
same atoms and charge once its reservoirs are counted: surface Cu, CO2 (or CO),
H2O, H⁺ + e⁻, Cu²⁺(aq) and the 2 e⁻ it leaves behind. :func:`removal_states`
writes the states of one route with their reservoirs and :func:`check_balance`
refuses a set that does not balance.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from cudiss.analysis.reservoirs import Carbon, composition, formation
from cudiss.structures.errors import CudissInputError

__all__ = ["State", "check_balance", "removal_states", "species_composition"]

#: Species of the removal landscape: element counts and charge (e).
_SPECIES: dict[str, tuple[dict[str, int], int]] = {
    "Cu(site)": ({"Cu": 1}, 0),
    "Cu2+(aq)": ({"Cu": 1}, 2),
    "e-": ({}, -1),
    "H+": ({"H": 1}, 1),
    "vacancy": ({}, 0),
}


def species_composition(species: str) -> tuple[dict[str, int], int]:
    """Element counts and charge of a landscape species.

    ``"Cu(site)"``, ``"Cu2+(aq)"``, ``"e-"``, ``"H+"``, ``"vacancy"``; an adsorbate
    ``"X*"``; a complex ``"Cu-X"`` (Cu plus X); or a gas formula (``"CO2"``, ``"H2O"``).

    >>> species_composition("Cu-CO")
    ({'Cu': 1, 'C': 1, 'O': 1}, 0)
    """
    if species in _SPECIES:
        counts, charge = _SPECIES[species]
        return dict(counts), charge
    total: Counter[str] = Counter({"Cu": 1}) if species.startswith("Cu-") else Counter()
    for part in species.removeprefix("Cu-").split("+"):
        total.update(composition(part))
    return dict(total), 0


@dataclass(frozen=True)
class State:
    """One point of a removal landscape with what it holds.

    Attributes
    ----------
    name : str
        Label, e.g. ``"CO* on Cu"``.
    kind : {"state", "ts"}
        Minimum or transition state.
    species : mapping
        Species → count (reservoir species included; negative = owed to the reservoir).
    """

    name: str
    kind: Literal["state", "ts"]
    species: Mapping[str, float]

    def balance(self) -> dict[str, float]:
        """Total element counts and ``"charge"`` (e) of the state."""
        total: Counter[str] = Counter()
        for sp, count in self.species.items():
            elements, charge = species_composition(sp)
            for el, k in elements.items():
                total[el] += count * k
            total["charge"] += count * charge
        return {k: v for k, v in total.items() if v != 0}


def check_balance(states: Sequence[State]) -> None:
    """Raise CudissInputError unless every state holds the same atoms and charge.

    >>> s0 = State("bare", "state", {"Cu(site)": 1, "H+": 1, "e-": 1})
    >>> check_balance([s0, State("H*", "state", {"Cu(site)": 1, "H*": 1})])
    """
    if not states:
        return
    ref = states[0].balance()
    for st in states[1:]:
        got = st.balance()
        if got != ref:
            raise CudissInputError(
                f"state {st.name!r} holds {got}, not {ref} like {states[0].name!r}"
            )


def removal_states(adsorbates: Sequence[str], carbon: Carbon = "CO2") -> list[State]:
    """The states of one removal route with their reservoirs (points 0–4; no 1 when bare).

    Parameters
    ----------
    adsorbates : sequence of str
        Adsorbates bound to the moving Cu (empty: bare site).
    carbon : {"CO2", "CO"}
        Carbon reservoir.

    Returns
    -------
    list of State
        Bare site + reservoirs, adsorbates on Cu, lift TS, Cu–adsorbate complex,
        Cu²⁺(aq) + 2 e⁻ + vacancy + reservoirs.

    Examples
    --------
    >>> [s.name for s in removal_states(["OH"])]
    ['bare site', 'OH* on Cu', 'lift TS', 'Cu-OH complex', 'Cu2+(aq) + vacancy']
    """
    f = formation(list(adsorbates), carbon) if adsorbates else None
    res: dict[str, float] = {}
    if f is not None:
        res = {carbon: f.a_carbon, "H2O": f.b_h2o, "H+": f.n_pairs, "e-": f.n_pairs}
    label = "+".join(sorted(str(a).rstrip("*") for a in adsorbates))
    bound: dict[str, float] = Counter(f"{str(a).rstrip('*')}*" for a in adsorbates)
    complex_name = f"Cu-{label}" if label else "Cu(site)"
    states = [State("bare site", "state", {"Cu(site)": 1, **res})]
    if adsorbates:
        ads_name = "+".join(f"{a}*" for a in label.split("+")) + " on Cu"
        states.append(State(ads_name, "state", {"Cu(site)": 1, **bound}))
    states.append(State("lift TS", "ts", {complex_name: 1}))
    states.append(
        State(f"{complex_name} complex" if label else "lifted Cu", "state", {complex_name: 1})
    )
    final = {"Cu2+(aq)": 1, "vacancy": 1, **res}
    final["e-"] = final.get("e-", 0) + 2
    states.append(State("Cu2+(aq) + vacancy", "state", final))
    return states
