"""A given bulk Cu reference for flows under test (no E(V) scan run)."""

from __future__ import annotations

from cudiss.workflows.schemas import BulkResult


def given_bulk(lattice_constant_A: float = 3.6, energy_per_atom_eV: float = 0.0) -> BulkResult:
    """A :class:`BulkResult` with the lattice constant (Å) and μ_Cu (eV) given, no scan."""
    return BulkResult(
        lattice_constant_A=lattice_constant_A,
        energy_per_atom_eV=energy_per_atom_eV,
        bulk_modulus_GPa=140.0,
        volumes_A3=[],
        energies_eV=[],
        calculator={},
    )
