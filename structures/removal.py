"""End points for removing a Cu atom (with its adsorbates) from a surface site.

The adsorbates are bound to the atom by :class:`cudiss.structures.binding.BindingTarget`
(which also refuses crowded sets); this module moves the atom with them to a
free destination and builds the removal's structures.
"""

from __future__ import annotations

from collections.abc import MutableMapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from ase import Atoms
from ase.geometry import find_mic

from cudiss.structures.adsorbates import check_adsorbates, get_adsorbate

# Re-exported: the crowding limits were defined here before binding got its own module.
from cudiss.structures.binding import MAX_ADSORBATES_PER_CU as MAX_ADSORBATES_PER_CU
from cudiss.structures.binding import MAX_COVERAGE_ML as MAX_COVERAGE_ML
from cudiss.structures.binding import BindingTarget
from cudiss.structures.bulk import CU_LATTICE_CONSTANT
from cudiss.structures.coordination import classify_surface_atoms
from cudiss.structures.defects import add_adatom, add_kink
from cudiss.structures.errors import OverlapError
from cudiss.structures.geometry import check_overlap
from cudiss.structures.slabs import cu_slab
from cudiss.structures.targets import check_removal_site, removal_destinations, resolve_target
from cudiss.structures.tilt import tilt_upright
from cudiss.structures.vacuum import keep_top_vacuum


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


# Lateral radius (in d_nn) of the first, local search for the target's destinations
# (the sites beside it, BindingTarget.side_sites, are searched as far): wide enough
# for the nearest free sites of every facet; the whole slab is searched only if
# none of them fits.
_LOCAL_REACH = 2.5


@dataclass
class RemovalTarget(BindingTarget):
    """A surface Cu atom to remove, with everything about it that ignores the adsorbates.

    :func:`removal_endpoints` builds every removal through one of these: bind the
    adsorbates (:meth:`bind`, from :class:`~cudiss.structures.binding.BindingTarget`),
    then move the complex to the first free destination (:meth:`endpoints`). The
    sites around the target and the destinations depend on the slab and the target
    only, so they are found once (on first use) and serve any number of adsorbate
    sets; a campaign check (:class:`cudiss.workflows.endpoint_cache.EndpointCache`) reuses
    one target for all sets on the same slab instead of rebuilding it for each.

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

    # slab and target_index are BindingTarget's fields, so they come first
    site_class: str

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
            :attr:`destinations` where they do not overlap. Upright adsorbates
            (CO, OH) lean 5 degrees in both end points
            (:func:`~cudiss.structures.tilt.tilt_upright`): relaxed upright, CO on
            the Cu(100) adatom stopped on a ridge of its tilt, not in a minimum.

        Raises
        ------
        UnknownAdsorbateError, OverlapError
            For an unknown species, or no room for the adsorbates or the moved complex.
        """
        # tilt_upright copies: the result is the caller's to modify, the bound
        # structure is not. Tilted here, before `final` is copied from `initial`,
        # so both end points lean the same way and the band does not rotate CO.
        groups = _adsorbate_groups(len(self.slab), adsorbates)
        initial = tilt_upright(self.bind(adsorbates, bound), groups)
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


def _adsorbate_groups(start: int, adsorbates: Sequence[str]) -> list[list[int]]:
    """Atom indices of each adsorbate appended from index ``start``, binding atom first."""
    groups = []
    for name in adsorbates:
        ads = get_adsorbate(name)
        indices = list(range(start, start + len(ads.atoms)))
        pivot = indices[ads.binding[0]]
        groups.append([pivot, *(i for i in indices if i != pivot)])
        start += len(ads.atoms)
    return groups


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
