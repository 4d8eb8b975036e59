"""Coordination numbers, generalized coordination and surface-atom classes."""

from __future__ import annotations

import numpy as np
import pytest

from cudiss.structures.coordination import (
    classify_surface_atoms,
    coordination_numbers,
    generalized_coordination,
    surface_atoms,
)
from cudiss.structures.slabs import cu_slab


def classes_of(slab):
    return set(classify_surface_atoms(slab).values())


@pytest.mark.parametrize(("facet", "cn", "gcn"), [("111", 9, 7.5), ("100", 8, 6.667)])
def test_flat_top_atoms_are_terrace(facet, cn, gcn):
    slab = cu_slab(facet)
    top = list(np.flatnonzero(slab.get_tags() == 1))
    assert surface_atoms(slab) == top
    assert classify_surface_atoms(slab) == dict.fromkeys(top, "terrace")
    assert (coordination_numbers(slab)[top] == cn).all()
    assert np.allclose(generalized_coordination(slab)[top], gcn, atol=1e-3)


def test_211_step_edge_atoms_are_step():
    slab = cu_slab("211")
    classes = classify_surface_atoms(slab)
    z = slab.positions[:, 2]
    steps = [k for k, c in classes.items() if c == "step"]
    # the step edge is the highest row, 3 atoms along y, CN 7
    assert sorted(steps) == sorted(np.flatnonzero(np.isclose(z, z.max())))
    assert len(steps) == 3 and (coordination_numbers(slab)[steps] == 7).all()
    assert np.allclose(generalized_coordination(slab)[steps], 5.5)


def test_gcn_nan_for_adsorbates():
    from cudiss.structures.sites import place_adsorbate

    slab = place_adsorbate(cu_slab("111"), "CO", "ontop")
    gcn = generalized_coordination(slab)
    assert np.isnan(gcn[-2:]).all() and np.isfinite(gcn[:-2]).all()
