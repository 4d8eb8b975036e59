"""Surface defects made of Cu: an adatom on a hollow, a kink in a step edge."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from ase import Atom, Atoms
from ase.geometry import find_mic
from ase.neighborlist import neighbor_list

from cudiss.structures.coordination import (
    classify_surface_atoms,
    coordination_numbers,
    surface_atoms,
)
from cudiss.structures.errors import OverlapError, SiteNotFoundError, SlabParameterError
from cudiss.structures.geometry import (
    FCC_SHELL_MIDPOINT,
    check_overlap,
    cu_indices,
    drop_height,
    lateral_distances,
    nearest_neighbour_distance,
)
from cudiss.structures.sites import find_sites
from cudiss.structures.vacuum import keep_top_vacuum

#: Hollow kinds an adatom can sit in; ``"hollow"`` means the first available of these
#: (fcc is the stable Cu adatom site on Cu(111), the 4-fold hollow on (100)/(110)).
ADATOM_SITES = ("fcc", "hollow", "hcp", "step_fcc", "step_hollow", "step_hcp")


def adatom_position(slab: Atoms, xy: np.ndarray) -> np.ndarray:
    """Where a Cu atom dropped at lateral ``xy`` comes to rest (touching Cu at d_nn)."""
    cu = cu_indices(slab)
    dnn = nearest_neighbour_distance(slab)
    xy = np.asarray(xy, float)[:2]
    z = drop_height(xy, np.zeros((1, 3)), np.array([dnn]), slab.positions[cu], slab.cell)
    return np.array([xy[0], xy[1], z])


def _bulk_bonds(slab: Atoms, dnn: float) -> np.ndarray:
    """The 12 nearest-neighbour vectors of the slab's fcc lattice (from a fully bonded Cu)."""
    cu = cu_indices(slab)
    cn = coordination_numbers(slab)
    full = [k for k in cu if cn[k] == 12]
    if full:
        others = [k for k in cu if k != full[0]]
        vecs = slab.get_distances(full[0], others, mic=True, vector=True)
        return vecs[np.abs(np.linalg.norm(vecs, axis=1) - dnn) < 0.1 * dnn]
    # Thin slab without a bulk-like atom: use the bonds of all atoms (duplicates merged),
    # atom by atom in index order, from a neighbour list.
    i, j, vecs = neighbor_list("ijD", slab[cu], 1.1 * dnn, self_interaction=False)
    keep = (i != j) & (np.abs(np.linalg.norm(vecs, axis=1) - dnn) < 0.1 * dnn)
    order = np.lexsort((j[keep], i[keep]))
    vecs = vecs[keep][order]
    # Vectors of one bond direction agree to rounding: merge those first (keeping the
    # first of each), then the rest as one by one.
    _, first = np.unique(np.round(vecs, 2), axis=0, return_index=True)
    bonds: list[np.ndarray] = []
    for v in vecs[np.sort(first)]:
        if all(np.linalg.norm(v - w) > 0.1 for w in bonds):
            bonds.append(v)
    return np.array(bonds).reshape(-1, 3)


def lattice_sites(
    slab: Atoms, min_bonds: int = 3, near: tuple[Sequence[float], float] | None = None
) -> np.ndarray:
    """Empty fcc lattice positions above the surface where a Cu atom has >= min_bonds bonds.

    These continue the crystal: the fcc (not hcp) hollows of Cu(111), the 4-fold hollows
    of (100) and (110), the growth sites along the steps of Cu(211).

    Parameters
    ----------
    slab : ase.Atoms
    min_bonds : int, optional
    near : (point, radius), optional
        Only the positions grown from the surface atoms within ``radius`` + 2 d_nn
        of ``point`` (laterally): all of the slab's lattice sites within ``radius``
        of it, at a cost that does not grow with the slab.

    Returns
    -------
    numpy.ndarray, shape (m, 3)
        Positions, ordered by z (highest last), then x, y; inside the cell laterally.
    """
    cu = cu_indices(slab)
    dnn = nearest_neighbour_distance(slab)
    bonds = _bulk_bonds(slab, dnn)
    bonds = bonds[bonds[:, 2] > 0.1 * dnn]  # upwards only: the free side of the slab
    starts = surface_atoms(slab)
    others = slab.positions[cu]
    if near is not None:
        point, radius = np.asarray(near[0], float), float(near[1])
        if starts:
            reach = lateral_distances(slab.positions[starts], point, slab.cell)
            starts = [k for k, r in zip(starts, reach, strict=True) if r <= radius + 2 * dnn]
        others = others[lateral_distances(others, point, slab.cell) <= radius + 4 * dnn]
    found: list[np.ndarray] = []
    probe = Atoms("Cu", cell=slab.cell, pbc=slab.pbc)
    for k in starts:
        for v in bonds:
            p = slab.positions[k] + v
            probe.positions[0] = p
            probe.wrap()
            p = probe.positions[0].copy()
            if any(np.linalg.norm(p - q) < 0.3 for q in found):
                continue
            dist = find_mic(others - p, slab.cell, slab.pbc)[1]
            if dist.min() < 0.5 * dnn:
                continue  # occupied
            if int(np.sum(dist < FCC_SHELL_MIDPOINT * dnn)) >= min_bonds:
                found.append(p)
    found.sort(key=lambda p: (round(float(p[2]), 3), round(float(p[0]), 3), round(float(p[1]), 3)))
    return np.array(found).reshape(-1, 3)


# Lateral radius (in d_nn) of the first, local search for a free lattice site: wide
# enough for the nearest free sites of every facet; the whole slab is searched only
# if none of them fits.
_LOCAL_REACH = 2.5


def _first_adatom(slab: Atoms, spots: Sequence[np.ndarray]) -> Atoms | None:
    """``slab`` with a Cu adatom on the first of ``spots`` that holds one, else None."""
    for position in spots:
        out = slab.copy()
        out.append(Atom("Cu", position, tag=0))
        new = len(out) - 1
        try:
            check_overlap(out, among=np.array([new]), what="Cu adatom")
        except OverlapError:
            continue
        # A real hollow holds the adatom with >= 3 Cu bonds; fewer means the drop point
        # was a slope (e.g. the edge of a narrow terrace), not a hollow.
        if coordination_numbers(out)[new] >= 3 and classify_surface_atoms(out).get(new) == "adatom":
            keep_top_vacuum(out)
            return out
    return None


def add_adatom(slab: Atoms, site: str = "hollow") -> Atoms:
    """Put a Cu adatom in a hollow of the top layer.

    With ``site="hollow"`` the adatom continues the fcc lattice (fcc hollow of Cu(111),
    4-fold hollow of (100) and (110), a lattice site on a Cu(211) terrace): the empty
    lattice site nearest the cell centre that yields a true adatom (>= 3 Cu bonds, no Cu
    neighbour at its height). An explicit hollow kind (e.g. ``"hcp"``) instead drops the
    Cu onto the most central site of that kind from :func:`find_sites`.

    Parameters
    ----------
    slab : ase.Atoms
        Slab (not modified).
    site : str, optional
        ``"hollow"`` or one of :data:`ADATOM_SITES`.

    Returns
    -------
    ase.Atoms
        A new slab with the adatom appended (tag 0, not fixed).

    Raises
    ------
    SiteNotFoundError
        For a site that is not a hollow, or if the slab has no free hollow.

    Examples
    --------
    >>> from cudiss.structures.slabs import cu_slab
    >>> from cudiss.structures.coordination import classify_surface_atoms
    >>> slab = add_adatom(cu_slab("111"))
    >>> classify_surface_atoms(slab)[len(slab) - 1]
    'adatom'
    """
    key = str(site).strip().lower()
    if key != "hollow" and key not in ADATOM_SITES:
        raise SiteNotFoundError(
            f"an adatom sits in a hollow, not {site!r}; choose hollow or one of "
            f"{', '.join(ADATOM_SITES)}"
        )
    if key == "hollow":
        cell = np.asarray(slab.cell)
        centre = 0.5 * (cell[0] + cell[1])

        def order(spots: np.ndarray) -> list[np.ndarray]:
            return sorted(
                spots, key=lambda p: (round(float(np.linalg.norm(p[:2] - centre[:2])), 3), -p[2])
            )

        # The spots near the centre first (a prefix of the slab's ordered list), then
        # all of them: large slabs are not searched whole when the centre has room.
        radius = _LOCAL_REACH * nearest_neighbour_distance(slab)
        local = [
            p
            for p in order(lattice_sites(slab, near=(centre, radius)))
            if round(float(np.linalg.norm(p[:2] - centre[:2])), 3) <= radius
        ]
        out = _first_adatom(slab, local)
        if out is None:
            out = _first_adatom(slab, order(lattice_sites(slab))[len(local) :])
    else:
        spots = [
            adatom_position(slab, s.position[:2])
            for s in find_sites(slab, kinds=(key,), unique=False)
        ]
        out = _first_adatom(slab, spots)
    if out is not None:
        return out
    raise SiteNotFoundError(
        f"no free {key} site for a Cu adatom on this slab; sites present: "
        f"{', '.join(dict.fromkeys(s.kind for s in find_sites(slab))) or 'none'}"
    )


def _step_row(slab: Atoms, start: int, steps: list[int], dnn: float) -> list[int]:
    """The step atoms of ``start``'s row, walking along the edge from ``start``."""
    members = [k for k in steps if k != start]
    if not members:
        return [start]
    vecs = slab.get_distances(start, members, mic=True, vector=True)
    # Along the edge, neighbours are at one d_nn and level with the start atom.
    level = np.abs(vecs[:, 2]) < 0.1 * dnn
    close = np.abs(np.linalg.norm(vecs, axis=1) - dnn) < 0.1 * dnn
    along = vecs[level & close]
    if len(along) == 0:
        return [start]
    direction = along[np.lexsort((along[:, 1], along[:, 0]))[-1]]  # deterministic pick
    row, current = [start], start
    while True:
        others = [k for k in steps if k not in row]
        if not others:
            break
        v = slab.get_distances(current, others, mic=True, vector=True)
        hit = np.flatnonzero(np.linalg.norm(v - direction, axis=1) < 0.1 * dnn)
        if len(hit) == 0:
            break
        current = others[int(hit[0])]
        row.append(current)
    return row


def add_kink(slab: Atoms) -> Atoms:
    """Make a kink: remove the first half of one step-edge row of a stepped slab.

    What is left of the row ends in two kink atoms, each in the half-crystal position
    (6 of 12 Cu neighbours): removing one of them leaves an equivalent kink one atom
    further along, so on a long enough step (>= 6 atoms, EMT range) the kink atom obeys
    E(vacancy) - E(slab) + E_bulk/atom ~ 0.

    Parameters
    ----------
    slab : ase.Atoms
        A stepped slab, e.g. ``cu_slab("211", size=(3, 6))``. Not modified.

    Returns
    -------
    ase.Atoms
        A new slab with floor(m/2) of the m atoms of the step-edge row removed
        (tags and FixAtoms remapped by ASE).

    Raises
    ------
    SiteNotFoundError
        If the slab has no step (flat facets: use facet 211).
    SlabParameterError
        If the step row has fewer than 3 atoms (size[1] < 3).

    Examples
    --------
    >>> from cudiss.structures.coordination import classify_surface_atoms, coordination_numbers
    >>> from cudiss.structures.slabs import cu_slab
    >>> slab = cu_slab("211", size=(3, 4))
    >>> kinked = add_kink(slab)
    >>> len(slab) - len(kinked)  # half of the 4-atom step row
    2
    >>> classes = classify_surface_atoms(kinked)
    >>> sorted(set(classes.values()))
    ['kink', 'step', 'terrace']
    >>> cn = coordination_numbers(kinked)
    >>> sorted({int(cn[k]) for k, c in classes.items() if c == "kink"})  # half-crystal
    [6]
    """
    classes = classify_surface_atoms(slab)
    steps = sorted(k for k, c in classes.items() if c == "step")
    if not steps:
        raise SiteNotFoundError(
            "add_kink needs a slab with a step edge (facet 211); this slab has site classes: "
            f"{', '.join(sorted(set(classes.values()))) or 'none'}"
        )
    dnn = nearest_neighbour_distance(slab)
    z = slab.positions[:, 2]
    start = min(steps, key=lambda k: (-round(float(z[k]), 3), k))
    row = _step_row(slab, start, steps, dnn)
    if len(row) < 3:
        raise SlabParameterError(
            f"a kink needs >= 3 atoms along the step edge (size[1] >= 3), got {len(row)}"
        )
    out = slab.copy()
    del out[row[1 : 1 + len(row) // 2]]
    return out
