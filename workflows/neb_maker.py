"""The CI-NEB Maker: atomate2's NEB-from-images Maker with cudiss's NEB engine.

It subclasses :class:`~atomate2.ase.neb.AseNebFromImagesMaker` but replaces its
``run_ase``: atomate2 gives each image a ``deepcopy`` of one calculator, which
GPAW's calculator does not support (it holds an open log file), and it fixes the
band optimizer to FIRE, which costs 3-6x the force calls of ASE's ODE optimizer
(docs/calibration.md). The output is still an emmet ``NebResult``
(:class:`~cudiss.workflows.schemas.CuNebResult`). Stored flows name it
``cudiss.workflows.makers.CuNebMaker``, which re-exports it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from ase import Atoms
from ase.calculators.calculator import Calculator
from atomate2.ase.neb import AseNebFromImagesMaker
from emmet.core.neb import NebMethod
from emmet.core.types.enums import TaskState
from jobflow import job
from pymatgen.core import Structure
from pymatgen.io.ase import AseAtomsAdaptor

from cudiss.analysis.methods import MLIP_CODES
from cudiss.workflows import mpi, progress
from cudiss.workflows.calculators import CalculatorSpec
from cudiss.workflows.checkpoint import Checkpoint
from cudiss.workflows.failures import failures_as_data
from cudiss.workflows.maker_checks import check_type
from cudiss.workflows.neb import NebSettings, run_neb, unwrap_band
from cudiss.workflows.neb.band import moving_system
from cudiss.workflows.schemas import CuNebResult


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

    def resolved_settings(self, band: list[Atoms]) -> NebSettings:
        """The settings this band runs with: ``surrogate: auto`` resolved for what
        moves along it and for the calculator (:meth:`NebSettings.resolved_for`)."""
        code = self.calculator_spec.code
        target = "emt" if code == "emt" else "mlip" if code in MLIP_CODES else "dft"
        return self.settings.resolved_for(moving_system(band[0], band[-1]), target)

    def checkpoint(self, images: list) -> Checkpoint | None:
        """Where the NEB of ``images`` saves its band steps (``None``: nowhere).

        Named by the band, the calculator and the settings it runs with.
        """
        band = _band(images)
        return Checkpoint.for_inputs(
            "neb",
            *band,
            self.calculator_spec.model_dump(),
            self.resolved_settings(band).model_dump(),
        )

    def run_ase(
        self,
        images: list,
        prev_dir: str | Path | None = None,
        endpoint_energies: tuple[float, float] | None = None,
    ) -> CuNebResult:
        """Run the NEB on ``images`` (pymatgen Structures or ASE Atoms), not as a job."""
        adaptor = AseAtomsAdaptor()
        band = _band(images)
        spec = self.calculator_spec
        settings = self.resolved_settings(band)
        traj_prefix = str(Path.cwd() / "neb-image")
        checkpoint = self.checkpoint(images)
        command = mpi.launcher_command(spec)
        if command is not None:
            # the worker calls run_neb on all ranks (images in parallel if possible)
            payload = {
                "spec": spec,
                "settings": settings,
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
                settings,
                endpoint_energies=endpoint_energies,
                traj_prefix=traj_prefix,
                progress=partial(progress.step, target=settings.fmax),
                checkpoint=checkpoint,
            )
        structures = [adaptor.get_structure(atoms) for atoms in run.images]
        return CuNebResult(
            images=structures,
            initial_images=[adaptor.get_structure(atoms) for atoms in band],
            image_indices=list(range(len(structures))),
            energies=run.energies,
            neb_method=NebMethod.CLIMBING_IMAGE if settings.climb else NebMethod.STANDARD,
            state=TaskState.SUCCESS if run.converged else TaskState.FAILED,
            dir_name=str(Path.cwd()),
            converged=run.converged,
            force_calls=run.force_calls,
            steps=run.steps,
            image_fmax=run.image_fmax,
            image_forces=[forces.tolist() for forces in run.forces],
            image_positions=[atoms.positions.tolist() for atoms in run.images],
            trajectories=run.trajectories,
            settings=settings.model_dump(),
            wall_time_s=run.wall_time_s,
            surrogate_force_calls=run.surrogate_force_calls,
            surrogate_hessian_calls=run.surrogate_hessian_calls,
            scf_recoveries=run.scf_recoveries,
            resumed_steps=run.resumed_steps,
            image_electrodes=run.electrodes,
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


def _band(images: list) -> list[Atoms]:
    """ASE copies of ``images`` (Structures or Atoms) as one continuous band."""
    adaptor = AseAtomsAdaptor()
    return unwrap_band(
        [adaptor.get_atoms(im) if isinstance(im, Structure) else im.copy() for im in images]
    )
