"""Upright adsorbates lean a little in the removal end points (structures/tilt.py)."""

from __future__ import annotations

import numpy as np
import pytest
from ase import Atoms

from cudiss.structures.removal import build_removal_system
from cudiss.structures.tilt import TILT_AZIMUTH_DEG, TILT_DEG, is_upright, tilt_upright


def _axis_angles(atoms: Atoms, pivot: int, top: int) -> tuple[float, float]:
    """Tilt from +z and azimuth from +x of the pivot -> top vector, degrees."""
    v = atoms.positions[top] - atoms.positions[pivot]
    tilt = np.degrees(np.arccos(v[2] / np.linalg.norm(v)))
    return float(tilt), float(np.degrees(np.arctan2(v[1], v[0])))


def test_upright_co_leans_5_degrees_off_every_mirror_plane():
    co = Atoms("CO", positions=[(1.0, 2.0, 3.0), (1.0, 2.0, 4.16)])
    tilted = tilt_upright(co, [[0, 1]])
    assert np.array_equal(tilted.positions[0], co.positions[0])  # the binding atom stays
    assert tilted.get_distance(0, 1) == pytest.approx(1.16)
    tilt, azimuth = _axis_angles(tilted, 0, 1)
    assert tilt == pytest.approx(TILT_DEG)
    assert azimuth == pytest.approx(TILT_AZIMUTH_DEG)
    assert np.array_equal(co.positions[1], [1.0, 2.0, 4.16])  # the input is not modified
    # the same every time: no random numbers
    assert np.array_equal(tilt_upright(co, [[0, 1]]).positions, tilted.positions)


def test_only_upright_groups_lean():
    assert not is_upright([[0, 0, 0]])  # a single atom has no axis
    assert not is_upright([[0, 0, 0], [0.5, 0, 1.0]])  # already bent
    assert not is_upright([[0, 0, 1.16], [0, 0, 0]])  # pointing down
    bent = Atoms("CO", positions=[(0, 0, 0), (0.5, 0, 1.05)])
    assert np.array_equal(tilt_upright(bent, [[0, 1]]).positions, bent.positions)


def test_removal_end_points_carry_the_same_tilted_co():
    ends = build_removal_system("100", "adatom", ["CO"], (2, 2), 3, 6.0, 1)
    c, o = ends.adsorbate_indices
    for state in (ends.initial, ends.final):
        assert _axis_angles(state, c, o)[0] == pytest.approx(TILT_DEG)
        assert state.get_distance(ends.target_index, c) == pytest.approx(
            ends.initial.get_distance(ends.target_index, c)
        )
    # C still atop the Cu it binds to; the moved complex is translated, not rotated
    assert np.allclose(ends.initial.positions[c, :2], ends.initial.positions[ends.target_index, :2])
    moved = ends.final.positions[[c, o]] - ends.initial.positions[[c, o]]
    assert np.allclose(moved, ends.displacement)


def test_bent_adsorbates_are_left_as_placed():
    # COOH is not upright; H is a single atom
    ends = build_removal_system("100", "adatom", ["COOH", "H"], (3, 3), 3, 6.0, 1)
    assert np.array_equal(ends.initial.positions, ends.target.bind(["COOH", "H"]).positions)
