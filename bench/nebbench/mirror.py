"""The mirror image of a hop's relaxed initial state: its final state, with no relaxation.

Used by bench/bench_sjm.py, where the plane halfway between the two hollows is
a symmetry of slab, k-mesh and grid, so only the initial state is relaxed.
"""

from __future__ import annotations

import numpy as np
from ase import Atoms
from ase.geometry import find_mic

from cudiss.structures.removal import RemovalEndpoints


def mirror_map(ends: RemovalEndpoints) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The mirror taking the unrelaxed initial state onto the final one.

    Returns
    -------
    point, normal, order
        A point of the mirror plane (Å), its unit normal, and ``order`` with
        atom ``i`` of the initial state landing on atom ``order[i]`` of the final one.

    Raises
    ------
    ValueError
        If the mirror does not map the unrelaxed states onto each other within 1e-3 Å.
    """
    initial, final = ends.initial, ends.final
    target = ends.target_index
    hop = find_mic(final.positions[target] - initial.positions[target], initial.cell)[0]
    normal = hop / np.linalg.norm(hop)
    point = initial.positions[target] + hop / 2
    image = reflect(initial.positions, point, normal)
    order, worst = [], 0.0
    for position in image:
        gaps = find_mic(final.positions - position, initial.cell)[1]
        order.append(int(np.argmin(gaps)))
        worst = max(worst, float(gaps.min()))
    if worst > 1e-3 or len(set(order)) != len(order):
        raise ValueError(f"the hop is not a mirror image (worst mismatch {worst:.2e} Å)")
    return point, normal, np.array(order)


def reflect(positions: np.ndarray, point: np.ndarray, normal: np.ndarray) -> np.ndarray:
    """``positions`` (Å) mirrored through the plane at ``point`` with unit ``normal``."""
    return positions - 2.0 * np.outer((positions - point) @ normal, normal)


def mirrored_final(relaxed: Atoms, ends: RemovalEndpoints) -> Atoms:
    """The relaxed initial state's mirror image, atoms in the final state's order."""
    point, normal, order = mirror_map(ends)
    final = ends.final.copy()
    image = reflect(relaxed.positions, point, normal)
    for i, j in enumerate(order):
        # nearest periodic copy to the unrelaxed final atom: the band stays continuous
        final.positions[j] = (
            ends.final.positions[j] + find_mic(image[i] - ends.final.positions[j], final.cell)[0]
        )
    return final
