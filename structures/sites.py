"""Adsorption sites on Cu slabs (pymatgen AdsorbateSiteFinder + a geometric site label)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from ase import Atoms
from ase.geometry import get_distances
from pymatgen.analysis.adsorption import AdsorbateSiteFinder
from pymatgen.io.ase import AseAtomsAdaptor

from cudiss.structures.coordination import classify_surface_atoms, surface_atoms
from cudiss.structures.errors import SiteNotFoundError
from cudiss.structures.geometry import (
    contact_atoms,
    cu_indices,
    drop_height,
    lateral_distances,
    nearest_neighbour_distance,
)

#: Site kinds by the number of Cu atoms a probe atom touches: 1 ontop, 2 bridge
#: (longbridge when the two Cu are not nearest neighbours, fcc(110)), 3 fcc or hcp
#: (hcp has a second-layer Cu right below), 4-5 hollow. Sites whose touched Cu atoms
#: are mostly step or kink atoms get the prefix ``step_`` (e.g. ``step_ontop``).
BASE_KINDS = ("ontop", "bridge", "longbridge", "fcc", "hcp", "hollow")
SITE_KINDS = BASE_KINDS + tuple(f"step_{k}" for k in BASE_KINDS)

# The probe is adsorbate-sized (radius 0.78 d_nn = 2.0 Å on Cu, a typical Cu-C/Cu-O
# bond) so that it reaches the narrow terraces of stepped surfaces. It touches a Cu atom
# closer than its radius + 0.16 d_nn: on every fcc facet the next Cu is farther
# (>= +0.19 d_nn, fcc(110) long bridge), while the four top-row Cu of the fcc(110)
# hollow (+0.13 d_nn) count. Scaling with d_nn keeps the labels valid for any lattice
# constant. Two Cu atoms closer than _PAIR d_nn form a bridge, else a longbridge.
_PROBE = 0.78
_TOUCH = 0.16
_PAIR = 1.12
# Tolerances (Å) for "the same position" and for "right below the site".
_SAME_XY = 0.1
_BELOW_XY = 0.5


@dataclass
class Site:
    """An adsorption site.

    Attributes
    ----------
    kind : str
        One of :data:`SITE_KINDS`.
    position : numpy.ndarray
        (x, y, z) in Å: lateral position of the site, z = mean height of its Cu atoms
        (the surface under the site).
    atoms : tuple of int
        Indices of the Cu atoms forming the site (nearest first).
    """

    kind: str
    position: np.ndarray
    atoms: tuple[int, ...] = field(default_factory=tuple)

    def __repr__(self) -> str:
        x, y, z = self.position
        return f"Site({self.kind!r}, ({x:.3f}, {y:.3f}, {z:.3f}), atoms={self.atoms})"


def _check_kinds(kinds: Sequence[str] | None) -> tuple[str, ...] | None:
    if kinds is None:
        return None
    if isinstance(kinds, str):
        kinds = (kinds,)
    out = []
    for kind in kinds:
        key = str(kind).strip().lower()
        if key not in SITE_KINDS:
            raise SiteNotFoundError(
                f"unknown site kind {kind!r}; choose from {', '.join(SITE_KINDS)}"
            )
        out.append(key)
    return tuple(out)


def site_at(
    slab: Atoms,
    xy: Sequence[float],
    classes: dict[int, str] | None = None,
    *,
    dnn: float | None = None,
    among: np.ndarray | None = None,
) -> Site:
    """Label the site at a lateral position by dropping a probe atom onto it.

    Parameters
    ----------
    slab : ase.Atoms
        Slab; only its Cu atoms count.
    xy : sequence of float
        Lateral position (x, y), Å.
    classes : dict, optional
        Output of :func:`classify_surface_atoms` (recomputed if not given).
    dnn : float, optional
        The slab's Cu-Cu distance (:func:`nearest_neighbour_distance`, recomputed
        if not given); pass both when labelling many positions of one slab.
    among : array of int, optional
        Indices of the Cu atoms that may touch the probe (default: all Cu). The
        Cu atoms within 3 d_nn of ``xy`` (laterally) give the answer of all of them.

    Returns
    -------
    Site
    """
    all_cu = cu_indices(slab)
    cu = all_cu if among is None else np.asarray(among, int)
    pos = slab.positions[cu]
    if dnn is None:
        dnn = nearest_neighbour_distance(slab)
    top = float(slab.positions[all_cu, 2].max()) if len(all_cu) else None
    cell = np.asarray(slab.cell)
    xy = np.asarray(xy, float)[:2]
    z = drop_height(xy, np.zeros((1, 3)), np.array([_PROBE * dnn]), pos, cell, top=top)
    probe = np.array([xy[0], xy[1], z])
    idx, vec = contact_atoms(probe, pos, cell, (_PROBE + _TOUCH) * dnn)
    touched = tuple(int(cu[k]) for k in idx)
    n = len(touched)
    if n <= 1:
        kind = "ontop"
    elif n == 2:
        pair = np.linalg.norm(vec[0] - vec[1])
        kind = "bridge" if pair < _PAIR * dnn else "longbridge"
    elif n == 3:
        # hcp: a Cu atom of the next layer down sits right under the site.
        z_site = probe[2] + vec[:, 2].mean()
        below, bvec = contact_atoms(probe, pos, cell, probe[2] - z_site + 0.95 * dnn)
        under = [
            b
            for b, v in zip(below, bvec, strict=True)
            if np.linalg.norm(v[:2]) < _BELOW_XY and probe[2] + v[2] < z_site - 0.3 * dnn
        ]
        kind = "hcp" if under else "fcc"
    else:
        kind = "hollow"
    if classes is None:
        classes = classify_surface_atoms(slab)
    stepped = sum(classes.get(k) in ("step", "kink") for k in touched)
    if touched and stepped * 2 > len(touched):
        kind = f"step_{kind}"
    # Report the symmetric point: the lateral centre of the touched Cu atoms, so that
    # candidates slightly off it (Delaunay midpoints over rows of different height)
    # collapse onto one site.
    centre = probe + vec.mean(axis=0)
    return Site(kind=kind, position=np.array([centre[0], centre[1], centre[2]]), atoms=touched)


# Cu atoms within this many d_nn (laterally) of a position decide its site label:
# the probe touches Cu within 0.94 d_nn, the hcp test looks down to ~2.2 d_nn.
_LABEL_REACH = 3.0


def _candidate_xy(
    slab: Atoms, surface: Sequence[int] | None = None
) -> tuple[list[np.ndarray], AdsorbateSiteFinder]:
    """Candidate site positions from pymatgen's Delaunay construction over surface Cu.

    ``surface``: the surface Cu atoms to triangulate (default: all of them). A
    subset gives the candidates of the whole slab over the region it covers, away
    from its rim: a Delaunay triangle is one of the subset's whenever no other
    point lies in its circumcircle, which on a Cu surface is a d_nn or so wide.
    """
    cu = cu_indices(slab)
    if surface is None:
        surface = set(surface_atoms(slab))
    else:
        # Only surface Cu enter pymatgen's mesh: a subset needs no subsurface atoms
        # (they serve symm_reduce, which looks at the whole slab).
        surface = {int(k) for k in surface}
        cu = np.array(sorted(surface), int)
    sub = Atoms(slab.symbols[cu], positions=slab.positions[cu], cell=slab.cell, pbc=slab.pbc)
    structure = AseAtomsAdaptor.get_structure(sub)
    # Our own surface detection (coordination based) replaces pymatgen's height window,
    # which misses the lower rows of stepped surfaces such as Cu(211).
    props = ["surface" if int(k) in surface else "subsurface" for k in cu]
    structure.add_site_property("surface_properties", props)
    finder = AdsorbateSiteFinder(structure)
    raw = finder.find_adsorption_sites(
        distance=0.0, symm_reduce=0, near_reduce=1e-2, positions=("ontop", "bridge", "hollow")
    )
    return [np.asarray(p, float) for p in raw["all"]], finder


def _same_xy(p: np.ndarray, q: np.ndarray, cell: np.ndarray) -> bool:
    d = np.asarray(p[:2] - q[:2], float)
    frac = np.linalg.solve(cell[:2, :2].T, d)
    frac -= np.round(frac)
    return bool(np.linalg.norm(frac @ cell[:2, :2]) < _SAME_XY)


def find_sites(
    slab: Atoms,
    kinds: Sequence[str] | None = None,
    unique: bool = True,
    near: tuple[Sequence[float], float] | None = None,
) -> list[Site]:
    """Adsorption sites of a slab.

    Candidate positions come from :class:`pymatgen.analysis.adsorption.AdsorbateSiteFinder`
    (ontop, Delaunay bridges and hollows over the surface Cu atoms); each candidate is
    then labelled by how many Cu atoms a probe atom dropped onto it touches, which
    tells fcc from hcp, the 4-fold hollow of (100) from a bridge, and step sites from
    terrace sites on any facet.

    Parameters
    ----------
    slab : ase.Atoms
        Slab (adsorbates are ignored; only Cu atoms count).
    kinds : sequence of str, optional
        Keep only these kinds (see :data:`SITE_KINDS`); all by default.
    unique : bool, optional
        Keep one site per symmetry-equivalent set (AdsorbateSiteFinder.symm_reduce);
        otherwise every site in the cell.
    near : (point, radius), optional
        Only the sites within ``radius`` Å (laterally, minimum image) of ``point``:
        those of ``find_sites(slab, kinds, unique=False)`` there, found from the
        surface around ``point`` only, so the cost does not grow with the slab.
        Needs ``unique=False`` (symmetry is a property of the whole cell).

    Returns
    -------
    list of Site
        Ordered by kind (as in :data:`SITE_KINDS`), then from the cell centre outwards.

    Raises
    ------
    SiteNotFoundError
        For an unknown kind name.
    NotACuSlabError
        For a structure that is not a Cu slab lying flat (bulk, a cluster...).

    Examples
    --------
    >>> from cudiss.structures.slabs import cu_slab
    >>> sorted(s.kind for s in find_sites(cu_slab("111")))
    ['bridge', 'fcc', 'hcp', 'ontop']
    """
    wanted = _check_kinds(kinds)
    if len(cu_indices(slab)) == 0:
        return []
    if near is not None and unique:
        raise ValueError("find_sites: near needs unique=False")
    cell = np.asarray(slab.cell)
    centre = 0.5 * (cell[0] + cell[1])
    dnn = nearest_neighbour_distance(slab)
    classes = classify_surface_atoms(slab)
    among = None
    if near is None:
        candidates, finder = _candidate_xy(slab)
    else:
        point, radius = np.asarray(near[0], float), float(near[1])
        cu = cu_indices(slab)
        # Candidates may sit up to ~1 d_nn from the site they label (the centre of
        # the Cu they touch); the triangulation needs a rim of a few d_nn beyond them.
        reach = lateral_distances(slab.positions[cu], point, cell)
        inside = reach <= radius + 3 * dnn
        surface = [k for k in surface_atoms(slab) if inside[np.searchsorted(cu, k)]]
        candidates, finder = _candidate_xy(slab, surface)
        candidates = [
            p for p in candidates if lateral_distances(p, point, cell)[0] <= radius + 1.5 * dnn
        ]
        among = cu[reach <= radius + (1.5 + _LABEL_REACH) * dnn]
    # Centre-first order makes the representative of each symmetry class the most
    # central one (adsorbates then sit away from the cell edges); ties by x, y.
    candidates.sort(
        key=lambda p: (round(float(np.linalg.norm(p[:2] - centre[:2])), 3), *np.round(p[:2], 3))
    )
    sites: list[Site] = []
    for p in candidates:
        site = site_at(slab, p, classes, dnn=dnn, among=among)
        if wanted is not None and site.kind not in wanted:
            continue
        if any(s.kind == site.kind and _same_xy(s.position, site.position, cell) for s in sites):
            continue
        sites.append(site)
    if near is not None:
        sites = [s for s in sites if lateral_distances(s.position, point, cell)[0] <= radius]
    if unique:
        reduced: list[Site] = []
        for kind in SITE_KINDS:
            group = [s for s in sites if s.kind == kind]
            if not group:
                continue
            kept = finder.symm_reduce([s.position for s in group], threshold=1e-2)
            for q in kept:
                reduced.extend(s for s in group if np.allclose(s.position, q, atol=1e-6))
        sites = reduced
    order = {k: n for n, k in enumerate(SITE_KINDS)}
    return sorted(sites, key=lambda s: order[s.kind])


def get_site(slab: Atoms, kind: str) -> Site:
    """The first (most central) site of a kind.

    Raises
    ------
    SiteNotFoundError
        If the kind is unknown or the slab has no such site.
    """
    (key,) = _check_kinds((kind,))
    sites = find_sites(slab)
    for site in sites:
        if site.kind == key:
            return site
    present = ", ".join(dict.fromkeys(s.kind for s in sites)) or "none"
    raise SiteNotFoundError(f"no {key!r} site on this slab; sites present: {present}")


def site_under(atoms: Atoms, adsorbate_indices: Sequence[int]) -> Site:
    """The site an adsorbate sits on, read from its geometry (e.g. after a relaxation).

    The adsorbate's anchor is its atom nearest to a Cu atom (minimum image); the
    site is the one a probe dropped at the anchor's lateral position touches
    (:func:`site_at` on the slab without the adsorbate). An adsorbate placed
    ``ontop`` that slid into a hollow during its relaxation reads ``fcc``,
    ``hcp`` or ``hollow`` here.

    Parameters
    ----------
    atoms : ase.Atoms
        Slab with the adsorbate (and possibly others, which are ignored).
    adsorbate_indices : sequence of int
        Indices of the adsorbate's atoms in ``atoms``.

    Returns
    -------
    Site

    Examples
    --------
    >>> from cudiss.structures.placement import place_adsorbate
    >>> from cudiss.structures.slabs import cu_slab
    >>> slab = cu_slab("111")
    >>> h = place_adsorbate(slab, "H", "ontop")
    >>> h.positions[-1, :2] = get_site(slab, "fcc").position[:2]  # slide it to fcc
    >>> site_under(h, [len(h) - 1]).kind
    'fcc'
    """
    ads = [int(k) for k in adsorbate_indices]
    if not ads:
        raise ValueError("site_under: no adsorbate atoms given")
    cu = cu_indices(atoms)
    _, distances = get_distances(
        atoms.positions[ads], atoms.positions[cu], cell=atoms.cell, pbc=atoms.pbc
    )
    anchor = ads[int(np.argmin(distances.min(axis=1)))]
    slab = atoms[[k for k in range(len(atoms)) if k not in set(ads)]]
    return site_at(slab, atoms.positions[anchor, :2])


# Placement (module ``placement``) builds on site finding; it is served from here lazily
# to avoid a circular import.
_PLACEMENT = ("place_adsorbate", "place_adsorbates", "resolve_site")


def __getattr__(name: str):
    if name in _PLACEMENT:
        from cudiss.structures import placement

        return getattr(placement, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "BASE_KINDS",
    "SITE_KINDS",
    "Site",
    "find_sites",
    "get_site",
    "site_at",
    "site_under",
]
