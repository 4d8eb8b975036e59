"""Comparing ASE Atoms objects in tests."""

from __future__ import annotations

import numpy as np


def same_atoms(a, b) -> bool:
    """Same atoms to the bit: numbers, positions, cell, pbc, tags and constraints."""
    return (
        a == b  # numbers, positions, cell, pbc
        and np.array_equal(a.positions, b.positions)
        and np.array_equal(a.get_tags(), b.get_tags())
        and repr(a.constraints) == repr(b.constraints)
    )
