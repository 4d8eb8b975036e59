"""Small geometric helpers shared by the structure modules (no chemistry here).

Cu-Cu neighbours and d_nn, lateral placement over a periodic surface, and overlap
checks. The vacuum helpers live in :mod:`cudiss.structures.vacuum`.
"""

from __future__ import annotations

import functools
import itertools

import numpy as np
from ase import Atoms
from ase.data import covalent_radii
from ase.geometry import find_mic, get_distances
from ase.neighborlist import neighbor_list

from cudiss.structures.errors import OverlapError

# Re-exported: these lived here before the vacuum helpers got their own module.
from cudiss.structures.vacuum import keep_top_vacuum as keep_top_vacuum
from cudiss.structures.vacuum import vacuum_gaps as vacuum_gaps

#: Ratio of the midpoint between the first (d) and second (sqrt(2) d) fcc shells to d:
#: the neighbour cutoff that counts exactly the 12 nearest neighbours in bulk fcc.
FCC_SHELL_MIDPOINT = (1.0 + np.sqrt(2.0)) / 2.0


def cu_indices(atoms: Atoms) -> np.ndarray:
    """Indices of the Cu atoms."""
    return np.flatnonzero(np.asarray(atoms.get_chemical_symbols()) == "Cu")


def atoms_key(atoms: Atoms) -> tuple:
    """A hashable fingerprint of what geometry depends on: species, positions, cell, pbc.

    Two structures with the same key give the same neighbours, coordination and
    sites, so results computed from one serve the other (:func:`memoized`).
    """
    return (
        atoms.numbers.tobytes(),
        atoms.positions.tobytes(),
        atoms.cell.array.tobytes(),
        np.asarray(atoms.pbc).tobytes(),
    )


def memoized(function):
    """Cache ``function(atoms)`` by :func:`atoms_key`, for the last few structures.

    For the neighbour searches that every classification of one slab repeats
    (coordination, surface atoms, classes, d_nn): one search per structure instead
    of one per question. Cached arrays are returned read-only.
    """
    cache: dict[tuple, object] = {}

    @functools.wraps(function)
    def wrapper(atoms: Atoms):
        key = atoms_key(atoms)
        if key not in cache:
            if len(cache) >= _MEMO_SIZE:
                cache.pop(next(iter(cache)))
            value = function(atoms)
            for array in value if isinstance(value, tuple) else (value,):
                if isinstance(array, np.ndarray):
                    array.flags.writeable = False
            cache[key] = value
        return cache[key]

    wrapper.cache_clear = cache.clear
    return wrapper


_MEMO_SIZE = 8


@memoized
def nearest_neighbour_distance(atoms: Atoms) -> float:
    """Cu-Cu nearest-neighbour distance of a slab, Å.

    The median over Cu atoms of the distance to their closest Cu atom, so that a
    relaxed adatom or an adsorbate does not change it; the lattice constant is
    ``sqrt(2)`` times this value. Neighbours come from a neighbour list
    (ase.neighborlist), so the cost grows linearly with the number of atoms.
    """
    cu = atoms[cu_indices(atoms)]
    if len(cu) < 2:
        return float(np.sqrt(2.0) / 2.0 * 3.615) if len(cu) == 0 else _single_atom_dnn(cu)
    nearest = _nearest_cu_distances(atoms)
    if np.isfinite(nearest).any():
        return float(np.median(nearest[np.isfinite(nearest)]))
    return _single_atom_dnn(cu)


#: Cutoff of the one Cu-Cu neighbour search per structure (:func:`cu_pairs`), Å:
#: beyond the neighbour cutoff FCC_SHELL_MIDPOINT x d_nn of every Cu lattice
#: constant cudiss accepts (1.207 x 4.5 / sqrt 2 = 3.84 Å).
PAIR_CUTOFF = 3.9


@memoized
def cu_pairs(atoms: Atoms) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Cu-Cu pairs closer than :data:`PAIR_CUTOFF`: ``(cu, i, j, d, D)``.

    ``cu`` are the Cu indices of ``atoms``; ``i``, ``j`` index into ``cu``, with
    distances ``d`` and vectors ``D`` (periodic images included, ase.neighborlist).
    One search per structure serves d_nn, coordination and site classes.
    """
    cu = cu_indices(atoms)
    i, j, d, vec = neighbor_list("ijdD", atoms[cu], PAIR_CUTOFF, self_interaction=False)
    return cu, i, j, d, vec


def _nearest_cu_distances(atoms: Atoms) -> np.ndarray:
    """Each Cu atom's distance to its nearest other Cu atom (minimum image), ``inf`` if none.

    The distances of the full pair matrix, found with a neighbour list: an atom
    whose nearest neighbour lies beyond the cutoff counts as ``inf`` only when
    the median does not depend on it; otherwise the full matrix is used.
    """
    cu, i, j, d, _ = cu_pairs(atoms)
    other = i != j  # an atom's own periodic image is not its neighbour
    nearest = np.full(len(cu), np.inf)
    np.minimum.at(nearest, i[other], d[other])
    if np.isfinite(np.median(nearest)):
        return nearest
    sub = atoms[cu]
    _, dist = get_distances(sub.positions, cell=sub.cell, pbc=sub.pbc)
    np.fill_diagonal(dist, np.inf)
    return dist.min(axis=1)


def _single_atom_dnn(cu: Atoms) -> float:
    # One Cu atom per cell: its nearest neighbour is a periodic image.
    shifts = [
        np.dot(s, cu.cell)
        for s in itertools.product((-1, 0, 1), repeat=3)
        if any(s) and all(cu.pbc[k] or s[k] == 0 for k in range(3))
    ]
    lengths = [np.linalg.norm(s) for s in shifts if np.linalg.norm(s) > 0.5]
    return float(min(lengths)) if lengths else 2.556


def lateral_images(positions: np.ndarray, cell: np.ndarray, reach: int = 2) -> np.ndarray:
    """Periodic images of ``positions`` shifted by -reach..reach cell vectors a and b."""
    shifts = np.array(
        [
            i * cell[0] + j * cell[1]
            for i in range(-reach, reach + 1)
            for j in range(-reach, reach + 1)
        ]
    )
    return (positions[None, :, :] + shifts[:, None, :]).reshape(-1, 3)


def drop_height(
    xy: np.ndarray,
    offsets: np.ndarray,
    contact: np.ndarray,
    surface_positions: np.ndarray,
    cell: np.ndarray,
    top: float | None = None,
) -> float:
    """Lowest z at which a rigid group of atoms above ``xy`` touches the surface.

    The group is lowered from far above until, for some atom k and some surface atom,
    their distance equals ``contact[k]``; no atom gets closer to any surface atom than
    its own contact distance. This is how an adsorbate (contact = bond length for the
    binding atoms, sum of covalent radii for the rest) or a Cu adatom (contact = Cu-Cu
    distance) settles on flat, stepped or defective surfaces alike.

    Parameters
    ----------
    xy : array (2,)
        Lateral position of the group's origin.
    offsets : array (k, 3)
        Atom positions relative to the origin.
    contact : array (k,)
        Minimum distance of each atom to any surface atom, Å.
    surface_positions : array (n, 3)
        Positions of the surface (substrate) atoms.
    cell : array (3, 3)
        Cell; a and b are periodic.
    top : float, optional
        Height of the highest surface atom, for a group that finds nothing below
        it; default the highest of ``surface_positions`` (pass it when those are
        only the surface atoms near ``xy``).

    Returns
    -------
    float
        z of the origin.
    """
    images = lateral_images(np.asarray(surface_positions, float), np.asarray(cell, float))
    z = -np.inf
    for off, r in zip(np.asarray(offsets, float), np.asarray(contact, float), strict=True):
        atom_xy = np.asarray(xy, float)[:2] + off[:2]
        d2 = np.sum((images[:, :2] - atom_xy) ** 2, axis=1)
        near = d2 < r * r
        if near.any():
            z = max(z, float(np.max(images[near, 2] + np.sqrt(r * r - d2[near]))) - off[2])
    if not np.isfinite(z):
        # Nothing below within reach (a hole larger than the contact distance): rest on
        # the highest surface atom level instead of falling through.
        z = (
            (float(np.max(surface_positions[:, 2])) if top is None else float(top))
            + float(np.max(contact))
            - float(np.min(np.asarray(offsets)[:, 2]))
        )
    return z


def contact_atoms(
    point: np.ndarray, surface_positions: np.ndarray, cell: np.ndarray, cutoff: float
) -> tuple[np.ndarray, np.ndarray]:
    """Surface atoms within ``cutoff`` of ``point`` (minimum image in a and b).

    Returns
    -------
    indices : array of int
        Indices into ``surface_positions``, nearest first.
    vectors : array (m, 3)
        Minimum-image vectors from ``point`` to those atoms.
    """
    n = len(surface_positions)
    images = lateral_images(np.asarray(surface_positions, float), np.asarray(cell, float))
    vec = images - np.asarray(point, float)
    dist = np.linalg.norm(vec, axis=1)
    idx = np.arange(len(images)) % n
    # Images count separately: in a narrow cell a bridge joins an atom to its own image.
    order = np.argsort(dist, kind="stable")
    chosen = order[dist[order] <= cutoff]
    return idx[chosen], vec[chosen].reshape(-1, 3)


def min_distance_ratio(atoms: Atoms, among: np.ndarray | None = None) -> tuple[float, int, int]:
    """Smallest ratio distance / (sum of covalent radii) over atom pairs.

    Parameters
    ----------
    atoms : ase.Atoms
    among : array of int, optional
        If given, only pairs with at least one atom in ``among`` are checked.

    Returns
    -------
    ratio, i, j : float, int, int
        The worst pair, ``i < j`` (``inf, -1, -1`` for fewer than two atoms).
    """
    n = len(atoms)
    if n < 2:
        return np.inf, -1, -1
    radii = covalent_radii[atoms.numbers]
    rows = None if among is None else np.unique(np.arange(n)[np.asarray(among, int)])
    if rows is not None and _rows_suffice(atoms, len(rows)):
        found = _min_ratio_in_rows(atoms, rows, radii)
        if found is not None:
            return found
    _, dist = get_distances(atoms.positions, cell=atoms.cell, pbc=atoms.pbc)
    ratio = dist / (radii[:, None] + radii[None, :])
    np.fill_diagonal(ratio, np.inf)
    if rows is not None:
        mask = np.zeros(n, bool)
        mask[rows] = True
        ratio[~mask[:, None] & ~mask[None, :]] = np.inf
    i, j = np.unravel_index(np.argmin(ratio), ratio.shape)
    return float(ratio[i, j]), int(i), int(j)


def _rows_suffice(atoms: Atoms, n_rows: int) -> bool:
    """Whether the rows of ``n_rows`` atoms give the full matrix' answer, and faster.

    Fewer pairs than the full matrix's n(n-1)/2 (so n > 3 and a single-vector
    batch never arises: LAPACK solves one vector by another path, a last-bit
    difference); and not 3 periodic directions, where ase's find_mic picks its
    algorithm from the whole batch (naive if every vector is short).
    """
    n = len(atoms)
    periodic = int(np.sum(np.asarray(atoms.cell).any(axis=1) & atoms.pbc))
    return 0 < n_rows and 2 * n_rows < n - 1 and periodic < 3


def _min_ratio_in_rows(
    atoms: Atoms, rows: np.ndarray, radii: np.ndarray
) -> tuple[float, int, int] | None:
    """:func:`min_distance_ratio` over pairs with an atom in ``rows`` (sorted, unique).

    Bit for bit the full matrix' answer: each pair's vector is taken from the lower
    to the higher index, as ``get_distances`` does for the upper triangle, and the
    worst pair is the one ``argmin`` finds first in the full, symmetric matrix.
    ``None`` if the minimum is not finite (let the full matrix decide).
    """
    cols = np.arange(len(atoms))
    lo = np.minimum(rows[:, None], cols[None, :])
    hi = np.maximum(rows[:, None], cols[None, :])
    vectors = (atoms.positions[hi] - atoms.positions[lo]).reshape(-1, 3)
    dist = find_mic(vectors, atoms.cell, atoms.pbc)[1].reshape(len(rows), len(cols))
    ratio = dist / (radii[rows][:, None] + radii[None, :])
    ratio[np.arange(len(rows)), rows] = np.inf
    worst = ratio.min()
    if not np.isfinite(worst):
        return None
    r, c = np.nonzero(ratio == worst)
    first, second = lo[r, c], hi[r, c]
    # Row-major argmin of the symmetric matrix: the lowest index of any worst pair,
    # then its lowest partner.
    i = int(first.min())
    j = int(second[first == i].min())
    return float(worst), i, j


def check_overlap(
    atoms: Atoms, factor: float = 0.7, among: np.ndarray | None = None, what: str = "atoms"
) -> None:
    """Raise :class:`OverlapError` if two atoms are closer than ``factor`` x (r_i + r_j).

    Parameters
    ----------
    atoms : ase.Atoms
    factor : float
        Fraction of the sum of covalent radii (ase.data.covalent_radii) allowed.
    among : array of int, optional
        Only check pairs involving these atoms (e.g. newly placed ones).
    what : str
        What was placed, for the message.
    """
    ratio, i, j = min_distance_ratio(atoms, among)
    if ratio < factor:
        ri, rj = covalent_radii[atoms.numbers[i]], covalent_radii[atoms.numbers[j]]
        dist = ratio * (ri + rj)
        raise OverlapError(
            f"{what} overlap: {atoms[i].symbol}{i}-{atoms[j].symbol}{j} is {dist:.2f} Å, "
            f"below {factor:g} x (sum of covalent radii) = {factor * (ri + rj):.2f} Å; "
            "choose sites further apart or a larger cell"
        )


def lateral_distances(points: np.ndarray, origin: np.ndarray, cell: np.ndarray) -> np.ndarray:
    """Lateral (x, y) minimum-image distances of ``points`` from ``origin``, Å.

    a and b are periodic; the images searched are those of the neighbouring
    cells, so the answer is exact for any cell whose a and b are not very oblique
    (every cell cudiss builds).
    """
    cell = np.asarray(cell, float)
    ab = cell[:2, :2]
    diff = np.asarray(points, float).reshape(-1, 3)[:, :2] - np.asarray(origin, float)[:2]
    frac = np.linalg.solve(ab.T, diff.T).T
    frac -= np.round(frac)
    shifts = np.array([(i, j) for i in (-1, 0, 1) for j in (-1, 0, 1)], float)
    cart = (frac[:, None, :] + shifts[None, :, :]) @ ab
    return np.sqrt((cart**2).sum(axis=2)).min(axis=1)
