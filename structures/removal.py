"""End points for removing a Cu atom (with its adsorbates) from a surface site."""

from __future__ import annotations

from collections.abc import MutableMapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from ase import Atoms
from ase.geometry import find_mic

from cudiss.structures.adsorbates import check_adsorbates, get_adsorbate
from cudiss.structures.bulk import CU_LATTICE_CONSTANT
from cudiss.structures.coordination import classify_surface_atoms, surface_atoms
from cudiss.structures.defects import add_adatom, add_kink
from cudiss.structures.errors import CrowdingError, OverlapError
from cudiss.structures.geometry import check_overlap, keep_top_vacuum, nearest_neighbour_distance
from cudiss.structures.sites import Site, find_sites, place_adsorbate
from cudiss.structures.slabs import cu_slab
from cudiss.structures.targets import check_removal_site, removal_destinations, resolve_target


@dataclass
class RemovalEndpoints:
    """Initial and final states of a Cu-removal step, and the pieces of the vacancy route.

    Attributes
    ----------
    initial : ase.Atoms
        Slab with the adsorbates bound to the target Cu.
    final : ase.Atoms
        The target Cu (with its adsorbates) moved out of its site onto a hollow as an
        adatom; same atoms in the same order as ``initial`` (ready for an NEB).
    vacancy : ase.Atoms
        ``initial`` without the target Cu and its adsorbates (tags, FixAtoms kept).
    removed : ase.Atoms
        The target Cu and its adsorbates, as in ``initial``.
    target_index : int
        Index of the target Cu in ``initial`` and ``final``.
    site_class : str
        Class of the target: terrace, step, kink or adatom.
    adsorbate_indices : list of int
        Indices of the target's adsorbate atoms in ``initial`` and ``final``.
    displacement : numpy.ndarray
        Vector by which the target Cu moves from ``initial`` to ``final``, Å.
    target : RemovalTarget or None
        The adsorbate-independent part these end points were built from:
        ``target.endpoints(other_adsorbates)`` gives those of another adsorbate set
        on the same slab without finding its sites and destinations again.
    """

    initial: Atoms
    final: Atoms
    vacancy: Atoms
    removed: Atoms
    target_index: int
    site_class: str
    adsorbate_indices: list[int] = field(default_factory=list)
    displacement: np.ndarray = field(default_factory=lambda: np.zeros(3))
    target: RemovalTarget | None = field(default=None, repr=False, compare=False)


# Lateral offset (Å) of ring positions around a target Cu for its 2nd, 3rd ... adsorbate.
_RING = 1.5

#: Most adsorbates one Cu atom carries: no Cu complex holds more than four CO
#: ([Cu(CO)4]+, tetrahedral: Cu(I) d10 plus four two-electron ligands fill 18
#: electrons), and a surface Cu atom also keeps its bonds to the slab.
MAX_ADSORBATES_PER_CU = 4

#: Most adsorbates per surface Cu atom of the cell (monolayers): Cu surfaces
#: saturate well below it for CO (~0.5-0.6 ML) and O (0.5 ML), and at one H per
#: surface atom for H (every hollow filled).
MAX_COVERAGE_ML = 1.0

# Lateral radius (in d_nn) of the first, local search for sites around the target
# and for its destinations: wide enough for the nearest free sites of every facet;
# the whole slab is searched only if none of them fits.
_LOCAL_REACH = 2.5


@dataclass
class RemovalTarget:
    """A surface Cu atom to remove, with everything about it that ignores the adsorbates.

    :func:`removal_endpoints` builds every removal through one of these: bind the
    adsorbates (:meth:`bind`), then move the complex to the first free destination
    (:meth:`endpoints`). The sites around the target and the destinations depend on
    the slab and the target only, so they are found once (on first use) and serve
    any number of adsorbate sets; a campaign check
    (:class:`cudiss.workflows.campaign.EndpointCache`) reuses one target for all
    sets on the same slab instead of rebuilding it for each.

    Attributes
    ----------
    slab : ase.Atoms
        The slab without adsorbates; treat as read-only (the cached sites and
        destinations were found on it).
    target_index : int
        Index of the target Cu atom in ``slab``.
    site_class : str
        Class of the target: terrace, step, kink or adatom.

    Examples
    --------
    >>> from cudiss.structures.slabs import cu_slab
    >>> target = removal_target(cu_slab("111"), "terrace")
    >>> bound = {}
    >>> co = target.endpoints(["CO"], bound)
    >>> co_h = target.endpoints(["CO", "H"], bound)  # CO is not placed again
    >>> len(co_h.initial) - len(co.initial)
    1
    """

    slab: Atoms
    target_index: int
    site_class: str

    @cached_property
    def side_sites(self) -> list[Site]:
        """Where a 2nd, 3rd ... adsorbate may bind to the target, best first.

        The bridge and hollow sites of ``slab`` that include the target (fewest Cu
        first, then nearest), then positions on a ring around it: there the
        adsorbate binds to the side of the Cu (needed for adatoms, whose only site
        that includes them is atop). Earlier adsorbates do not change this list
        (sites are found on the bare slab); they only make some of it overlap.
        """
        slab, target = self.slab, self.target_index
        pos = slab.positions[target]

        def distance(site: Site) -> float:
            return float(np.linalg.norm(find_mic(site.position - pos, slab.cell, slab.pbc)[0]))

        # A site that includes the target lies within 2 x 0.94 d_nn of it (its Cu
        # atoms touch a probe at the site): only the surface around it is searched.
        near = (pos, 2.5 * self.dnn)
        candidates = [
            s
            for s in find_sites(slab, unique=False, near=near)
            if target in s.atoms and s.kind != "ontop"
        ]
        candidates.sort(key=lambda s: (len(s.atoms), round(distance(s), 3)))
        ring = [
            Site("side", pos + _RING * np.array([np.cos(phi), np.sin(phi), 0.0]), (target,))
            for phi in np.radians(np.arange(0, 360, 30))
        ]
        return candidates + ring

    @cached_property
    def dnn(self) -> float:
        """The slab's Cu-Cu distance, Å."""
        return nearest_neighbour_distance(self.slab)

    @cached_property
    def surface_count(self) -> int:
        """Number of surface Cu atoms of ``slab`` (the cell's monolayer)."""
        return len(surface_atoms(self.slab))

    @cached_property
    def destinations(self) -> list[np.ndarray]:
        """The best adatom positions the target may move to (see :func:`removal_endpoints`).

        Those within a few d_nn of the target, found from the surface around it:
        the start of :attr:`all_destinations`, which :meth:`endpoints` goes on to
        only if none of these has room. They depend on the Cu atoms only, so the
        bare slab's serve every adsorbate set.
        """
        return removal_destinations(
            self.slab, self.target_index, self.site_class, radius=_LOCAL_REACH * self.dnn
        )

    @cached_property
    def all_destinations(self) -> list[np.ndarray]:
        """Every adatom position the target may move to, best first (the whole slab's)."""
        return removal_destinations(self.slab, self.target_index, self.site_class)

    def _destinations(self):
        """:attr:`destinations`, then the rest of :attr:`all_destinations` (found on demand)."""
        yield from self.destinations
        yield from self.all_destinations[len(self.destinations) :]

    def check_crowding(self, adsorbates: Sequence[str]) -> None:
        """Refuse more adsorbates than the target Cu atom or the cell can carry.

        At most :data:`MAX_ADSORBATES_PER_CU` on the target, and at most
        :data:`MAX_COVERAGE_ML` adsorbates per surface Cu atom of the cell.

        Raises
        ------
        CrowdingError
        """
        n = len(adsorbates)
        names = "+".join(adsorbates)
        if n > MAX_ADSORBATES_PER_CU:
            raise CrowdingError(
                f"{n} adsorbates ({names}) on one Cu atom: a Cu atom carries at most "
                f"{MAX_ADSORBATES_PER_CU} (no Cu complex holds more than four CO, [Cu(CO)4]+); "
                f"use fewer adsorbates"
            )
        if n > MAX_COVERAGE_ML * self.surface_count:
            raise CrowdingError(
                f"{n} adsorbates ({names}) in a cell of {self.surface_count} surface Cu atoms "
                f"is {n / self.surface_count:.2f} monolayers, above {MAX_COVERAGE_ML:g} "
                "(Cu saturates at ~0.5 ML of CO or O, 1 ML of H); use fewer adsorbates "
                "or a larger cell"
            )

    def bind_adsorbate(self, bound: Atoms, name: str, n: int, total: int) -> Atoms:
        """Bind adsorbate number ``n`` (from 0) of ``total`` to the target in ``bound``.

        The first goes atop the target; a further one onto the first of
        :attr:`side_sites` where it fits without overlap and stays bonded to the target.

        Parameters
        ----------
        bound : ase.Atoms
            ``slab`` with adsorbates 0 .. n-1 already bound (not modified).
        name : str
            Adsorbate name.
        n, total : int
            Which adsorbate of the set this is, and the size of the set (for the message).

        Returns
        -------
        ase.Atoms
            A new structure with the adsorbate appended.

        Raises
        ------
        UnknownAdsorbateError, OverlapError
            For an unknown name, or no room for the adsorbate around the target.
        """
        target = self.target_index
        if n == 0:
            site = Site("ontop", self.slab.positions[target].copy(), (target,))
            return place_adsorbate(bound, name, site)
        ads = get_adsorbate(name)
        for site in self.side_sites:
            try:
                trial = place_adsorbate(bound, name, site)
            except OverlapError:
                continue
            binding = len(bound) + np.array(ads.binding)
            bond = trial.get_distances(target, binding, mic=True).min()
            if site.kind == "side" and bond > ads.height + 0.5:
                continue  # slid off the target onto the surface: not bound to it
            return trial
        raise OverlapError(
            f"no room for {name} (adsorbate {n + 1} of {total}) around Cu atom "
            f"{target}; use fewer adsorbates or a different target"
        )

    def bind(
        self,
        adsorbates: Sequence[str] = (),
        bound: MutableMapping[tuple[str, ...], Atoms] | None = None,
    ) -> Atoms:
        """``slab`` with ``adsorbates`` bound to the target, one after the other.

        Parameters
        ----------
        adsorbates : sequence of str
            The first goes atop the target, further ones on :attr:`side_sites`.
        bound : mutable mapping, optional
            Structures already bound, by adsorbate tuple (a prefix of a set binds the
            same way whatever follows it). Binding starts from the longest prefix of
            ``adsorbates`` found here, and every new prefix is added: sets sharing
            prefixes bind each prefix once. The values are shared: do not modify them.

        Returns
        -------
        ase.Atoms
            ``slab`` itself for no adsorbates, else a new structure (or one from ``bound``).

        Raises
        ------
        UnknownAdsorbateError, OverlapError
            As :meth:`bind_adsorbate`; unknown names before anything is placed.
        CrowdingError
            More adsorbates than the target or the cell can carry (:meth:`check_crowding`),
            before anything is placed.
        """
        names = check_adsorbates(adsorbates)
        self.check_crowding(names)
        if bound is None:
            bound = {}
        start = next((k for k in range(len(names), 0, -1) if names[:k] in bound), 0)
        out = bound[names[:start]] if start else self.slab
        for n in range(start, len(names)):
            out = self.bind_adsorbate(out, names[n], n, len(names))
            bound[names[: n + 1]] = out
        return out

    def endpoints(
        self,
        adsorbates: Sequence[str] = (),
        bound: MutableMapping[tuple[str, ...], Atoms] | None = None,
    ) -> RemovalEndpoints:
        """The removal end points with ``adsorbates`` bound to the target.

        Parameters
        ----------
        adsorbates : sequence of str
            See :meth:`bind`.
        bound : mutable mapping, optional
            See :meth:`bind`; the end points never share atoms with it.

        Returns
        -------
        RemovalEndpoints
            ``final`` moves the target and its adsorbates to the first of
            :attr:`destinations` where they do not overlap.

        Raises
        ------
        UnknownAdsorbateError, OverlapError
            For an unknown species, or no room for the adsorbates or the moved complex.
        """
        # A copy: the result is the caller's to modify, the bound structure is not.
        initial = self.bind(adsorbates, bound).copy()
        index = self.target_index
        ads_idx = list(range(len(self.slab), len(initial)))
        moving = [index, *ads_idx]
        for spot in self._destinations():
            shift = find_mic(spot - initial.positions[index], initial.cell, initial.pbc)[0]
            final = initial.copy()
            final.positions[moving] += shift
            try:
                check_overlap(final, among=np.array(moving), what="moved Cu complex")
            except OverlapError:
                continue
            break
        else:
            raise OverlapError(
                f"no free hollow for Cu atom {index} and its adsorbates to move to; "
                "use a larger cell or fewer adsorbates"
            )
        # a Cu lifted onto the surface must not eat the vacuum above it either
        keep_top_vacuum(initial, final)
        vacancy = initial.copy()
        del vacancy[moving]
        removed = initial[moving]
        removed.set_constraint()
        return RemovalEndpoints(
            initial=initial,
            final=final,
            vacancy=vacancy,
            removed=removed,
            target_index=index,
            site_class=self.site_class,
            adsorbate_indices=ads_idx,
            displacement=shift,
            target=self,
        )


def removal_target(slab: Atoms, target: int | str) -> RemovalTarget:
    """The :class:`RemovalTarget` of a slab: a surface Cu index or a site class.

    Parameters
    ----------
    slab : ase.Atoms
        Slab without adsorbates (not modified; the target keeps a copy).
    target : int or str
        See :func:`removal_endpoints`.

    Raises
    ------
    NotSurfaceAtomError, SiteNotFoundError
        As :func:`resolve_target`.
    """
    index = resolve_target(slab, target)
    # A copy: the target's sites and destinations stay those of the slab it was given.
    return RemovalTarget(slab.copy(), index, classify_surface_atoms(slab)[index])


def removal_endpoints(
    slab: Atoms, target: int | str, adsorbates: Sequence[str] = ()
) -> RemovalEndpoints:
    """Build the end points of lifting a surface Cu atom (and its adsorbates) out of its site.

    Parameters
    ----------
    slab : ase.Atoms
        Slab, e.g. from :func:`cudiss.structures.slabs.cu_slab` (not modified).
    target : int or str
        Index of a surface Cu atom, or a site class (terrace, step, kink, adatom): the
        most exposed atom of that class (lowest CN-bar, then highest, then lowest index).
    adsorbates : sequence of str, optional
        Adsorbates bound to the target: the first atop it, further ones on the bridge
        and hollow sites that include it, without overlap.

    Returns
    -------
    RemovalEndpoints
        ``final`` has the target on an adatom site, moved together with its adsorbates:
        for a terrace, step or kink atom, the nearest empty fcc lattice site above the
        surface (fcc hollow on (111), 4-fold hollow on (100)/(110)) that does not border
        the vacated site, so the atom cannot fall back (a bordering one only if the cell
        is too small); for an adatom, the nearest free hollow of any kind (the elementary hop).

    Raises
    ------
    NotSurfaceAtomError
        If the target is not a surface Cu atom.
    SiteNotFoundError
        If the slab has no atom of the requested class.
    UnknownAdsorbateError, OverlapError
        For an unknown species, or no room for the adsorbates or the moved complex.

    Examples
    --------
    >>> from cudiss.structures.slabs import cu_slab
    >>> ends = removal_endpoints(cu_slab("111"), "terrace", ["CO"])
    >>> len(ends.initial) == len(ends.final) == len(ends.vacancy) + 3
    True
    """
    check_adsorbates(adsorbates)  # before the slab is searched for the target
    return removal_target(slab, target).endpoints(adsorbates)


def build_removal_system(
    facet: str,
    site_class: str,
    adsorbates: Sequence[str] = (),
    size: tuple[int, int] = (3, 3),
    layers: int = 4,
    vacuum: float = 7.5,
    fixed_layers: int = 2,
    a: float = CU_LATTICE_CONSTANT,
) -> RemovalEndpoints:
    """Slab + defect + removal end points in one call (what the campaigns use).

    ``cu_slab`` -> ``add_adatom`` (site_class "adatom") or ``add_kink`` ("kink") ->
    :func:`removal_endpoints` of the most exposed atom of ``site_class``.

    Parameters
    ----------
    facet : str
        See :func:`cudiss.structures.slabs.cu_slab`; step and kink need ``"211"``.
    site_class : str
        terrace, step, kink or adatom.
    adsorbates : sequence of str, optional
        Adsorbates bound to the target Cu.
    size, layers, vacuum, fixed_layers, a
        Passed to :func:`cudiss.structures.slabs.cu_slab`.

    Returns
    -------
    RemovalEndpoints

    Raises
    ------
    SiteNotFoundError
        For an unknown class, or step/kink on a flat facet.

    Examples
    --------
    >>> ends = build_removal_system("211", "step", ["CO"])
    >>> ends.site_class
    'step'
    """
    facet_key, key = check_removal_site(facet, site_class)
    check_adsorbates(adsorbates)
    slab = cu_slab(facet_key, size, layers, vacuum, fixed_layers, a)
    if key == "adatom":
        slab = add_adatom(slab)
    elif key == "kink":
        slab = add_kink(slab)
    return removal_endpoints(slab, key, adsorbates)
