"""jobflow Makers for GPAW and EMT, built on atomate2's ASE makers.

Every maker has a ``calculator_spec`` field (:class:`CalculatorSpec`): EMT for
seconds-long dry runs, GPAW with a named preset for real work. Relaxations use
atomate2's :class:`~atomate2.ase.jobs.AseRelaxMaker` (and so its ``AseRelaxer``
loop) unchanged. The NEB maker is in :mod:`cudiss.workflows.neb_maker`, the
bulk and vibrations makers are in :mod:`cudiss.workflows.thermo_makers`, the
field checks in :mod:`cudiss.workflows.maker_checks`; all are importable from here.

Every ``make`` is wrapped with :func:`~cudiss.workflows.failures.failures_as_data`:
a step that raises returns a :class:`~cudiss.workflows.failures.StepFailure`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ase import Atoms
from ase.calculators.calculator import Calculator
from atomate2.ase.jobs import AseRelaxMaker
from atomate2.ase.schemas import AseTaskDoc
from atomate2.ase.utils import OPTIMIZERS
from jobflow import job
from pymatgen.core import Molecule, Structure
from pymatgen.io.ase import AseAtomsAdaptor

from cudiss.analysis.methods import MLIP_CODES
from cudiss.workflows import mpi, progress
from cudiss.workflows.calculators import CalculatorSpec
from cudiss.workflows.calculators.force_calls import count_force_calls
from cudiss.workflows.checkpoint import Checkpoint, resumable
from cudiss.workflows.errors import SettingsError
from cudiss.workflows.failures import failures_as_data

# Re-exported: campaign.py and flows.py import the field checks from here.
from cudiss.workflows.maker_checks import FMAX_MAX, check_fmax, check_type

# Re-exported: stored flows and documents name these cudiss.workflows.makers.<name>.
from cudiss.workflows.neb_maker import CuNebMaker
from cudiss.workflows.prerelax import (
    BASIN_RULE,
    FD_STEP,
    HESSIAN_FLOOR,
    MAX_SHIFT,
    PrerelaxName,
    PrerelaxStage,
    auto_prerelax,
    check_prerelax,
    prerelax,
    stage_checkpoint,
    with_initial_hessian,
)

# Documents are defined in schemas.py; stored flows and documents written
# before the move name them as cudiss.workflows.makers.<name>.
from cudiss.workflows.schemas import (
    BulkResult,
    CuNebResult,
    CuRelaxResult,
    CuRelaxTaskDoc,
    VibrationsResult,
)
from cudiss.workflows.thermo_makers import CuBulkMaker, CuVibrationsMaker

__all__ = [
    "FMAX_MAX",
    "BulkResult",
    "CuBulkMaker",
    "CuNebMaker",
    "CuNebResult",
    "CuRelaxMaker",
    "CuRelaxResult",
    "CuRelaxTaskDoc",
    "CuStaticMaker",
    "CuVibrationsMaker",
    "VibrationsResult",
    "check_fmax",
    "check_type",
]


@dataclass
class CuRelaxMaker(AseRelaxMaker):
    """Relax a slab (fixed cell) with EMT or GPAW, optionally pre-relaxed with an MLIP.

    Parameters
    ----------
    calculator_spec
        EMT or GPAW (+ preset and overrides).
    fmax
        Force threshold in eV/Å.
    traj_file
        ASE trajectory written in the job directory.
    prerelax
        ``none``, ``sevennet`` or ``chgnet``: an MLIP stage before the
        calculator's relaxation (its Hessian, optionally its geometry first;
        :mod:`cudiss.workflows.prerelax`); ``auto``: SevenNet's Hessian where
        it was measured to pay (GPAW without an electrode), else none
        (:func:`~cudiss.workflows.prerelax.auto_prerelax`). Skipped when the
        calculator is itself an MLIP.
    prerelax_hessian
        With ``prerelax``: BFGS starts from the MLIP's Hessian where the real
        stage starts (eigenvalues floored at 1 eV/Å², fixed atoms 70 eV/Å²)
        instead of ASE's 70 eV/Å² identity. Needs the BFGS optimizer.
    prerelax_geometry
        With ``prerelax``: the MLIP relaxes the structure first and the real
        stage starts from its geometry. Off by default: the real stage starts
        from the input with the MLIP Hessian there, and so follows its own
        path into the minimum plain BFGS finds (measured on GPAW CO: the MLIP
        geometry led into a minimum 41 meV higher; docs/mlip.md).
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
    prerelax: PrerelaxName = "none"
    prerelax_hessian: bool = True
    prerelax_geometry: bool = False

    def __post_init__(self) -> None:
        super().__post_init__()
        name = type(self).__name__
        check_type(self.calculator_spec, CalculatorSpec, f"{name}: calculator_spec")
        check_fmax(self.fmax, f"{name}: fmax")
        if isinstance(self.steps, bool) or not isinstance(self.steps, int) or self.steps < 1:
            raise SettingsError(f"{name}: steps must be an integer >= 1, got {self.steps!r}")
        self.prerelax = check_prerelax(self.prerelax, f"{name}: prerelax")
        check_type(self.prerelax_hessian, bool, f"{name}: prerelax_hessian")
        check_type(self.prerelax_geometry, bool, f"{name}: prerelax_geometry")
        if self.prerelax not in ("none", "auto"):
            self._check_prerelax()
        self.relax_kwargs = {"fmax": self.fmax, "traj_file": self.traj_file, **self.relax_kwargs}

    def _check_prerelax(self) -> None:
        name = type(self).__name__
        if what := self._without_mlip_stage:
            raise SettingsError(f"{name}: prerelax={self.prerelax!r} cannot precede {what}")
        if not (self.prerelax_hessian or self.prerelax_geometry):
            raise SettingsError(
                f"{name}: prerelax={self.prerelax!r} with neither prerelax_hessian "
                "nor prerelax_geometry leaves the MLIP nothing to do"
            )
        if self.prerelax_hessian:
            with_initial_hessian(self._optimizer_class)

    @property
    def _without_mlip_stage(self) -> str | None:
        """What this relaxation is when no MLIP stage can precede it, else ``None``."""
        if self.steps <= 1:
            return "a single point"
        return "a cell relaxation" if self.relax_cell else None

    @property
    def _optimizer_class(self) -> type:
        """The ASE optimizer class ``optimizer_kwargs`` names (a name or the class)."""
        name = self.optimizer_kwargs.get("optimizer", "BFGS")
        return OPTIMIZERS[name] if isinstance(name, str) else name

    @property
    def prerelax_mlip(self) -> str:
        """The MLIP this relaxation is pre-relaxed with: ``prerelax``, ``auto`` resolved.

        ``none`` for an MLIP calculator, which would only repeat its own
        pre-relaxation.
        """
        code = self.calculator_spec.code
        if code in MLIP_CODES or self.prerelax == "none":
            return "none"
        if self.prerelax != "auto":
            return self.prerelax
        return auto_prerelax(code, self.calculator_spec.electrode is not None, self._takes_hessian)

    @property
    def _takes_hessian(self) -> bool:
        """BFGS can start this relaxation from the MLIP's Hessian."""
        if self._without_mlip_stage or not self.prerelax_hessian:
            return False
        try:
            with_initial_hessian(self._optimizer_class)
        except (SettingsError, KeyError):
            return False
        return True

    @property
    def _prerelaxing(self) -> bool:
        return self.prerelax_mlip != "none"

    def _get_calculator(self) -> Calculator:
        return self.calculator_spec.build()

    def checkpoint(self, mol_or_struct) -> Checkpoint | None:
        """Where this relaxation of ``mol_or_struct`` saves its steps (``None``: nowhere).

        Named by everything that determines the path: structure, calculator,
        fmax, step limit, optimizer and the MLIP pre-relaxation (the input
        structure names it, not the MLIP's geometry: a resume finds the file
        before the MLIP stage is looked at).
        """
        if self.steps <= 1:
            return None  # atomate2 runs a single point: nothing to resume
        atoms = _as_atoms(mol_or_struct)
        inputs = [
            atoms,
            self.calculator_spec.model_dump(),
            self.fmax,
            self.steps,
            self.optimizer_kwargs,
            self.relax_cell,
        ]
        if self._prerelaxing:  # without it, the key of relaxations checkpointed before
            inputs.append(
                {
                    "prerelax": self.prerelax_mlip,
                    "hessian": self.prerelax_hessian,
                    **({"geometry": False} if not self.prerelax_geometry else {}),
                    "floor": HESSIAN_FLOOR,
                    "fd_step": FD_STEP,
                    "max_shift": MAX_SHIFT,
                    "basin_rule": BASIN_RULE,
                }
            )
        return Checkpoint.for_inputs("relax", *inputs)

    def prerelax_stage(self, mol_or_struct) -> PrerelaxStage | None:
        """The MLIP stage of this relaxation of ``mol_or_struct`` (``None``: no pre-relaxation).

        Computed once and saved (:func:`~cudiss.workflows.prerelax.stage_checkpoint`):
        the MLIP's trajectory goes to ``prerelax.traj`` in the job folder.
        """
        if not self._prerelaxing:
            return None
        atoms = _as_atoms(mol_or_struct)
        inputs = (
            self.prerelax_mlip,
            self.fmax,
            self.steps,
            self.prerelax_hessian,
            self.prerelax_geometry,
        )
        return prerelax(
            atoms,
            *inputs,
            checkpoint=stage_checkpoint(atoms, *inputs),
            trajectory="prerelax.traj",
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
            {
                **dict(doc),
                "scf_recoveries": result.scf_recoveries,
                "resumed": result.resumed,
                "force_calls": result.force_calls,
                "prerelax": result.prerelax,
                "electrode": result.electrode,
            }
        )

    def run_ase(self, mol_or_struct, prev_dir=None) -> CuRelaxResult:
        """Relax with atomate2's ``AseRelaxer``, reporting each step to :mod:`progress`.

        Each step is checkpointed (:mod:`cudiss.workflows.checkpoint`): the same
        relaxation run again after an interruption continues from its last step,
        and its result's ``resumed`` says so; SCF retries are listed in its
        ``scf_recoveries``. With an MPI launcher set (:mod:`cudiss.workflows.mpi`)
        a GPAW relaxation runs this same method on all ranks in a subprocess.
        With ``prerelax``, the MLIP stage runs first, in this process (the MPI
        worker then reads it from its saved file), and the calculator relaxes
        from its geometry; ``force_calls`` counts the calculator's calls.
        """
        command = mpi.launcher_command(self.calculator_spec)
        # before the MPI branch: the worker's ranks read the saved stage, so torch
        # and the MLIP never load beside GPAW on the MPI ranks
        stage = self.prerelax_stage(mol_or_struct)
        if command is not None:
            return mpi.run_task("relax", {"maker": self, "structure": mol_or_struct}, command)
        checkpoint = self.checkpoint(mol_or_struct)
        electrode = self.calculator if hasattr(self.calculator, "electrode_state") else None
        if checkpoint is not None and electrode is not None:
            checkpoint.carry(
                "electrode", electrode.electrode_state, electrode.restore_electrode_state
            )
        # Log stream, checkpoint and optimizer class are not data: add them for
        # this call only, so the maker stays serialisable.
        saved_relax, saved_optimizer = self.relax_kwargs, self.optimizer_kwargs
        self.relax_kwargs = {**saved_relax, "logfile": progress.OptimizerLog(self.fmax)}
        optimizer = self._optimizer_class
        if checkpoint is not None:
            optimizer = resumable(optimizer)
            self.relax_kwargs.update(checkpoint=checkpoint, steps_include_resumed=True)
        start = mol_or_struct
        if stage is not None:
            start = _like(mol_or_struct, stage.atoms)
            if stage.hessian is not None:
                optimizer = with_initial_hessian(optimizer)
                self.relax_kwargs["initial_hessian"] = stage.hessian
        self.optimizer_kwargs = {**saved_optimizer, "optimizer": optimizer}
        recoveries = getattr(self.calculator, "recoveries", [])
        before = len(recoveries)
        try:
            with count_force_calls(self.calculator) as calls:
                result = super().run_ase(start, prev_dir)
        finally:
            self.relax_kwargs, self.optimizer_kwargs = saved_relax, saved_optimizer
        return CuRelaxResult(
            **dict(result),
            scf_recoveries=recoveries[before:],
            resumed=checkpoint.describe() if checkpoint is not None else None,
            force_calls=calls.count,
            prerelax=stage.record if stage is not None else None,
            electrode=electrode.record() if electrode is not None else None,
        )


def _as_atoms(mol_or_struct) -> Atoms:
    """ASE atoms of a Structure, a Molecule or (copied) of ASE atoms."""
    if isinstance(mol_or_struct, Atoms):
        return mol_or_struct.copy()
    return AseAtomsAdaptor().get_atoms(mol_or_struct)


def _like(mol_or_struct, atoms):
    """``atoms`` as the type of ``mol_or_struct`` (a Structure stays a Structure for atomate2)."""
    if isinstance(mol_or_struct, Structure):
        return AseAtomsAdaptor().get_structure(atoms)
    if isinstance(mol_or_struct, Molecule):
        return AseAtomsAdaptor().get_molecule(atoms)
    return atoms


@dataclass
class CuStaticMaker(CuRelaxMaker):
    """Single-point energy and forces with EMT or GPAW."""

    name: str = "static"
    steps: int = 1
