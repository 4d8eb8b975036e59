"""jobflow Makers for GPAW and EMT, built on atomate2's ASE makers.

Every maker has a ``calculator_spec`` field (:class:`CalculatorSpec`): EMT for
seconds-long dry runs, GPAW with a named preset for real work. Relaxations use
atomate2's :class:`~atomate2.ase.jobs.AseRelaxMaker` (and so its ``AseRelaxer``
loop) unchanged. The NEB maker subclasses
:class:`~atomate2.ase.neb.AseNebFromImagesMaker` but replaces its ``run_ase``:
atomate2 gives each image a ``deepcopy`` of one calculator, which GPAW's
calculator does not support (it holds an open log file), and it fixes the band
optimizer to FIRE, which costs 3-6x the force calls of ASE's ODE optimizer
(../shared/CALIBRATION.md). The output is still an emmet ``NebResult``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from ase.calculators.calculator import Calculator
from ase.eos import EquationOfState
from ase.vibrations import Vibrations
from atomate2.ase.jobs import AseMaker, AseRelaxMaker
from atomate2.ase.neb import AseNebFromImagesMaker
from atomate2.ase.utils import OPTIMIZERS
from emmet.core.neb import NebMethod, NebResult
from emmet.core.types.enums import TaskState
from jobflow import job
from pydantic import BaseModel, Field
from pymatgen.core import Structure
from pymatgen.io.ase import AseAtomsAdaptor

from cudiss.structures.bulk import cu_bulk
from cudiss.workflows import mpi, progress
from cudiss.workflows.calculators import CalculatorSpec, make_calculator
from cudiss.workflows.checkpoint import Checkpoint, resumable
from cudiss.workflows.neb import NebSettings, run_neb, unwrap_band

SCF_RECOVERY_TAG = "scf-recovery: "
RESUME_TAG = "resume: "

# GPAW slab presets sample k only in the surface plane; bulk needs all three.
BULK_KPTS = {"test": {"size": [8, 8, 8]}, "production": {"density": 4.0, "gamma": True}}


def bulk_parameters(spec: CalculatorSpec) -> dict:
    """The spec's calculator parameters adapted to bulk Cu.

    Slab presets sample k only in the surface plane, switch point-group symmetry
    off (atoms move) and may add a dipole layer along z; bulk needs 3D k-points,
    can use its full symmetry, and has no vacuum for a dipole layer.
    """
    params = spec.parameters()
    if spec.code == "gpaw":
        params["kpts"] = BULK_KPTS.get(spec.preset, {"density": 4.0, "gamma": True})
        params["symmetry"] = {"point_group": True}
        params.pop("poissonsolver", None)
    return params


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

    def run_ase(self, mol_or_struct, prev_dir=None):
        """Relax with atomate2's ``AseRelaxer``, reporting each step to :mod:`progress`.

        Each step is checkpointed (:mod:`cudiss.workflows.checkpoint`): the same
        relaxation run again after an interruption continues from its last step,
        and its document's tags say so. With an MPI launcher set
        (:mod:`cudiss.workflows.mpi`) a GPAW relaxation runs this same method on
        all ranks in a subprocess.
        """
        command = mpi.launcher_command(self.calculator_spec)
        if command is not None:
            result = mpi.run_task("relax", {"maker": self, "structure": mol_or_struct}, command)
            self.tags = mpi.last_run.tags if mpi.last_run is not None else None
            return result
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
        # atomate2's document has no field for them: SCF retries and a resume
        # of this relaxation go into its tags (make() reads self.tags after run_ase).
        tags = [f"{SCF_RECOVERY_TAG}{line}" for line in recoveries[before:]]
        note = checkpoint.describe() if checkpoint is not None else None
        if note is not None:
            tags.append(f"{RESUME_TAG}{note}")
        self.tags = tags or None
        return result


@dataclass
class CuStaticMaker(CuRelaxMaker):
    """Single-point energy and forces with EMT or GPAW."""

    name: str = "static"
    steps: int = 1


class BulkResult(BaseModel):
    """Fitted fcc lattice constant and the bulk energy per atom at it."""

    lattice_constant_A: float
    energy_per_atom_eV: float
    bulk_modulus_GPa: float
    volumes_A3: list[float]
    energies_eV: list[float]
    calculator: dict


@dataclass
class CuBulkMaker(AseMaker):
    """Lattice constant of fcc Cu from an equation-of-state fit (ase.eos).

    An E(V) fit works for every calculator mode, unlike a stress-driven cell
    relaxation (GPAW's LCAO mode has no stress).

    Parameters
    ----------
    a_guess
        Centre of the scan in Å.
    strain
        Relative range of the lattice-constant scan (+-).
    points
        Number of volumes in the fit.
    """

    name: str = "bulk lattice constant"
    calculator_spec: CalculatorSpec = field(default_factory=CalculatorSpec)
    a_guess: float = 3.615
    strain: float = 0.03
    points: int = 7

    def _get_calculator(self) -> Calculator:
        return make_calculator(
            self.calculator_spec.code, bulk_parameters(self.calculator_spec), txt="gpaw-bulk.txt"
        )

    @job
    def make(self, a_guess: float | None = None) -> BulkResult:
        """Fit E(V) of primitive fcc Cu and return a0 and mu_Cu(bulk)."""
        return self.run_eos(a_guess or self.a_guess)

    def run_eos(self, centre: float) -> BulkResult:
        """Scan the lattice constant around ``centre`` (Å) and fit E(V), not as a job.

        With an MPI launcher set, a GPAW scan runs this method on all ranks.
        """
        command = mpi.launcher_command(self.calculator_spec)
        if command is not None:
            return mpi.run_task("bulk", {"maker": self, "a_guess": centre}, command)
        volumes, energies = [], []
        for a in np.linspace(centre * (1 - self.strain), centre * (1 + self.strain), self.points):
            atoms = cu_bulk(float(a))
            atoms.calc = self.calculator
            energies.append(float(atoms.get_potential_energy()))
            volumes.append(float(atoms.get_volume()))
        eos = EquationOfState(volumes, energies, eos="birchmurnaghan")
        v0, e0, b = eos.fit()
        return BulkResult(
            lattice_constant_A=float((4 * v0) ** (1 / 3)),
            energy_per_atom_eV=float(e0),
            bulk_modulus_GPa=float(b * 160.21766),
            volumes_A3=volumes,
            energies_eV=energies,
            calculator={
                "code": self.calculator_spec.code,
                "parameters": bulk_parameters(self.calculator_spec),
            },
        )


class CuNebResult(NebResult):
    """emmet's ``NebResult`` plus what cudiss records about cost and convergence."""

    converged: bool = False
    force_calls: int = 0
    steps: int = 0
    image_fmax: list[float] = Field(default_factory=list)
    image_forces: list[list[list[float]]] = Field(default_factory=list)
    image_positions: list[list[list[float]]] = Field(
        default_factory=list, description="continuous (unwrapped) band, Å"
    )
    trajectories: list[str] = Field(default_factory=list)
    settings: dict = Field(default_factory=dict)
    wall_time_s: float = 0.0
    surrogate_force_calls: int = 0
    scf_recoveries: list[str] = Field(default_factory=list)
    resumed_steps: int = Field(0, description="band steps done before an interruption")


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
    def make(
        self,
        images: list,
        prev_dir: str | Path | None = None,
        endpoint_energies: tuple[float, float] | None = None,
    ) -> CuNebResult:
        """Run the NEB as a job; endpoint energies are reused when given."""
        return self.run_ase([im.copy() for im in images], prev_dir, endpoint_energies)


class VibrationsResult(BaseModel):
    """Harmonic frequencies of selected atoms (for ZPE and TS, see analysis)."""

    indices: list[int]
    frequencies_cm: list[float] = Field(description="real parts; imaginary modes negative")
    energies_eV: list[float] = Field(description="hbar*omega of the real modes")
    zpe_eV: float
    calculator: dict


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
