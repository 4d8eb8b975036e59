"""Putting adsorbates on sites (single species and co-adsorbed coverages)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from ase import Atoms
from ase.build import add_adsorbate
from ase.data import covalent_radii

from cudiss.structures.adsorbates import Adsorbate, get_adsorbate
from cudiss.structures.errors import SiteNotFoundError, SlabParameterError
from cudiss.structures.geometry import check_overlap, cu_indices, drop_height
from cudiss.structures.sites import SITE_KINDS, Site, find_sites, get_site
from cudiss.structures.vacuum import keep_top_vacuum

_CU = covalent_radii[29]


def resolve_site(slab: Atoms, site: Site | str) -> Site:
    """Turn ``"kind"`` or ``"kind:n"`` into a :class:`Site` of the slab (a Site passes through).

    ``"kind"`` is the most central site of that kind; ``"kind:n"`` the n-th (from 0) of
    all sites of that kind in the cell, ordered from the cell centre outwards.

    Raises
    ------
    SiteNotFoundError
        For an unknown kind, a kind the slab lacks, or n out of range.
    """
    if isinstance(site, Site):
        return site
    text = str(site).strip().lower()
    kind, _, number = text.partition(":")
    if not number:
        return get_site(slab, kind)
    try:
        n = int(number)
    except ValueError:
        raise SiteNotFoundError(
            f"bad site {site!r}; use KIND or KIND:N with N an integer, KIND one of "
            f"{', '.join(SITE_KINDS)}"
        ) from None
    sites = find_sites(slab, kinds=(kind,), unique=False)
    if not 0 <= n < len(sites):
        raise SiteNotFoundError(
            f"site {site!r} out of range: this slab has {len(sites)} {kind!r} sites "
            f"(0..{len(sites) - 1})"
        )
    return sites[n]


def _orient(mol: Atoms, ads: Adsorbate, slab: Atoms, site: Site) -> None:
    """Turn a multidentate adsorbate so its binding atoms span the site's Cu-Cu direction."""
    if len(ads.binding) < 2:
        return
    b0, b1 = (mol.positions[ads.binding[k]] for k in (0, 1))
    axis = (b1 - b0)[:2]
    if len(site.atoms) >= 2:
        target = slab.get_distance(site.atoms[0], site.atoms[1], mic=True, vector=True)[:2]
    else:
        # Ontop: along the bond to the nearest Cu neighbour, so each O sits towards a Cu.
        cu = [k for k in cu_indices(slab) if k != site.atoms[0]]
        vecs = slab.get_distances(site.atoms[0], cu, mic=True, vector=True)
        near = vecs[np.argmin(np.linalg.norm(vecs, axis=1))]
        target = near[:2]
    if np.linalg.norm(axis) < 1e-6 or np.linalg.norm(target) < 1e-6:
        return
    angle = math.degrees(math.atan2(target[1], target[0]) - math.atan2(axis[1], axis[0]))
    mol.rotate(angle, "z", center=(0, 0, 0))


def place_adsorbate(
    slab: Atoms,
    name: str,
    site: Site | str,
    height: float | None = None,
    min_distance_factor: float = 0.7,
) -> Atoms:
    """Put one adsorbate on a site.

    The molecule keeps its gas-like shape, pointing to +z (a bidentate one spans the
    site's Cu-Cu bond), and is lowered onto the site until its binding atoms are
    ``Adsorbate.height`` (+ 0.6 log10 n for n Cu atoms per binding atom, Pauling's
    bond-order rule) from the nearest Cu and no other atom comes closer to Cu than
    the sum of covalent radii; this gives sensible heights on ontop, bridge and hollow
    sites of flat and stepped facets alike.

    Parameters
    ----------
    slab : ase.Atoms
        Slab (not modified).
    name : str
        Adsorbate name, see :data:`cudiss.structures.adsorbates.ADSORBATES`.
    site : Site or str
        A site from :func:`find_sites`, a kind (``"ontop"``) or ``"kind:n"``.
    height : float, optional
        Override: height of the binding atoms above the site (above ``site.position``'s
        z, the mean height of the site's Cu atoms), Å.
    min_distance_factor : float, optional
        Raise if a new atom is closer than this x (sum of covalent radii) to any atom.

    Returns
    -------
    ase.Atoms
        A new slab with the adsorbate appended (tag 0).

    Raises
    ------
    UnknownAdsorbateError, SiteNotFoundError, OverlapError, SlabParameterError

    Examples
    --------
    >>> from cudiss.structures.slabs import cu_slab
    >>> slab = place_adsorbate(cu_slab("111"), "CO", "ontop")
    >>> slab.get_chemical_formula()
    'CCu36O'
    """
    ads = get_adsorbate(name)
    site = resolve_site(slab, site)
    mol = ads.copy_atoms()
    _orient(mol, ads, slab, site)
    cu = cu_indices(slab)
    if len(cu) == 0:
        raise SiteNotFoundError("the slab has no Cu atoms to put an adsorbate on")
    if height is None:
        # Bonds lengthen with the number of Cu atoms shared (Pauling: +0.6 log10 n Å),
        # so an H or O does not sink into a 4-fold hollow.
        shared = max(1.0, len(site.atoms) / len(ads.binding))
        bond = ads.height + 0.6 * math.log10(shared)
        contact = np.array(
            [
                bond if k in ads.binding else covalent_radii[mol.numbers[k]] + _CU
                for k in range(len(mol))
            ]
        )
        z = drop_height(site.position[:2], mol.positions, contact, slab.positions[cu], slab.cell)
    else:
        if not (isinstance(height, int | float) and math.isfinite(height) and height > 0):
            raise SlabParameterError(f"adsorbate height must be a number > 0 Å, got {height!r}")
        z = float(site.position[2]) + float(height)

    out = slab.copy()
    # ase's add_adsorbate measures height from the topmost atom (cached in info);
    # drop the cache so it cannot be stale, and do not leave one behind.
    out.info.pop("adsorbate_info", None)
    anchor = ads.binding[0]
    target = np.array([site.position[0], site.position[1], z]) + mol.positions[anchor]
    top = float(out.positions[:, 2].max())
    add_adsorbate(out, mol, height=target[2] - top, position=tuple(target[:2]), mol_index=anchor)
    out.info.pop("adsorbate_info", None)
    new = np.arange(len(slab), len(out))
    check_overlap(out, min_distance_factor, among=new, what=f"{ads.name}@{site.kind}")
    keep_top_vacuum(out)
    return out


def place_adsorbates(
    slab: Atoms,
    placements: Sequence[tuple[str, Site | str]],
    min_distance_factor: float = 0.7,
) -> Atoms:
    """Put several adsorbates on a slab (a coverage), checking they do not overlap.

    Parameters
    ----------
    slab : ase.Atoms
        Slab (not modified).
    placements : sequence of (name, site)
        Adsorbate names with a :class:`Site`, a kind or ``"kind:n"``; placed in order.
    min_distance_factor : float, optional
        Raise if any two atoms are closer than this x (sum of covalent radii).

    Returns
    -------
    ase.Atoms

    Raises
    ------
    OverlapError
        If two adsorbates (or an adsorbate and Cu) come too close.

    Examples
    --------
    >>> from cudiss.structures.slabs import cu_slab
    >>> slab = place_adsorbates(cu_slab("111"), [("CO", "ontop:0"), ("H", "fcc:8")])
    >>> slab.get_chemical_formula()  # Hill order: C, H, then the rest
    'CHCu36O'
    """
    if not 0 < min_distance_factor <= 2:
        raise SlabParameterError(
            f"min_distance_factor must be in (0, 2], got {min_distance_factor!r}"
        )
    out = slab
    for name, site in placements:
        out = place_adsorbate(out, name, site, min_distance_factor=min_distance_factor)
    return out if out is not slab else slab.copy()
