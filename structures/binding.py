"""Adsorbates bound to one surface Cu atom: where each goes, and how many fit.

:class:`BindingTarget` puts a set of adsorbates on a Cu atom of a slab, the
first atop it and the next ones beside it, and refuses sets the atom or the
cell cannot carry. :class:`cudiss.structures.removal.RemovalTarget` builds on it
to move the atom and its adsorbates out of their site; the binding is separate
because it does not depend on where the atom goes.
"""

from __future__ import annotations

from collections.abc import MutableMapping, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from ase import Atoms
from ase.geometry import find_mic

from cudiss.structures.adsorbates import check_adsorbates, get_adsorbate
from cudiss.structures.coordination import surface_atoms
from cudiss.structures.errors import CrowdingError, OverlapError
from cudiss.structures.geometry import nearest_neighbour_distance
from cudiss.structures.sites import Site, find_sites, place_adsorbate

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


@dataclass
class BindingTarget:
    """A surface Cu atom of a slab to bind adsorbates to, one after the other.

    The sites beside the target depend on the bare slab only, so they are found
    once (on first use) and serve any number of adsorbate sets.

    Attributes
    ----------
    slab : ase.Atoms
        The slab without adsorbates; treat as read-only (the cached sites were
        found on it).
    target_index : int
        Index of the target Cu atom in ``slab``.

    Examples
    --------
    >>> from cudiss.structures.slabs import cu_slab
    >>> from cudiss.structures.targets import resolve_target
    >>> slab = cu_slab("111")
    >>> target = BindingTarget(slab, resolve_target(slab, "terrace"))
    >>> len(target.bind(["CO", "H"])) - len(slab)  # C, O and H
    3
    """

    slab: Atoms
    target_index: int

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
