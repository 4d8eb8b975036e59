"""The state of a band under optimisation, and what its checkpoint holds.

:class:`BandState` is the checkpoint (plain data, saved after every band
step); :class:`Band` is the live band the driver's stages pass along: its NEB
object, calculators, watch, optimizer ladder and where it checkpoints.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np
from ase import Atoms
from ase.mep.neb import NEB

from cudiss.workflows.calculators.force_calls import ForceCallCounter
from cudiss.workflows.checkpoint import Checkpoint
from cudiss.workflows.neb.optimizers import Stage, make_optimizer
from cudiss.workflows.neb.settings import NebSettings
from cudiss.workflows.neb.watch import BandWatch


@dataclass
class BandState:
    """What a band checkpoint holds: enough to continue exactly where a run stopped.

    Attributes
    ----------
    nsteps
        Band steps recorded so far.
    stage
        Index of the optimizer stage in the ladder.
    optimizer
        The stage optimizer's own snapshot (positions, step size or Hessian...).
    band
        Positions of every image (Å).
    watch
        :attr:`BandWatch.state` (steps, stall and probation counters).
    force_calls, surrogate_force_calls
        Real and surrogate force calls so far.
    surrogate_hessian_calls
        Surrogate force calls of the preconditioner's Hessian.
    endpoint_energies
        Energies of the relaxed endpoints (eV).
    precon
        Inverse surrogate Hessian, built once from the starting band (a resume
        must step the same way), or ``None``.
    electrodes
        Each interior image's SJM state (electron count, slope; see
        :meth:`~cudiss.workflows.calculators.electrode.ElectrodeCalculator.electrode_state`),
        ``None`` for an image without an electrode; ``None`` for a band without any.
    """

    nsteps: int
    stage: int
    optimizer: dict
    band: list[np.ndarray]
    watch: tuple
    force_calls: int
    surrogate_force_calls: int
    endpoint_energies: tuple[float, float]
    precon: np.ndarray | None = None
    electrodes: list[dict | None] | None = None
    surrogate_hessian_calls: int = 0

    @classmethod
    def load(cls, checkpoint: Checkpoint | None) -> BandState | None:
        """The state saved in ``checkpoint``, or ``None`` for a fresh start."""
        saved = checkpoint.load() if checkpoint is not None else None
        if saved is None:
            return None
        # a checkpoint of an older cudiss lacks the newer fields: their defaults
        return cls(**{f.name: saved[f.name] for f in fields(cls) if f.name in saved})

    def save(self, checkpoint: Checkpoint | None) -> None:
        """Write this state to ``checkpoint`` (nothing if there is none)."""
        if checkpoint is not None:
            checkpoint.save({f.name: getattr(self, f.name) for f in fields(self)})


@dataclass
class Band:
    """A band being optimised: its NEB, calculators, watch and checkpointing."""

    images: list[Atoms]
    neb: NEB
    settings: NebSettings
    watch: BandWatch
    counter: ForceCallCounter
    endpoint_energies: tuple[float, float]
    surrogate_calls: int
    hessian_calls: int
    precon: np.ndarray | None
    stages: list[Stage]
    checkpoint: Checkpoint | None
    logfile: str | None
    used: list[Stage] = field(default_factory=list)

    def save(self, stage: int, snapshot: dict) -> None:
        BandState(
            nsteps=self.watch.steps,
            stage=stage,
            optimizer=snapshot,
            band=[image.positions.copy() for image in self.images],
            watch=self.watch.state,
            force_calls=self.counter.count,
            surrogate_force_calls=self.surrogate_calls,
            endpoint_energies=self.endpoint_energies,
            precon=self.precon,
            electrodes=electrode_states(self.images[1:-1]),
            surrogate_hessian_calls=self.hessian_calls,
        ).save(self.checkpoint)

    def optimizer(self, stage: int):
        """A fresh optimizer of ladder stage ``stage``, watched and checkpointed."""
        optimizer = make_optimizer(
            self.stages[stage],
            self.neb,
            self.logfile,
            on_step=lambda snapshot: self.save(stage, snapshot),
            precon=self.precon,
        )
        optimizer.attach(self.watch)
        return optimizer

    @property
    def converged(self) -> bool:
        return self.watch.fmax <= self.settings.fmax

    @property
    def out_of_steps(self) -> bool:
        return self.watch.steps >= self.settings.max_steps


def electrode_states(images: list[Atoms]) -> list[dict | None] | None:
    """Each image's SJM state for a checkpoint (``None`` when no image has an electrode)."""
    states = [
        image.calc.electrode_state() if hasattr(image.calc, "electrode_state") else None
        for image in images
    ]
    return states if any(state is not None for state in states) else None


def restore_electrodes(images: list[Atoms], states: list[dict | None] | None) -> None:
    """Give each image's SJM calculator its saved electron count (see :func:`electrode_states`)."""
    for image, state in zip(images, states or [], strict=False):
        if state is not None and hasattr(image.calc, "restore_electrode_state"):
            image.calc.restore_electrode_state(state)
