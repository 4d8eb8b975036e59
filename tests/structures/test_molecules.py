"""Gas reference molecules in a box: composition, box size and thermochemistry data."""

from __future__ import annotations

import numpy as np
import pytest

from cudiss.structures.errors import CudissInputError
from cudiss.structures.molecules import GAS_SPECIES, GAS_VACUUM, gas_molecule, gas_name


@pytest.mark.parametrize(
    ("name", "formula"),
    [("H2", "H2"), ("H2O", "H2O"), ("CO", "CO"), ("CO2", "CO2"), ("HCOOH", "CH2O2")],
)
def test_each_gas_has_its_composition_and_vacuum_on_every_side(name, formula):
    atoms = gas_molecule(name)
    assert atoms.get_chemical_formula() == formula
    assert atoms.pbc.all() and atoms.info["gas"] == name
    lengths = atoms.cell.lengths()
    low = atoms.positions.min(axis=0)
    high = atoms.positions.max(axis=0)
    # 5 Å below the lowest and above the highest atom along every axis
    np.testing.assert_allclose(low, GAS_VACUUM, atol=1e-9)
    np.testing.assert_allclose(lengths - high, GAS_VACUUM, atol=1e-9)


def test_h2_box_is_its_bond_plus_twice_the_vacuum():
    # G2 H2 bond 0.737 Å (ase.collections.g2): box along the bond 0.737 + 2 x 6 = 12.737 Å
    atoms = gas_molecule("h2", vacuum=6.0)
    assert atoms.get_distance(0, 1) == pytest.approx(0.737, abs=1e-3)
    assert sorted(atoms.cell.lengths()) == pytest.approx([12.0, 12.0, 12.737], abs=1e-3)


def test_symmetry_numbers_and_geometries():
    # σ: H2 D∞h 2, H2O C2v 2, CO C∞v 1, CO2 D∞h 2, HCOOH Cs 1
    assert {k: v.symmetry_number for k, v in GAS_SPECIES.items()} == {
        "H2": 2,
        "H2O": 2,
        "CO": 1,
        "CO2": 2,
        "HCOOH": 1,
    }
    assert {k for k, v in GAS_SPECIES.items() if v.geometry == "linear"} == {"H2", "CO", "CO2"}
    assert all(v.spin == 0 for v in GAS_SPECIES.values())


def test_linear_molecules_are_linear():
    for name in ("CO2", "H2", "CO"):
        atoms = gas_molecule(name)
        centred = atoms.positions - atoms.positions.mean(axis=0)
        # all atoms on one line: rank-1 spread
        assert np.linalg.matrix_rank(centred, tol=1e-6) == 1


@pytest.mark.parametrize("bad", ["CH4", "", "N2"])
def test_unknown_gas_is_one_line(bad):
    with pytest.raises(CudissInputError, match="unknown gas reference") as info:
        gas_name(bad)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("vacuum", [3.0, 25.0, float("nan"), True, "5"])
def test_bad_vacuum_is_refused(vacuum):
    with pytest.raises(CudissInputError, match="gas vacuum"):
        gas_molecule("CO", vacuum=vacuum)
