"""Adatoms and kinks added to real slabs (defects)."""

from __future__ import annotations

import numpy as np
import pytest
from ase.geometry import find_mic

from cudiss.structures.coordination import (
    add_adatom,
    add_kink,
    classify_surface_atoms,
    coordination_numbers,
)
from cudiss.structures.errors import (
    SiteNotFoundError,
    SlabParameterError,
)
from cudiss.structures.geometry import min_distance_ratio
from cudiss.structures.sites import find_sites
from cudiss.structures.slabs import cu_slab


@pytest.mark.parametrize(
    ("facet", "bonds", "dz"), [("111", 3, 2.087), ("100", 4, 1.8075), ("110", 5, 1.278)]
)
def test_adatom(facet, bonds, dz):
    slab = cu_slab(facet)
    out = add_adatom(slab)
    new = len(out) - 1
    assert classify_surface_atoms(out)[new] == "adatom"
    assert coordination_numbers(out)[new] == bonds
    assert np.isclose(out.positions[new, 2] - slab.positions[:, 2].max(), dz, atol=1e-3)
    assert out.get_tags()[new] == 0 and min_distance_ratio(out)[0] >= 0.7
    if facet == "111":  # continues the lattice: fcc hollow, not hcp
        fcc = [s.position[:2] for s in find_sites(slab, ["fcc"], unique=False)]
        lateral = find_mic(
            np.c_[np.array(fcc) - out.positions[new, :2], np.zeros(len(fcc))], slab.cell, slab.pbc
        )[1]
        assert lateral.min() < 1e-6


def test_adatom_on_211_and_hcp():
    out = add_adatom(cu_slab("211"))
    assert classify_surface_atoms(out)[len(out) - 1] == "adatom"
    hcp = add_adatom(cu_slab("111"), "hcp")
    assert coordination_numbers(hcp)[-1] == 3


def test_adatom_bad_site():
    with pytest.raises(
        SiteNotFoundError,
        match=r"an adatom sits in a hollow, not 'ontop'; choose hollow or one of fcc",
    ):
        add_adatom(cu_slab("111"), "ontop")


@pytest.mark.parametrize("ny", [3, 4, 6])
def test_kink_is_half_crystal(ny):
    slab = cu_slab("211", size=(3, ny))
    out = add_kink(slab)
    assert len(out) == len(slab) - ny // 2
    classes = classify_surface_atoms(out)
    kinks = [k for k, c in classes.items() if c == "kink"]
    assert len(kinks) == 2  # both ends of the remaining step-edge fragment
    assert (coordination_numbers(out)[kinks] == 6).all()  # 6 of 12: half-crystal position
    # FixAtoms still holds exactly the bottom two layers after the deletion
    fixed = set(out.constraints[0].get_indices())
    assert fixed == set(np.flatnonzero(out.get_tags() >= 3))


def test_kink_needs_step_and_length():
    with pytest.raises(
        SiteNotFoundError, match=r"add_kink needs a slab with a step edge \(facet 211\)"
    ):
        add_kink(cu_slab("111"))
    with pytest.raises(
        SlabParameterError,
        match=r"a kink needs >= 3 atoms along the step edge \(size\[1\] >= 3\), got 2",
    ):
        add_kink(cu_slab("211", size=(3, 2)))
