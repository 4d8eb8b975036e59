"""The Cu atom a removal starts from: which one, and where it can go.

Both depend on the bare slab and the atom only, never on the adsorbates bound
to it; :class:`cudiss.structures.removal.RemovalTarget` finds them once and
then binds any number of adsorbate sets.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from ase import Atoms
from ase.geometry import find_mic

from cudiss.structures.coordination import (
    SITE_CLASSES,
    classify_surface_atoms,
    most_exposed,
    surface_atoms,
)
from cudiss.structures.defects import adatom_position, lattice_sites
from cudiss.structures.errors import NotSurfaceAtomError, SiteNotFoundError
from cudiss.structures.geometry import FCC_SHELL_MIDPOINT, cu_indices, nearest_neighbour_distance
from cudiss.structures.sites import find_sites
from cudiss.structures.slabs import normalize_facet


def _ranges(indices: Sequence[int]) -> str:
    """Compact '27-35, 40' form of sorted integers, for one-line messages.

    >>> _ranges([40, 27, 28, 29])
    '27-29, 40'
    """
    parts, run = [], []
    for k in sorted(indices):
        if run and k == run[-1] + 1:
            run.append(k)
            continue
        if run:
            parts.append(f"{run[0]}-{run[-1]}" if len(run) > 1 else str(run[0]))
        run = [k]
    if run:
        parts.append(f"{run[0]}-{run[-1]}" if len(run) > 1 else str(run[0]))
    return ", ".join(parts) or "none"


def resolve_target(slab: Atoms, target: int | str) -> int:
    """Index of the Cu atom to remove: an index, or the most exposed atom of a site class.

    The most exposed atom of a class has the lowest generalized coordination
    (CN-bar), then the highest position, then the lowest index.

    Raises
    ------
    NotSurfaceAtomError
        If an index is not a surface Cu atom.
    SiteNotFoundError
        If a site class is unknown or absent from the slab.

    Examples
    --------
    >>> from cudiss.structures.defects import add_adatom
    >>> from cudiss.structures.slabs import cu_slab
    >>> slab = add_adatom(cu_slab("111", size=(2, 2), layers=3))
    >>> resolve_target(slab, "adatom") == len(slab) - 1  # the atom just added
    True
    >>> resolve_target(slab, "8")  # an index may come as text (command line)
    8
    """
    surface = surface_atoms(slab)
    if isinstance(target, str) and not target.strip().lstrip("-").isdigit():
        key = target.strip().lower()
        if key not in SITE_CLASSES:
            raise SiteNotFoundError(
                f"unknown removal target {target!r}; use an atom index or one of "
                f"{', '.join(SITE_CLASSES)}"
            )
        index = most_exposed(slab, key)
        if index is None:
            present = sorted(set(classify_surface_atoms(slab).values()))
            hint = {"kink": " (add_kink on facet 211)", "adatom": " (add_adatom)"}.get(key, "")
            raise SiteNotFoundError(
                f"no {key} atom on this slab{hint}; classes present: {', '.join(present)}"
            )
        return index
    if isinstance(target, bool) or not isinstance(target, int | np.integer | str):
        raise NotSurfaceAtomError(
            f"removal target must be an atom index or a site class, got {target!r}"
        )
    index = int(target)
    if index not in surface:
        what = (
            "out of range"
            if not 0 <= index < len(slab)
            else f"a {slab[index].symbol} atom"
            if slab[index].symbol != "Cu"
            else "not a surface Cu atom"
        )
        raise NotSurfaceAtomError(
            f"removal target {index} is {what}; surface Cu atoms: {_ranges(surface)}"
        )
    return index


def check_removal_site(facet: str, site_class: str) -> tuple[str, str]:
    """Normalised ``(facet, site_class)`` of a removal, checked before anything is built.

    Raises
    ------
    SiteNotFoundError
        For an unknown class, or step/kink on a flat facet.
    UnknownFacetError
        For an unknown facet.

    Examples
    --------
    >>> check_removal_site("Cu(211)", " Kink ")
    ('211', 'kink')
    """
    key = str(site_class).strip().lower()
    if key not in SITE_CLASSES:
        raise SiteNotFoundError(
            f"unknown site class {site_class!r}; choose one of {', '.join(SITE_CLASSES)}"
        )
    facet_key = normalize_facet(facet)
    if key in ("step", "kink") and facet_key != "211":
        raise SiteNotFoundError(
            f"site class {key!r} needs the stepped facet 211; Cu({facet_key}) is flat "
            "(choose terrace or adatom, or facet 211)"
        )
    return facet_key, key


def _bonds(slab: Atoms, point: np.ndarray, dnn: float) -> int:
    """Number of Cu atoms of ``slab`` within bonding distance of ``point``."""
    cu = cu_indices(slab)
    d = find_mic(slab.positions[cu] - point, slab.cell, slab.pbc)[1]
    return int(np.sum(d < FCC_SHELL_MIDPOINT * dnn))


def removal_destinations(
    slab: Atoms, target: int, site_class: str, radius: float | None = None
) -> list[np.ndarray]:
    """Adatom positions Cu atom ``target`` may move to, best first (Å).

    For a terrace, step or kink atom: the empty fcc lattice sites above the
    surface (fcc hollow on (111), 4-fold hollow on (100)/(110)), nearest first,
    those bordering the vacated site last (the atom could fall back). For an
    adatom: the nearest free hollows of any kind (the elementary hop). They
    depend on the Cu atoms only, so the bare slab's serve every adsorbate set.

    Parameters
    ----------
    slab : ase.Atoms
    target : int
        Index of the Cu atom that moves.
    site_class : str
        Its class (terrace, step, kink, adatom).
    radius : float, optional
        Only the best destinations within ``radius`` Å of the target, found
        from the surface around it (a cost that does not grow with the slab):
        the start of the full list, up to its first entry farther than
        ``radius`` (bordering sites, which come last in the full list, are left
        out). ``None``: the full list.

    Examples
    --------
    >>> from cudiss.structures.defects import add_adatom
    >>> from cudiss.structures.slabs import cu_slab
    >>> slab = add_adatom(cu_slab("100", size=(3, 3), layers=3))
    >>> first = removal_destinations(slab, len(slab) - 1, "adatom")[0]
    >>> hop = first - slab.positions[-1]
    >>> round(float(np.hypot(hop[0], hop[1])), 2)  # one Cu-Cu distance, 3.615 Å / sqrt(2)
    2.56
    """
    cu = list(cu_indices(slab))
    dnn = nearest_neighbour_distance(slab)
    start = slab.positions[target]
    # a little wider than asked: the cut below is on rounded distances
    near = None if radius is None else (start, radius + 0.01)

    def mic(p: np.ndarray) -> np.ndarray:
        return find_mic(p - start, slab.cell, slab.pbc)[0]

    def within(spots: list[np.ndarray], key) -> list[np.ndarray]:
        spots = sorted(spots, key=key)
        if radius is None:
            return spots
        return [p for p in spots if round(float(np.linalg.norm(mic(p))), 3) <= radius]

    if site_class == "adatom":
        # The elementary hop: to the nearest free hollow of any kind. On (111) an
        # fcc adatom hops to the neighbouring hcp hollow; a hop to the next fcc
        # hollow would pass through that hcp minimum, and the NEB would see two
        # hops with a minimum between them instead of one saddle.
        base = slab[[k for k in cu if k != target]]
        spots = list(lattice_sites(base, near=near)) + [
            adatom_position(base, s.position[:2])
            for s in find_sites(base, ("hcp",), False, near=near)
        ]
        spots = [p for p in spots if np.linalg.norm(mic(p)[:2]) > 0.5 and _bonds(base, p, dnn) >= 3]
        return within(spots, lambda p: round(float(np.linalg.norm(mic(p))), 3))
    spots = list(lattice_sites(slab[cu], near=near))

    def key(p: np.ndarray) -> tuple:
        d = float(np.linalg.norm(mic(p)))
        # A hollow that has the vacated site as a neighbour lets the atom fall back:
        # such hollows only come after all others (small cells).
        borders = d < FCC_SHELL_MIDPOINT * dnn
        return (borders, round(d, 3), -round(float(p[2]), 3), round(float(p[0]), 3))

    if radius is None:
        return sorted(spots, key=key)
    return [p for p in within(spots, key) if not key(p)[0]]


__all__ = ["check_removal_site", "removal_destinations", "resolve_target"]
