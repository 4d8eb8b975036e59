"""Coordination of Cu atoms and the classes of surface sites (terrace, step, kink, adatom)."""

from __future__ import annotations

import numpy as np
from ase import Atoms
from ase.neighborlist import neighbor_list

from cudiss.structures.errors import NotACuSlabError
from cudiss.structures.geometry import (
    FCC_SHELL_MIDPOINT,
    PAIR_CUTOFF,
    cu_indices,
    cu_pairs,
    memoized,
    nearest_neighbour_distance,
)
from cudiss.structures.vacuum import vacuum_gaps

#: Classes of surface Cu atoms, from the most to the least coordinated.
SITE_CLASSES = ("terrace", "step", "kink", "adatom")

#: Coordination number of Cu in bulk fcc (the CN_max of the generalized coordination).
CN_BULK = 12

# Heights below an atom are "below" only if more than this fraction of d_nn lower:
# in-plane neighbours differ by ~0, the closest lower level (Cu(211) rows) by 0.29 d_nn.
_BELOW = 0.12
# A CN-7 atom is a step-edge atom if its neighbours pull it sideways by more than this
# fraction of d_nn (their lateral vector sum); on fcc(110) top rows the sum vanishes.
_IMBALANCE = 0.5


# A slab's vacuum: an empty layer wider than this along the surface normal, Å. Inside
# any Cu crystal the widest empty layer is one (111) interlayer spacing, 2.1 Å (2.6 Å
# between the rows of a one-atom-wide cell); cudiss's slabs have >= 10 Å.
_VACUUM_GAP = 4.0
# The surface normal (a x b) may lean this many degrees from z: slabs built or
# relaxed by any code have it along z to numerical precision.
_NORMAL_TILT_DEG = 1.0
_AXES = "abc"


def _adsorbate_elements() -> set[str]:
    from cudiss.structures.adsorbates import ADSORBATES

    return {symbol for ads in ADSORBATES.values() for symbol in ads.atoms.get_chemical_symbols()}


def check_cu_slab(slab: Atoms) -> None:
    """Refuse a structure that cudiss cannot read as a Cu slab with its surface up (+z).

    Surface atoms, site classes and adsorption sites are defined for a Cu slab:
    periodic along a and b, vacuum along c, the surface normal (a x b) along z,
    made of Cu with adsorbates of the library's elements (H, C, O) on it. Any
    other structure (bulk, a cluster, a slab lying on its side, another metal in
    it) would be classified as if it were such a slab, with wrong answers.

    Raises
    ------
    NotACuSlabError
        Naming what the structure is instead.

    Examples
    --------
    >>> from ase.build import bulk
    >>> check_cu_slab(bulk("Cu", cubic=True).repeat(2))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    cudiss.structures.errors.NotACuSlabError: bulk, not a slab: periodic along a, b and c ...
    """
    symbols = np.asarray(slab.get_chemical_symbols())
    if not (symbols == "Cu").any():
        raise NotACuSlabError("no Cu atoms: cudiss needs a Cu slab")
    allowed = _adsorbate_elements() | {"Cu"}
    foreign = sorted(set(symbols.tolist()) - allowed)
    if foreign:
        count = int(np.isin(symbols, foreign).sum())
        raise NotACuSlabError(
            f"contains {', '.join(foreign)} ({count} atoms): cudiss classifies pure Cu slabs "
            f"(adsorbates of {', '.join(sorted(allowed - {'Cu'}))} on top), and would count "
            "other metals as empty space"
        )
    gaps = vacuum_gaps(slab)
    open_axes = [k for k in range(3) if gaps[k] > _VACUUM_GAP]
    need = "cudiss needs a Cu slab with its vacuum along z (c)"
    if not open_axes:
        raise NotACuSlabError(
            f"bulk, not a slab: periodic along a, b and c with no vacuum wider than "
            f"{_VACUUM_GAP:g} Å; {need}"
        )
    if len(open_axes) > 1:
        what = "a cluster or molecule" if len(open_axes) == 3 else "a wire"
        raise NotACuSlabError(
            f"{what}, not a slab: vacuum along {', '.join(_AXES[k] for k in open_axes)}; {need}"
        )
    if open_axes != [2]:
        raise NotACuSlabError(
            f"a slab with its vacuum along the cell's {_AXES[open_axes[0]]} axis, not c; {need}"
        )
    normal = np.cross(slab.cell[0], slab.cell[1])
    tilt = np.degrees(np.arccos(min(1.0, abs(normal[2]) / np.linalg.norm(normal))))
    if tilt > _NORMAL_TILT_DEG:
        x, y, z = normal / np.linalg.norm(normal) + 0.0  # no '-0.00'
        raise NotACuSlabError(
            f"its surface normal (a x b) points along ({x:.2f}, {y:.2f}, {z:.2f}), "
            f"{tilt:.0f}° from z; cudiss needs slabs lying flat, surface normal along z"
        )


@memoized
def _cu_neighbours(slab: Atoms) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]:
    """Cu-Cu nearest-neighbour pairs (i, j, D) in slab indices, the Cu indices and d_nn."""
    cu = cu_indices(slab)
    dnn = nearest_neighbour_distance(slab)
    sub = slab[cu]
    if len(sub) == 0:
        empty = np.zeros(0, int)
        return empty, empty, np.zeros((0, 3)), cu, dnn
    cutoff = FCC_SHELL_MIDPOINT * dnn
    if cutoff <= PAIR_CUTOFF:
        _, i, j, d, vec = cu_pairs(slab)
        close = d < cutoff
        i, j, vec = i[close], j[close], vec[close]
    else:  # a lattice constant beyond cudiss's range (a structure read from a file)
        i, j, vec = neighbor_list("ijD", sub, cutoff, self_interaction=False)
    return cu[i], cu[j], vec, cu, dnn


def coordination_numbers(slab: Atoms) -> np.ndarray:
    """Number of Cu nearest neighbours of every atom (0 for non-Cu atoms).

    Neighbours are Cu atoms closer than the midpoint between the first and second fcc
    shells, (1 + sqrt 2)/2 x d_nn, with periodic images (ase.neighborlist).

    Parameters
    ----------
    slab : ase.Atoms

    Returns
    -------
    numpy.ndarray of int, shape (len(slab),)
    """
    i, _, _, _, _ = _cu_neighbours(slab)
    return np.bincount(i, minlength=len(slab)).astype(int)


def generalized_coordination(slab: Atoms) -> np.ndarray:
    """Generalized coordination number CN-bar of every Cu atom.

    CN-bar(i) = sum over Cu neighbours j of CN(j) / 12 (Calle-Vallejo et al.,
    Angew. Chem. Int. Ed. 53, 8316 (2014)). Typical values: Cu(111) terrace 7.5,
    Cu(100) 6.67, Cu(211) step edge 5.5, adatom on Cu(111) 2.5.

    Parameters
    ----------
    slab : ase.Atoms

    Returns
    -------
    numpy.ndarray of float, shape (len(slab),)
        NaN for non-Cu atoms (adsorbates are not counted as neighbours).

    Examples
    --------
    >>> from cudiss.structures.slabs import cu_slab
    >>> slab = cu_slab("111")
    >>> cn, gcn = coordination_numbers(slab), generalized_coordination(slab)
    >>> int(cn[-1]), float(gcn[-1])  # a top-layer atom: (6 x 9 + 3 x 12) / 12
    (9, 7.5)
    """
    i, j, _, cu, _ = _cu_neighbours(slab)
    cn = np.bincount(i, minlength=len(slab)).astype(float)
    gcn = np.full(len(slab), np.nan)
    gcn[cu] = 0.0
    np.add.at(gcn, i, cn[j] / CN_BULK)
    return gcn


def surface_atoms(slab: Atoms) -> list[int]:
    """Indices of the Cu atoms exposed on the top side of the slab.

    A surface atom misses at least one of its 12 bulk neighbours and lies in the upper
    half of the slab (between the bottom and the highest well-coordinated level), so
    the bottom face and the bulk are excluded while adatoms, steps and the exposed
    second layer of fcc(110) are included.

    Parameters
    ----------
    slab : ase.Atoms

    Returns
    -------
    list of int
        Sorted indices.

    Raises
    ------
    NotACuSlabError
        For bulk, a cluster, a slab not lying flat, or other metals (see
        :func:`check_cu_slab`).
    """
    return list(_surface_atoms(slab))


@memoized
def _surface_atoms(slab: Atoms) -> tuple[int, ...]:
    cu = cu_indices(slab)
    if len(cu) == 0:
        return ()
    check_cu_slab(slab)
    cn = coordination_numbers(slab)
    z = slab.positions[:, 2]
    # Adatoms and clusters (CN <= 5) would drag the midplane up: leave them out of it.
    dense = cu[cn[cu] >= 6]
    z_top = z[dense].max() if len(dense) else z[cu].max()
    z_mid = 0.5 * (z[cu].min() + z_top)
    return tuple(sorted(int(k) for k in cu if cn[k] < CN_BULK and z[k] >= z_mid - 1e-3))


def classify_surface_atoms(slab: Atoms) -> dict[int, str]:
    """Site class of every surface Cu atom.

    Rules (first match), with CN the Cu coordination number:

    - ``adatom``: no Cu neighbour at its own height or above (it sits on the surface);
    - ``kink``: CN <= 6 (the half-crystal position has 6 of 12 neighbours);
    - ``step``: CN = 7 with the neighbours on one side (a step edge, e.g. Cu(211));
    - ``terrace``: the rest (CN >= 8, or CN = 7 with balanced neighbours as on the
      fcc(110) top rows).

    Parameters
    ----------
    slab : ase.Atoms

    Returns
    -------
    dict
        Surface atom index -> one of :data:`SITE_CLASSES`.
    """
    return dict(_classify_surface_atoms(slab))


@memoized
def _classify_surface_atoms(slab: Atoms) -> tuple[tuple[int, str], ...]:
    i, _, vec, _, dnn = _cu_neighbours(slab)
    n = len(slab)
    cn = np.bincount(i, minlength=n)
    highest_dz = np.full(n, -np.inf)
    np.maximum.at(highest_dz, i, vec[:, 2])
    lateral = np.zeros((n, 2))
    np.add.at(lateral, i, vec[:, :2])
    imbalance = np.linalg.norm(lateral, axis=1)

    classes = {}
    for k in surface_atoms(slab):
        if highest_dz[k] < -_BELOW * dnn:
            classes[k] = "adatom"
        elif cn[k] <= 6:
            classes[k] = "kink"
        elif cn[k] == 7 and imbalance[k] > _IMBALANCE * dnn:
            classes[k] = "step"
        else:
            classes[k] = "terrace"
    return tuple(classes.items())


def most_exposed(slab: Atoms, site_class: str) -> int | None:
    """The most exposed surface atom of a class: lowest CN-bar, then highest, then first.

    Returns None if the slab has no atom of that class.
    """
    classes = classify_surface_atoms(slab)
    members = [k for k, c in classes.items() if c == site_class]
    if not members:
        return None
    gcn = generalized_coordination(slab)
    z = slab.positions[:, 2]
    return min(members, key=lambda k: (round(float(gcn[k]), 6), -round(float(z[k]), 6), k))


# add_adatom / add_kink live in ``defects`` (they build on site finding, which uses the
# functions above); they are served from here lazily to avoid a circular import.
_DEFECTS = ("add_adatom", "add_kink", "lattice_sites")


def __getattr__(name: str):
    if name in _DEFECTS:
        from cudiss.structures import defects

        return getattr(defects, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "CN_BULK",
    "SITE_CLASSES",
    "check_cu_slab",
    "classify_surface_atoms",
    "coordination_numbers",
    "generalized_coordination",
    "most_exposed",
    "surface_atoms",
]
