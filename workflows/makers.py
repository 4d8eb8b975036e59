"""jobflow Makers for GPAW and EMT, built on atomate2's ASE makers.

Every maker has a ``calculator_spec`` field (:class:`CalculatorSpec`): EMT for
seconds-long dry runs, GPAW with a named preset for real work. Relaxations use
atomate2's :class:`~atomate2.ase.jobs.AseRelaxMaker` (and so its ``AseRelaxer``
loop) unchanged. The NEB maker subclasses
:class:`~atomate2.ase.neb.AseNebFromImagesMaker` but replaces its ``run_ase``:
atomate2 gives each image a ``deepcopy`` of one calculator, which GPAW's
calculator does not support (it holds an open log file), and it fixes the band
optimizer to FIRE, which costs 3-6x the force calls of ASE's ODE optimizer
(docs/calibration.md). The output is still an emmet ``NebResult``.

Every ``make`` is wrapped with :func:`~cudiss.workflows.failures.failures_as_data`:
a step that raises returns a :class:`~cudiss.workflows.failures.StepFailure`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from ase.calculators.calculator import Calculator
from ase.eos import EquationOfState
from ase.vibrations import Vibrations
from atomate2.ase.jobs import AseMaker, AseRelaxMaker
from atomate2.ase.neb import AseNebFromImagesMaker
from atomate2.ase.schemas import AseTaskDoc
from atomate2.ase.utils import OPTIMIZERS
from emmet.core.neb import NebMethod
from emmet.core.types.enums import TaskState
from jobflow import job
from pymatgen.core import Structure
from pymatgen.io.ase import AseAtomsAdaptor

from cudiss.structures.bulk import check_lattice_constant, cu_bulk
from cudiss.structures.errors import CudissInputError
from cudiss.workflows import mpi, progress
from cudiss.workflows.calculators import CalculatorSpec, make_calculator
from cudiss.workflows.checkpoint import Checkpoint, resumable
from cudiss.workflows.errors import SettingsError
from cudiss.workflows.failures import failures_as_data
from cudiss.workflows.neb import NebSettings, run_neb, unwrap_band

# Documents are defined in schemas.py; stored flows and documents written
# before the move name them as cudiss.workflows.makers.<name>.
from cudiss.workflows.schemas import (
    BulkResult,
    CuNebResult,
    CuRelaxResult,
    CuRelaxTaskDoc,
    VibrationsResult,
)

#: Loosest force threshold (eV/Å) cudiss accepts for a relaxation or an NEB. A
#: residual force F on a mode of stiffness k leaves the energy F**2 / (2 k) above
#: the minimum: for the soft modes of adsorbates and adatoms (k ~ 0.5-1 eV/Å^2),
#: 0.5 eV/Å means 0.1-0.25 eV, already more than the barrier differences a
#: campaign compares; above it a structure is not relaxed at all.
FMAX_MAX = 0.5


def check_fmax(value: object, where: str = "fmax") -> float:
    """``value`` as a force threshold in (0, :data:`FMAX_MAX`] eV/Å, else :class:`SettingsError`.

    >>> check_fmax(0.05)
    0.05
    """
    what = f"{where} must" if where else "must"
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SettingsError(f"{what} be a number in eV/Å, got {value!r}")
    if not math.isfinite(value) or not 0 < value <= FMAX_MAX:
        raise SettingsError(
            f"{what} be in (0, {FMAX_MAX:g}] eV/Å, got {value!r}: a looser force "
            "threshold leaves structures unrelaxed (tenths of an eV above their minimum)"
        )
    return float(value)


def check_type(value: object, kind: type, where: str) -> None:
    """Refuse a maker field of the wrong type (:class:`SettingsError`, one line)."""
    if not isinstance(value, kind):
        raise SettingsError(f"{where} must be a {kind.__name__}, got {value!r}")


@dataclass
class CuRelaxMaker(AseRelaxMaker):
    """Relax a slab (fixed cell) with EMT or GPAW.

    Parameters
    ----------
    calculator_spec
        EMT or GPAW (+ preset and overrides).
    fmax
        Force threshold in eV/Å.
    traj_file
        ASE trajectory written in the job directory.
    """

    name: str = "relax"
    calculator_spec: CalculatorSpec = field(default_factory=CalculatorSpec)
    relax_cell: bool = False
    steps: int = 300
    fmax: float = 0.05
    traj_file: str = "relax.traj"
    optimizer_kwargs: dict = field(default_factory=lambda: {"optimizer": "BFGS"})
    # Per-step structures and forces live in the .traj file; keeping them out of
    # the document keeps the store small (montydb scans whole documents).
    ionic_step_data: tuple[str, ...] | None = ("energy",)

    def __post_init__(self) -> None:
        super().__post_init__()
        check_type(self.calculator_spec, CalculatorSpec, f"{type(self).__name__}: calculator_spec")
        check_fmax(self.fmax, f"{type(self).__name__}: fmax")
        if isinstance(self.steps, bool) or not isinstance(self.steps, int) or self.steps < 1:
            raise SettingsError(
                f"{type(self).__name__}: steps must be an integer >= 1, got {self.steps!r}"
            )
        self.relax_kwargs = {"fmax": self.fmax, "traj_file": self.traj_file, **self.relax_kwargs}

    def _get_calculator(self) -> Calculator:
        return self.calculator_spec.build()

    def checkpoint(self, mol_or_struct) -> Checkpoint | None:
        """Where this relaxation of ``mol_or_struct`` saves its steps (``None``: nowhere).

        Named by everything that determines the path: structure, calculator,
        fmax, step limit and optimizer.
        """
        if self.steps <= 1:
            return None  # atomate2 runs a single point: nothing to resume
        atoms = AseAtomsAdaptor().get_atoms(mol_or_struct)
        return Checkpoint.for_inputs(
            "relax",
            atoms,
            self.calculator_spec.model_dump(),
            self.fmax,
            self.steps,
            self.optimizer_kwargs,
            self.relax_cell,
        )

    @job(data=["trajectory"])
    @failures_as_data
    def make(self, mol_or_struct: Structure, prev_dir: str | Path | None = None) -> CuRelaxTaskDoc:
        """Relax ``mol_or_struct`` as a job; the document carries SCF recoveries and resumes."""
        # named before the run, as atomate2 does: building the calculator after
        # an MPI run would start a new GPAW log over the workers' gpaw.txt
        calculator_name = getattr(self.calculator, "name", type(self.calculator).__name__)
        result = self.run_ase(mol_or_struct, prev_dir=prev_dir)
        doc = AseTaskDoc.to_mol_or_struct_metadata_doc(
            calculator_name,
            result,
            self.steps,
            relax_kwargs=self.relax_kwargs,
            optimizer_kwargs=self.optimizer_kwargs,
            relax_cell=self.relax_cell,
            relax_shape=self.relax_shape,
            fix_symmetry=self.fix_symmetry,
            symprec=self.symprec if self.fix_symmetry else None,
            ionic_step_data=self.ionic_step_data,
            store_trajectory=self.store_trajectory,
            tags=self.tags,
        )
        return CuRelaxTaskDoc.model_validate(
            {**dict(doc), "scf_recoveries": result.scf_recoveries, "resumed": result.resumed}
        )

    def run_ase(self, mol_or_struct, prev_dir=None) -> CuRelaxResult:
        """Relax with atomate2's ``AseRelaxer``, reporting each step to :mod:`progress`.

        Each step is checkpointed (:mod:`cudiss.workflows.checkpoint`): the same
        relaxation run again after an interruption continues from its last step,
        and its result's ``resumed`` says so; SCF retries are listed in its
        ``scf_recoveries``. With an MPI launcher set (:mod:`cudiss.workflows.mpi`)
        a GPAW relaxation runs this same method on all ranks in a subprocess.
        """
        command = mpi.launcher_command(self.calculator_spec)
        if command is not None:
            return mpi.run_task("relax", {"maker": self, "structure": mol_or_struct}, command)
        checkpoint = self.checkpoint(mol_or_struct)
        # Log stream, checkpoint and optimizer class are not data: add them for
        # this call only, so the maker stays serialisable.
        saved_relax, saved_optimizer = self.relax_kwargs, self.optimizer_kwargs
        self.relax_kwargs = {**saved_relax, "logfile": progress.OptimizerLog()}
        if checkpoint is not None:
            name = saved_optimizer.get("optimizer", "BFGS")
            optimizer = OPTIMIZERS[name] if isinstance(name, str) else name
            self.optimizer_kwargs = {**saved_optimizer, "optimizer": resumable(optimizer)}
            self.relax_kwargs.update(checkpoint=checkpoint, steps_include_resumed=True)
        recoveries = getattr(self.calculator, "recoveries", [])
        before = len(recoveries)
        try:
            result = super().run_ase(mol_or_struct, prev_dir)
        finally:
            self.relax_kwargs, self.optimizer_kwargs = saved_relax, saved_optimizer
        return CuRelaxResult(
            **dict(result),
            scf_recoveries=recoveries[before:],
            resumed=checkpoint.describe() if checkpoint is not None else None,
        )


@dataclass
class CuStaticMaker(CuRelaxMaker):
    """Single-point energy and forces with EMT or GPAW."""

    name: str = "static"
    steps: int = 1


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
class CuNebMaker(AseNebFromImagesMaker):
    """Climbing-image NEB from a band of images, EMT or GPAW.

    Parameters
    ----------
    calculator_spec
        EMT or GPAW (+ preset and overrides); each image gets its own calculator.
    settings
        Image count, fmax, climbing image, tangent method, optimizer...
    """

    name: str = "neb"
    calculator_spec: CalculatorSpec = field(default_factory=CalculatorSpec)
    settings: NebSettings = field(default_factory=NebSettings)

    def __post_init__(self) -> None:
        if hasattr(super(), "__post_init__"):
            super().__post_init__()
        check_type(self.calculator_spec, CalculatorSpec, "CuNebMaker: calculator_spec")
        check_type(self.settings, NebSettings, "CuNebMaker: settings")

    def _get_calculator(self) -> Calculator:
        return self.calculator_spec.build()

    def run_ase(
        self,
        images: list,
        prev_dir: str | Path | None = None,
        endpoint_energies: tuple[float, float] | None = None,
    ) -> CuNebResult:
        """Run the NEB on ``images`` (pymatgen Structures or ASE Atoms), not as a job."""
        adaptor = AseAtomsAdaptor()
        band = unwrap_band(
            [adaptor.get_atoms(im) if isinstance(im, Structure) else im for im in images]
        )
        spec = self.calculator_spec
        traj_prefix = str(Path.cwd() / "neb-image")
        checkpoint = Checkpoint.for_inputs(
            "neb", *band, spec.model_dump(), self.settings.model_dump()
        )
        command = mpi.launcher_command(spec)
        if command is not None:
            # the worker calls run_neb on all ranks (images in parallel if possible)
            payload = {
                "spec": spec,
                "settings": self.settings,
                "band": band,
                "endpoint_energies": endpoint_energies,
                "traj_prefix": traj_prefix,
                "checkpoint": str(checkpoint.path) if checkpoint is not None else None,
            }
            run = mpi.run_task("neb", payload, command)
        else:
            run = run_neb(
                band,
                lambda i: spec.build(txt=f"gpaw-image-{i}.txt"),
                self.settings,
                endpoint_energies=endpoint_energies,
                traj_prefix=traj_prefix,
                progress=progress.step,
                checkpoint=checkpoint,
            )
        structures = [adaptor.get_structure(atoms) for atoms in run.images]
        return CuNebResult(
            images=structures,
            initial_images=[adaptor.get_structure(atoms) for atoms in band],
            image_indices=list(range(len(structures))),
            energies=run.energies,
            neb_method=NebMethod.CLIMBING_IMAGE if self.settings.climb else NebMethod.STANDARD,
            state=TaskState.SUCCESS if run.converged else TaskState.FAILED,
            dir_name=str(Path.cwd()),
            converged=run.converged,
            force_calls=run.force_calls,
            steps=run.steps,
            image_fmax=run.image_fmax,
            image_forces=[forces.tolist() for forces in run.forces],
            image_positions=[atoms.positions.tolist() for atoms in run.images],
            trajectories=run.trajectories,
            settings=self.settings.model_dump(),
            wall_time_s=run.wall_time_s,
            surrogate_force_calls=run.surrogate_force_calls,
            scf_recoveries=run.scf_recoveries,
            resumed_steps=run.resumed_steps,
        )

    @job(data=["images", "initial_images", "image_forces", "image_positions"])
    @failures_as_data
    def make(
        self,
        images: list,
        prev_dir: str | Path | None = None,
        endpoint_energies: tuple[float, float] | None = None,
    ) -> CuNebResult:
        """Run the NEB as a job; endpoint energies are reused when given."""
        return self.run_ase([im.copy() for im in images], prev_dir, endpoint_energies)


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
