"""Gas-phase reference molecules in a box (pure geometry, no calculators).

The free energies of the computational hydrogen electrode and of the carbon
reservoirs need H2, H2O, CO, CO2 and HCOOH computed with the campaign's own
calculator. :func:`gas_molecule` gives each one as an :class:`ase.Atoms` centred
in an orthorhombic, periodic box (ASE's G2 geometries, :func:`ase.build.molecule`);
:data:`GAS_SPECIES` gives what ideal-gas thermochemistry needs besides the
frequencies: the geometry class, the rotational symmetry number σ and the spin.

Why 5 Å of vacuum on each side (the default): periodic images are then at least
10 Å apart (the box is the molecule's extent + 2 x 5 Å). The valence densities
of these first-row molecules decay below 1e-4 e/Å³ within ~3 Å of the nuclei, so
neighbouring images do not overlap, and the dipole-dipole energy between images
of the most polar one (H2O, 1.85 D = 0.385 e·Å) is about
μ²/(4πε₀ r³) = 0.385² x 14.40 / 10³ ≈ 2 meV, below the test preset's SCF
tolerance on a formation free energy. A plane-wave calculation costs in proportion
to the box volume, so more vacuum buys nothing at this precision.
"""

from __future__ import annotations

import math
from typing import Literal, NamedTuple

from ase import Atoms
from ase.build import molecule

from cudiss.structures.errors import CudissInputError

__all__ = [
    "GAS_SPECIES",
    "GAS_VACUUM",
    "GasSpecies",
    "gas_molecule",
    "gas_name",
]

GasGeometry = Literal["linear", "nonlinear", "monatomic"]

#: Vacuum on each side of a gas molecule, Å (see the module docstring).
GAS_VACUUM = 5.0
#: Accepted vacuum range, Å: below 4 Å the densities of neighbouring images touch.
VACUUM_RANGE = (4.0, 20.0)


class GasSpecies(NamedTuple):
    """Thermochemistry data of one gas reference (ase.thermochemistry.IdealGasThermo).

    Attributes
    ----------
    geometry
        ``linear``, ``nonlinear`` or ``monatomic``.
    symmetry_number
        Rotational symmetry number σ.
    spin
        Total electronic spin S (0 for these closed-shell molecules).
    """

    geometry: GasGeometry
    symmetry_number: int
    spin: float


#: Name -> (geometry, σ, spin). σ: H2 (D∞h) 2, H2O (C2v) 2, CO (C∞v) 1,
#: CO2 (D∞h) 2, HCOOH (Cs) 1.
GAS_SPECIES: dict[str, GasSpecies] = {
    "H2": GasSpecies("linear", 2, 0.0),
    "H2O": GasSpecies("nonlinear", 2, 0.0),
    "CO": GasSpecies("linear", 1, 0.0),
    "CO2": GasSpecies("linear", 2, 0.0),
    "HCOOH": GasSpecies("nonlinear", 1, 0.0),
}


def gas_name(name: object) -> str:
    """The canonical name of a gas reference (``h2o`` -> ``H2O``).

    Raises
    ------
    CudissInputError
        For a molecule that is not in :data:`GAS_SPECIES` (one line).

    Examples
    --------
    >>> gas_name(" co2 ")
    'CO2'
    """
    key = str(name).strip().upper()
    if key not in GAS_SPECIES:
        raise CudissInputError(
            f"unknown gas reference {name!r}; choose from {', '.join(GAS_SPECIES)}"
        )
    return key


def gas_molecule(name: str, vacuum: float = GAS_VACUUM) -> Atoms:
    """The gas reference ``name`` centred in a periodic orthorhombic box.

    Parameters
    ----------
    name
        One of :data:`GAS_SPECIES` (case-insensitive).
    vacuum
        Vacuum on each side, Å, within :data:`VACUUM_RANGE`.

    Returns
    -------
    ase.Atoms
        pbc True (plane-wave codes need a periodic cell), ``info["gas"]`` set to the name.

    Raises
    ------
    CudissInputError
        Unknown name, or a vacuum outside the accepted range.

    Examples
    --------
    >>> atoms = gas_molecule("H2O")
    >>> atoms.get_chemical_formula(), bool(atoms.pbc.all())
    ('H2O', True)
    >>> [round(float(x), 2) for x in atoms.cell.lengths()]  # extent + 2 x 5 Å
    [10.0, 11.53, 10.6]
    """
    key = gas_name(name)
    low, high = VACUUM_RANGE
    if (
        isinstance(vacuum, bool)
        or not isinstance(vacuum, int | float)
        or not math.isfinite(vacuum)
        or not low <= vacuum <= high
    ):
        raise CudissInputError(
            f"gas vacuum must be {low:g}-{high:g} Å on each side, got {vacuum!r}"
        )
    atoms = molecule(key)
    atoms.center(vacuum=float(vacuum))
    atoms.pbc = True
    atoms.info["gas"] = key
    return atoms
