"""The steps of the mechanism flows: a molecule's relaxation and harmonic vibrations.

:class:`MoleculeRelaxMaker` relaxes a gas molecule in a box with the preset's
``molecule`` parameters (Gamma point, no dipole layer), no atom fixed.
:class:`VibrationsStepMaker` is :class:`~cudiss.workflows.makers.CuVibrationsMaker`
as a flow step: failures are data
(:func:`~cudiss.workflows.failures.failures_as_data`), it displaces every atom
(gases) or every non-Cu atom (adsorbates, the slab frozen), and its
displacements are cached under the run's checkpoint folder
(:func:`~cudiss.workflows.checkpoint.checkpoint_root`), so an interrupted
vibration job continues where it stopped. With an MPI launcher set
(:mod:`cudiss.workflows.mpi`) the displacements run on all ranks, as
relaxations and NEBs do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ase import Atoms
from ase.calculators.calculator import Calculator
from ase.parallel import world
from ase.vibrations import Vibrations
from jobflow import job
from pymatgen.core import Structure
from pymatgen.io.ase import AseAtomsAdaptor

from cudiss.workflows import mpi
from cudiss.workflows.calculators import CalculatorSpec
from cudiss.workflows.checkpoint import checkpoint_key, checkpoint_root
from cudiss.workflows.errors import SettingsError
from cudiss.workflows.failures import failures_as_data
from cudiss.workflows.makers import CuRelaxMaker, CuVibrationsMaker
from cudiss.workflows.schemas import VibrationsResult

__all__ = ["MoleculeRelaxMaker", "VibrationsStepMaker", "vibrating_indices"]


@dataclass
class MoleculeRelaxMaker(CuRelaxMaker):
    """Relax a molecule in a box: no fixed atoms, the preset's ``molecule`` parameters."""

    name: str = "relax molecule"
    fmax: float = 0.02

    def _get_calculator(self) -> Calculator:
        return self.calculator_spec.build(txt="gpaw-molecule.txt", kind="molecule")


@dataclass
class VibrationsStepMaker(CuVibrationsMaker):
    """Harmonic vibrations as a flow step: failures as data, displacements resumable.

    Parameters
    ----------
    kind
        Calculator parameters: ``slab`` (adsorbates) or ``molecule`` (gases).
    scf_density
        GPAW only: the SCF density tolerance of the displaced structures is
        tightened to at most this (``None``: the preset's). Forces enter the
        Hessian divided by the 0.01 Å displacement, so their SCF noise is
        amplified 100 times; the test preset's 1e-4 is loose for that.
    """

    name: str = "vibrations"
    kind: Literal["slab", "molecule"] = "slab"
    scf_density: float | None = 1e-5

    def vibrations_spec(self) -> CalculatorSpec:
        """The calculator of the displaced structures (the SCF tightened for GPAW)."""
        spec = self.calculator_spec
        if spec.code != "gpaw" or self.scf_density is None:
            return spec
        current = spec.parameters().get("convergence", {}).get("density", self.scf_density)
        overrides = dict(spec.overrides)
        overrides["convergence"] = {
            **overrides.get("convergence", {}),
            "density": min(float(current), float(self.scf_density)),
        }
        return spec.model_copy(update={"overrides": overrides})

    def _get_calculator(self) -> Calculator:
        return self.vibrations_spec().build(txt="gpaw-vib.txt", kind=self.kind)

    @job
    @failures_as_data
    def make(
        self, structure: Structure, indices: Literal["all", "adsorbate"] = "adsorbate"
    ) -> VibrationsResult:
        """Displace every atom (``all``) or every non-Cu atom (``adsorbate``), the rest frozen.

        Returns the frequencies of the displaced atoms' 3N modes (cm⁻¹, imaginary
        as negative) and the zero-point energy of the real ones.
        """
        atoms = AseAtomsAdaptor().get_atoms(structure)
        atoms.calc = None
        chosen = vibrating_indices(atoms, indices)
        command = mpi.launcher_command(self.calculator_spec)
        if command is not None:
            # every displacement's SCF on all ranks, like relaxations and NEBs
            payload = {"maker": self, "structure": structure, "indices": chosen}
            return mpi.run_task("vibrations", payload, command)
        return self.run_vibrations(atoms, chosen)

    def run_vibrations(self, atoms: Atoms, indices: list[int]) -> VibrationsResult:
        """Finite-difference vibrations of ``indices`` of ``atoms`` (not as a job)."""
        if not indices:
            raise ValueError("no atoms to displace (no adsorbate in the structure)")
        atoms.calc = self.calculator
        root = checkpoint_root()
        name = "vib"
        if root is not None:
            key = checkpoint_key(
                "vib", atoms, self.calculator_spec.model_dump(), self.kind, self.delta, indices
            )
            root.mkdir(parents=True, exist_ok=True)
            name = str(root / f"vib-{key}")
        vib = Vibrations(atoms, indices=indices, delta=self.delta, name=name)
        _drop_unfinished_displacements(vib)
        vib.run()  # displacements already in the cache are not recomputed
        # ASE saves each displacement on rank 0 only and run() ends without a
        # barrier: another rank would read the last cache entry before it is written.
        world.barrier()
        energies = vib.get_energies()
        real = [float(e.real) for e in energies if abs(e.imag) < 1e-9 and e.real > 0]
        frequencies = [
            float(f.real) if abs(f.imag) < 1e-9 else -float(f.imag) for f in vib.get_frequencies()
        ]
        # On MPI ranks every rank reads the cache above; rank 0 must not delete it
        # before the others have (KeyError on a displacement otherwise).
        world.barrier()
        vib.clean()
        return VibrationsResult(
            indices=list(indices),
            frequencies_cm=frequencies,
            energies_eV=real,
            zpe_eV=0.5 * sum(real),
            calculator=self.vibrations_spec().model_dump(),
        )


def _drop_unfinished_displacements(vib: Vibrations) -> None:
    """Delete the cache entries of displacements a killed run left unfinished.

    ASE claims a displacement by creating its (empty) cache file before the
    calculation; a run killed during it leaves that empty file, which a resumed
    ``vib.run()`` takes as claimed by someone else and skips, and reading it
    then fails (``'NoneType' object is not subscriptable``). Only one run uses
    a cache at a time (its key is the step's inputs), so empty entries are stale.
    """
    if world.rank == 0:
        vib.cache.strip_empties()
    world.barrier()


def vibrating_indices(atoms: Atoms, indices: Literal["all", "adsorbate"]) -> list[int]:
    """The atoms to displace: every atom (``all``) or every non-Cu atom (``adsorbate``)."""
    if indices == "all":
        return list(range(len(atoms)))
    if indices == "adsorbate":
        return [k for k, symbol in enumerate(atoms.get_chemical_symbols()) if symbol != "Cu"]
    raise SettingsError(f"vibrations: indices must be 'all' or 'adsorbate', got {indices!r}")
