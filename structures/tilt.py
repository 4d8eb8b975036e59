"""Upright adsorbates tilted a little, so that a relaxation can leave a symmetric ridge.

An adsorbate standing upright (every atom on the surface normal through its
binding atom: CO and OH as placed atop or in a hollow) has no lateral force on
it by symmetry, so a relaxation started upright stays upright, minimum or not.
For CO on the Cu(100) adatom it is not: a finite-difference GPAW Hessian of
the adatom, C and O at the relaxed upright geometry had eigenvalues -3.13 and
-2.77 eV/Å² along the two tilts (docs/neb.md), a ridge on which every NEB
image then slid off. A tilt of :data:`TILT_DEG` degrees, the same in every
structure built (no random numbers), breaks that symmetry: a relaxation then
follows the tilt down if upright is a ridge and returns to upright if it is a
minimum.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from ase import Atoms

#: Tilt of an upright adsorbate, degrees from the surface normal. Small enough to
#: stay a starting point near the upright one (CO's O moves 0.10 Å sideways), large
#: enough that on the measured ridge (about -3 eV/Å²) the lateral force it starts
#: (~0.3 eV/Å) is well above a relaxation's 0.05 eV/Å threshold.
TILT_DEG = 5.0

#: Direction of the tilt, degrees from +x in the surface plane. 22.5 lies between
#: the mirror planes of a (100) surface whose rows run along x (0 and 45 degrees)
#: and off those of (111) and (211) slabs built by cudiss, so the tilted adsorbate
#: keeps no mirror symmetry that could hold a relaxation on a ridge again.
TILT_AZIMUTH_DEG = 22.5

#: Largest lateral offset (Å) from the binding atom for an atom to count as on its normal.
UPRIGHT_TOLERANCE = 0.01


def is_upright(positions: np.ndarray, tolerance: float = UPRIGHT_TOLERANCE) -> bool:
    """Whether an adsorbate stands on the normal through its binding atom.

    Parameters
    ----------
    positions
        Cartesian positions (Å), shape (n, 3), the binding atom first.
    tolerance
        Largest lateral offset (Å) of any atom from the binding atom.

    Returns
    -------
    bool
        True for two or more atoms, all above the binding atom and within
        ``tolerance`` of its normal (upright CO, OH); False for single atoms and
        bent or flat species.
    """
    positions = np.asarray(positions, dtype=float)
    if len(positions) < 2:
        return False
    offsets = positions[1:] - positions[0]
    lateral = np.linalg.norm(offsets[:, :2], axis=1)
    return bool(np.all(lateral <= tolerance) and np.all(offsets[:, 2] > 0))


def tilt_upright(
    atoms: Atoms,
    groups: Sequence[Sequence[int]],
    angle: float = TILT_DEG,
    azimuth: float = TILT_AZIMUTH_DEG,
) -> Atoms:
    """A copy of ``atoms`` with each upright adsorbate in ``groups`` tilted by ``angle``.

    Each upright group (:func:`is_upright`) is rotated rigidly about its binding
    atom, which stays where it is, so that its axis leans ``angle`` degrees from
    +z towards ``azimuth``. Other groups are left as they are.

    Parameters
    ----------
    atoms
        The structure (not modified).
    groups
        Atom indices of each adsorbate, the binding atom first.
    angle
        Tilt from the surface normal, degrees.
    azimuth
        Direction of the tilt in the surface plane, degrees from +x.

    Returns
    -------
    ase.Atoms
        The tilted copy (constraints, tags and cell kept).

    Examples
    --------
    >>> co = Atoms("CO", positions=[(0, 0, 0), (0, 0, 1.16)])
    >>> tilted = tilt_upright(co, [[0, 1]])
    >>> round(float(np.linalg.norm(tilted.positions[1, :2])), 3)  # Å sideways
    0.101
    >>> round(float(tilted.get_distance(0, 1)), 3)  # bond length kept
    1.16
    """
    out = atoms.copy()
    theta, phi = np.radians(angle), np.radians(azimuth)
    towards = np.array([np.cos(phi), np.sin(phi), 0.0])
    axis = np.cross([0.0, 0.0, 1.0], towards)  # rotating +z about it leans it towards `towards`
    # Rodrigues' rotation matrix about the unit vector `axis` by theta
    k = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    rotation = np.eye(3) + np.sin(theta) * k + (1 - np.cos(theta)) * (k @ k)
    for group in groups:
        index = list(group)
        if not is_upright(out.positions[index]):
            continue
        pivot = out.positions[index[0]].copy()
        out.positions[index[1:]] = pivot + (out.positions[index[1:]] - pivot) @ rotation.T
    return out
