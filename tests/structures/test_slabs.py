"""Bulk and slab geometry: counts, tags, constraints, pbc, pymatgen round trip."""

from __future__ import annotations

import numpy as np
import pytest
from ase.constraints import FixAtoms
from ase.neighborlist import neighbor_list
from hypothesis import given, settings
from hypothesis import strategies as st

from cudiss.structures.errors import (
    CudissInputError,
    LayerCountError,
    SlabParameterError,
    UnknownFacetError,
)
from cudiss.structures.geometry import min_distance_ratio
from cudiss.structures.slabs import (
    FACETS,
    cu_slab,
    normalize_facet,
    slab_to_structure,
    structure_to_slab,
)


def assert_no_overlap(atoms, factor=0.7):
    ratio, i, j = min_distance_ratio(atoms)
    assert ratio >= factor, f"atoms {i},{j} too close ({ratio:.2f} x radii)"


def fixed_indices(atoms):
    fixed = [c for c in atoms.constraints if isinstance(c, FixAtoms)]
    return set() if not fixed else {int(k) for k in fixed[0].get_indices()}


@pytest.mark.parametrize("spelling", ["111", "(111)", "Cu(111)", "cu 111", " CU(111) "])
def test_facet_spellings(spelling):
    assert normalize_facet(spelling) == "111"


@pytest.mark.parametrize(
    ("facet", "size", "layers", "atoms"),
    [
        ("111", (3, 3), 4, 36),
        ("100", (2, 3), 3, 18),
        ("110", (2, 2), 5, 20),
        ("211", (3, 3), 4, 36),
        ("211", (6, 2), 3, 36),
        ("111", (1, 1), 1, 1),
    ],
)
def test_atom_counts(facet, size, layers, atoms):
    slab = cu_slab(facet, size=size, layers=layers, fixed_layers=0)
    assert len(slab) == atoms == size[0] * size[1] * layers
    assert set(slab.get_chemical_symbols()) == {"Cu"}


@pytest.mark.parametrize("facet", FACETS)
def test_tags_fixatoms_pbc(facet):
    slab = cu_slab(facet, size=(3, 3), layers=4, fixed_layers=2)
    tags = slab.get_tags()
    assert sorted(set(tags)) == [1, 2, 3, 4]
    assert all(np.sum(tags == t) == 9 for t in (1, 2, 3, 4))
    z = slab.positions[:, 2]
    # tag 1 is the top layer: every tag-1 atom is above every tag-2 atom, and so on
    for t in (1, 2, 3):
        assert z[tags == t].min() > z[tags == t + 1].max()
    assert fixed_indices(slab) == set(np.flatnonzero(tags >= 3))
    assert slab.pbc.tolist() == [True, True, False]
    assert slab.info["facet"] == facet
    assert_no_overlap(slab)


def test_211_is_stepped():
    slab = cu_slab("211", size=(3, 3), layers=4)
    top = slab[slab.get_tags() == 1].positions[:, 2]
    assert len(np.unique(np.round(top, 2))) == 3  # three rows at three heights


@pytest.mark.parametrize("facet", FACETS)
def test_pymatgen_round_trip(facet):
    slab = cu_slab(facet, size=(3, 3), layers=4, fixed_layers=2)
    back = structure_to_slab(slab_to_structure(slab))
    assert np.allclose(back.positions, slab.positions)
    assert np.allclose(back.cell, slab.cell)
    assert back.get_tags().tolist() == slab.get_tags().tolist()
    assert fixed_indices(back) == fixed_indices(slab)
    assert back.pbc.tolist() == slab.pbc.tolist()


@given(
    facet=st.sampled_from(FACETS),
    nx=st.integers(1, 4),
    ny=st.integers(1, 4),
    layers=st.integers(1, 6),
    vacuum=st.floats(5.0, 20),
    a=st.floats(3.3, 4.0),
    data=st.data(),
)
@settings(max_examples=40, deadline=None)
def test_slab_properties(facet, nx, ny, layers, vacuum, a, data):
    nx = 3 * nx if facet == "211" else nx
    fixed = data.draw(st.integers(0, layers - 1))
    slab = cu_slab(facet, size=(nx, ny), layers=layers, vacuum=vacuum, fixed_layers=fixed, a=a)
    assert len(slab) == nx * ny * layers
    tags = slab.get_tags()
    assert sorted(set(tags)) == list(range(1, layers + 1))
    assert fixed_indices(slab) == set(np.flatnonzero(tags > layers - fixed))
    z = slab.positions[:, 2]
    assert np.isclose(z.min(), vacuum) and np.isclose(slab.cell[2, 2] - z.max(), vacuum)
    # nearest Cu-Cu distance is a/sqrt(2) whatever the facet
    # (periodic images included: a 1-atom-wide cell bonds an atom to its own image)
    d = neighbor_list("d", slab, a)
    assert np.isclose(d.min(), a / np.sqrt(2), atol=1e-6)
    assert_no_overlap(slab)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (
            {"facet": "112"},
            UnknownFacetError,
            r"unknown facet '112'; choose one of 111, 100, 110, 211",
        ),
        ({"facet": "Cu(311)"}, UnknownFacetError, r"unknown facet 'Cu\(311\)'"),
        (
            {"layers": 2, "fixed_layers": 2},
            LayerCountError,
            r"2 layers is too few for 2 fixed layers; need layers >= fixed_layers \+ 1 = 3",
        ),
        ({"fixed_layers": -1}, LayerCountError, "fixed_layers must be >= 0"),
        ({"size": (0, 3)}, SlabParameterError, r"size must be two integers >= 1"),
        ({"facet": "211", "size": (2, 3)}, SlabParameterError, "divisible by 3"),
        ({"vacuum": 0.0}, SlabParameterError, r"vacuum must be > 0"),
        ({"vacuum": float("nan")}, SlabParameterError, r"vacuum must be > 0"),
        ({"a": -3.6}, SlabParameterError, "lattice constant must be between"),
    ],
)
def test_bad_slab_input(kwargs, error, message):
    args = {"facet": "111", **kwargs}
    with pytest.raises(error, match=message) as info:
        cu_slab(**args)
    assert isinstance(info.value, CudissInputError)
    assert "\n" not in str(info.value)
