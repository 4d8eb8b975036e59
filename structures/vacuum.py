"""The vacuum layer of a slab's cell: how wide it is, and keeping it above the top.

These look at the cell and the empty space in it, not at distances between atoms
(:mod:`cudiss.structures.geometry`, which still re-exports both names).
"""

from __future__ import annotations

import numpy as np
from ase import Atoms
from ase.geometry import complete_cell


def keep_top_vacuum(*structures: Atoms) -> None:
    """Lengthen the c axis so the vacuum above the highest atom is the one below the lowest.

    The slab builders put the requested vacuum on both sides of the slab; an
    adatom and adsorbates then took it from the top side only: a CO on a Cu
    adatom of a 6 Å slab ended 1.3 Å below the top face of the cell, 7.3 Å from
    the next periodic image of the slab instead of the 12 Å asked for (and in
    GPAW's real-space modes a non-periodic z has a zero boundary condition at
    that face). The structures (sharing one cell, e.g. the end points of a
    removal) are changed in place and equally; Cartesian positions stay where
    they are. Nothing changes when the top gap is already the larger one.
    """
    if not structures:
        return
    cell = structures[0].cell.array
    if any(not np.allclose(atoms.cell.array, cell) for atoms in structures[1:]):
        raise ValueError("keep_top_vacuum: the structures must share one cell")
    c_z = float(cell[2, 2])
    z = np.concatenate([atoms.positions[:, 2] for atoms in structures])
    if c_z <= 0 or len(z) == 0:
        return
    missing = float(z.min()) - (c_z - float(z.max()))
    if missing <= 1e-6:
        return
    grown = cell.copy()
    grown[2] *= (c_z + missing) / c_z  # along c, so the in-plane lattice is untouched
    for atoms in structures:
        atoms.set_cell(grown, scale_atoms=False)


def vacuum_gaps(atoms: Atoms) -> np.ndarray:
    """Widest empty layer of space along each cell axis, Å (``inf`` for a non-periodic one).

    For axis k the atoms' fractional coordinates along k are sorted around the
    periodic cell and the widest gap between neighbours is converted to a
    distance between lattice planes (the cell's height along k). A slab has one
    wide gap (its vacuum, along c); bulk has none; a cluster has three.

    Examples
    --------
    >>> from ase.build import bulk, fcc111
    >>> slab = fcc111("Cu", (2, 2, 3), vacuum=6.0, periodic=True)
    >>> [round(float(g), 1) for g in vacuum_gaps(slab)]  # 12 Å of vacuum along c
    [0.7, 0.7, 12.0]
    >>> bool((vacuum_gaps(bulk("Cu", cubic=True)) < 2.0).all())
    True
    """
    cell = np.asarray(atoms.cell, float)
    lengths = np.linalg.norm(cell, axis=1)
    gaps = np.full(3, np.inf)
    periodic = np.asarray(atoms.pbc, bool) & (lengths > 1e-6)
    if len(atoms) == 0 or not periodic.any():
        return gaps
    full = complete_cell(cell)
    heights = abs(np.linalg.det(full)) / np.linalg.norm(
        np.cross(full[[1, 2, 0]], full[[2, 0, 1]]), axis=1
    )
    frac = np.linalg.solve(full.T, atoms.positions.T).T
    for k in np.flatnonzero(periodic):
        f = np.sort(frac[:, k] % 1.0)
        steps = np.diff(np.concatenate([f, [f[0] + 1.0]]))
        gaps[k] = float(steps.max()) * heights[k]
    return gaps
