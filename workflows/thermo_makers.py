"""jobflow Makers of the thermochemical references: bulk Cu (a0, mu_Cu) and vibrations.

:class:`CuBulkMaker` fits the equation of state of fcc Cu, giving the lattice
constant the slabs are built at and mu_Cu(bulk) for dissolution free energies;
:class:`CuVibrationsMaker` gives adsorbate frequencies and zero-point energies.
Both take a ``calculator_spec`` (:class:`CalculatorSpec`) like every cudiss maker.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from ase.calculators.calculator import Calculator
from ase.eos import EquationOfState
from ase.vibrations import Vibrations
from atomate2.ase.jobs import AseMaker
from jobflow import job
from pymatgen.core import Structure
from pymatgen.io.ase import AseAtomsAdaptor

from cudiss.structures.bulk import check_lattice_constant, cu_bulk
from cudiss.structures.errors import CudissInputError
from cudiss.workflows import mpi
from cudiss.workflows.calculators import CalculatorSpec, make_calculator
from cudiss.workflows.errors import SettingsError
from cudiss.workflows.failures import failures_as_data
from cudiss.workflows.maker_checks import check_type
from cudiss.workflows.schemas import BulkResult, VibrationsResult

__all__ = ["CuBulkMaker", "CuVibrationsMaker"]


@dataclass
class CuBulkMaker(AseMaker):
    """Lattice constant of fcc Cu from an equation-of-state fit (ase.eos), and mu_Cu(bulk).

    An E(V) fit works for every calculator mode, unlike a stress-driven cell
    relaxation (GPAW's LCAO mode has no stress).

    With ``keep_lattice_constant`` (a campaign's numeric ``lattice_constant``)
    the lattice constant is the one given, not the fit's: the slabs are built
    at it, so the bulk reference must be too, or dissolution free energies would
    carry the strain energy between the two lattices. The scan is then centred
    on the given a0 with a0 itself as its middle point: mu_Cu(bulk) is the energy
    per atom computed there, and the Birch-Murnaghan fit around it only gives
    the bulk modulus (from a quadratic E(V) at a0 if that fit fails, e.g. when
    a0 lies far from the calculator's own minimum).

    Parameters
    ----------
    a_guess
        Centre of the scan in Å.
    strain
        Relative range of the lattice-constant scan (+-), in (0, 0.2].
    points
        Number of volumes in the fit (>= 5; odd with ``keep_lattice_constant``).
    keep_lattice_constant
        Report a0 = the scan centre and the energy computed there (see above).
    """

    name: str = "bulk lattice constant"
    calculator_spec: CalculatorSpec = field(default_factory=CalculatorSpec)
    a_guess: float = 3.615
    strain: float = 0.03
    points: int = 7
    keep_lattice_constant: bool = False

    def __post_init__(self) -> None:
        super().__post_init__()
        check_type(self.calculator_spec, CalculatorSpec, "CuBulkMaker: calculator_spec")
        try:
            check_lattice_constant(self.a_guess)
        except CudissInputError as exc:
            raise SettingsError(f"CuBulkMaker: a_guess: {exc}") from None
        if not (isinstance(self.strain, int | float) and 0 < self.strain <= 0.2):
            raise SettingsError(
                f"CuBulkMaker: strain must be in (0, 0.2] (the +- range of the scan), "
                f"got {self.strain!r}: an equation of state needs volumes around a0"
            )
        if isinstance(self.points, bool) or not isinstance(self.points, int) or self.points < 5:
            raise SettingsError(
                f"CuBulkMaker: points must be an integer >= 5 (a Birch-Murnaghan fit has 4 "
                f"parameters), got {self.points!r}"
            )
        if self.keep_lattice_constant and self.points % 2 == 0:
            raise SettingsError(
                f"CuBulkMaker: points must be odd with keep_lattice_constant (a0 is the middle "
                f"point of the scan), got {self.points}"
            )

    def _get_calculator(self) -> Calculator:
        return make_calculator(
            self.calculator_spec.code, self.calculator_spec.bulk_parameters(), txt="gpaw-bulk.txt"
        )

    @job
    @failures_as_data
    def make(self, a_guess: float | None = None) -> BulkResult:
        """Fit E(V) of primitive fcc Cu and return a0 and mu_Cu(bulk)."""
        return self.run_eos(a_guess or self.a_guess)

    def lattice_constants(self, centre: float) -> np.ndarray:
        """The lattice constants of the scan around ``centre`` (Å)."""
        values = np.linspace(centre * (1 - self.strain), centre * (1 + self.strain), self.points)
        if self.keep_lattice_constant:
            values[self.points // 2] = centre  # exactly, not to the last bit of linspace
        return values

    def run_eos(self, centre: float) -> BulkResult:
        """Scan the lattice constant around ``centre`` (Å) and fit E(V), not as a job.

        With an MPI launcher set, a GPAW scan runs this method on all ranks.
        """
        command = mpi.launcher_command(self.calculator_spec)
        if command is not None:
            return mpi.run_task("bulk", {"maker": self, "a_guess": centre}, command)
        volumes, energies = [], []
        for a in self.lattice_constants(centre):
            atoms = cu_bulk(float(a))
            atoms.calc = self.calculator
            energies.append(float(atoms.get_potential_energy()))
            volumes.append(float(atoms.get_volume()))
        if self.keep_lattice_constant:
            middle = self.points // 2
            a0, e0 = float(centre), energies[middle]
            b = _bulk_modulus(volumes, energies, volumes[middle])
        else:
            eos = EquationOfState(volumes, energies, eos="birchmurnaghan")
            v0, e0, b = eos.fit()
            a0 = float((4 * v0) ** (1 / 3))
        return BulkResult(
            lattice_constant_A=a0,
            energy_per_atom_eV=float(e0),
            bulk_modulus_GPa=float(b * 160.21766),
            volumes_A3=volumes,
            energies_eV=energies,
            calculator={
                "code": self.calculator_spec.code,
                "parameters": self.calculator_spec.bulk_parameters(),
            },
        )


def _bulk_modulus(volumes: list[float], energies: list[float], volume: float) -> float:
    """Bulk modulus (eV/Å^3) of an E(V) scan: Birch-Murnaghan, else V E'' at ``volume``."""
    try:
        _, _, b = EquationOfState(volumes, energies, eos="birchmurnaghan").fit()
        if np.isfinite(b) and b > 0:
            return float(b)
    except Exception:
        pass
    curvature = np.polyfit(volumes, energies, 2)[0] * 2
    return float(volume * curvature)


@dataclass
class CuVibrationsMaker(AseMaker):
    """Finite-difference harmonic vibrations (ase.vibrations) of adsorbate atoms.

    Parameters
    ----------
    indices
        Atoms to displace (the adsorbate); the slab is kept frozen, as usual for
        adsorbate thermochemistry.
    delta
        Displacement in Å.
    """

    name: str = "vibrations"
    calculator_spec: CalculatorSpec = field(default_factory=CalculatorSpec)
    delta: float = 0.01

    def __post_init__(self) -> None:
        super().__post_init__()
        check_type(self.calculator_spec, CalculatorSpec, "CuVibrationsMaker: calculator_spec")
        delta = self.delta
        if isinstance(delta, bool) or not isinstance(delta, int | float) or not 0 < delta <= 0.1:
            raise SettingsError(
                f"CuVibrationsMaker: delta must be in (0, 0.1] Å, got {delta!r}: finite "
                "differences need small displacements within the harmonic range"
            )

    def _get_calculator(self) -> Calculator:
        return self.calculator_spec.build(txt="gpaw-vib.txt")

    @job
    def make(self, structure: Structure, indices: list[int]) -> VibrationsResult:
        """Displace ``indices`` of ``structure`` and diagonalise the Hessian."""
        atoms = AseAtomsAdaptor().get_atoms(structure)
        atoms.calc = self.calculator
        vib = Vibrations(atoms, indices=indices, delta=self.delta, name="vib")
        vib.clean()
        vib.run()
        energies = vib.get_energies()
        real = [float(e.real) for e in energies if abs(e.imag) < 1e-9 and e.real > 0]
        frequencies = [
            float(f.real) if abs(f.imag) < 1e-9 else -float(f.imag) for f in vib.get_frequencies()
        ]
        vib.clean()
        return VibrationsResult(
            indices=list(indices),
            frequencies_cm=frequencies,
            energies_eV=real,
            zpe_eV=0.5 * sum(real),
            calculator=self.calculator_spec.model_dump(),
        )
