"""Bulk Cu: primitive and cubic cells, lattice-constant checks."""

from __future__ import annotations

import numpy as np
import pytest

from cudiss.structures.bulk import CU_LATTICE_CONSTANT, cu_bulk
from cudiss.structures.errors import (
    SlabParameterError,
)


def test_bulk_primitive_and_cubic():
    prim, cube = cu_bulk(), cu_bulk(cubic=True)
    assert len(prim) == 1 and len(cube) == 4
    assert np.isclose(cube.get_volume(), CU_LATTICE_CONSTANT**3)
    assert np.isclose(prim.get_volume(), CU_LATTICE_CONSTANT**3 / 4)
    d = cube.get_all_distances(mic=True)[0, 1:]
    assert np.allclose(d, CU_LATTICE_CONSTANT / np.sqrt(2))


def test_bulk_rejects_absurd_lattice_constant():
    with pytest.raises(SlabParameterError, match=r"between 3\.0 and 4\.5 Å, got 2\.556"):
        cu_bulk(a=2.556)
