"""Final states that are the initial state moved by a symmetry translation of the slab.

An adatom hopping to the next hollow of its terrace ends in a state that is the
initial one translated by a surface lattice vector: every atom of the slab has
a partner at its translated place, and the hopping complex moves by the same
vector. The two states then have the same energy and the same relaxation, so a
workflow can relax the initial state, carry its relaxation over to the final
state atom by atom (:func:`carry_relaxation`) and check the result with a single
force call instead of a second relaxation.
"""

from __future__ import annotations

import numpy as np
from ase import Atoms
from ase.constraints import FixAtoms
from ase.geometry import find_mic

#: Largest distance (Å) between an atom of the translated initial state and its
#: partner in the final state. The builder places both exactly; this only absorbs
#: rounding.
MATCH_TOLERANCE_A = 1e-3


def translation_partners(initial: Atoms, final: Atoms) -> np.ndarray | None:
    """Which atom of ``initial`` each atom of ``final`` is, if a translation maps one on the other.

    The translation is the move of the first atom whose position differs (the
    moving Cu). It must carry every atom of ``initial`` onto an atom of ``final``
    of the same element, tag and constraint (fixed or free), up to the periodic
    cell, and the moved atoms onto themselves.

    Parameters
    ----------
    initial, final : ase.Atoms
        Unrelaxed end points with the same atoms in the same order (positions Å).

    Returns
    -------
    numpy.ndarray or None
        ``partners[j]``: the index in ``initial`` of the atom that the
        translation carries onto atom ``j`` of ``final``; None when no
        translation maps the two states onto each other.
    """
    if len(initial) != len(final) or initial.get_chemical_symbols() != final.get_chemical_symbols():
        return None
    moved = np.flatnonzero(np.linalg.norm(final.positions - initial.positions, axis=1) > 1e-8)
    if len(moved) == 0:
        return None
    shift = final.positions[moved[0]] - initial.positions[moved[0]]
    gaps = final.positions[:, None, :] - (initial.positions[None, :, :] + shift)
    vectors, _ = find_mic(gaps.reshape(-1, 3), final.cell, final.pbc)
    close = np.linalg.norm(vectors, axis=1).reshape(len(final), len(initial)) < MATCH_TOLERANCE_A
    close &= _same_kind(initial)[None, :] == _same_kind(final)[:, None]
    if not np.all(close.sum(axis=1) == 1) or not np.all(close.sum(axis=0) == 1):
        return None
    partners = close.argmax(axis=1)
    if not np.array_equal(partners[moved], moved):
        return None  # the moved atoms are a different set than the translation's
    return partners


def _same_kind(atoms: Atoms) -> np.ndarray:
    """One label per atom: element, tag and whether it is fixed (atoms must match on all)."""
    fixed = np.zeros(len(atoms), dtype=bool)
    for constraint in atoms.constraints:
        if isinstance(constraint, FixAtoms):
            fixed[constraint.index] = True
    return np.array(
        [
            f"{symbol}/{tag}/{flag}"
            for symbol, tag, flag in zip(
                atoms.get_chemical_symbols(), atoms.get_tags(), fixed, strict=True
            )
        ]
    )


def carry_relaxation(
    initial: Atoms, relaxed_initial: Atoms, final: Atoms, partners: np.ndarray
) -> Atoms:
    """``final`` with each atom moved as its partner moved when ``initial`` relaxed.

    Parameters
    ----------
    initial, relaxed_initial : ase.Atoms
        The unrelaxed initial state and the same atoms relaxed (Å; the relaxation
        may have wrapped atoms into the cell).
    final : ase.Atoms
        The unrelaxed final state (not modified).
    partners : numpy.ndarray
        From :func:`translation_partners`.

    Returns
    -------
    ase.Atoms
        A copy of ``final``: relaxed, if the translation is a symmetry of the
        calculator's energy (exactly so for EMT; up to the grid for DFT).
    """
    moves, _ = find_mic(relaxed_initial.positions - initial.positions, initial.cell, initial.pbc)
    carried = final.copy()
    carried.positions = final.positions + moves[partners]
    return carried
