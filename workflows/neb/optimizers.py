"""Band optimizers as named stages, chosen in one place.

A NEB runs a ladder of optimizer stages (:func:`stage_ladder`): the
preconditioned ODE (or BFGS) on probation when a surrogate Hessian exists, then the
user's optimizer, then FIRE for a band the faster ones left stalled
(docs/neb.md). :func:`make_optimizer` builds a stage's optimizer; every one of
them is resumable from a checkpoint.
"""

from __future__ import annotations

from enum import Enum

import numpy as np
from ase.mep.neb import NEB, NEBOptimizer
from ase.optimize import BFGS, FIRE
from ase.optimize.ode import ode12r
from ase.optimize.sciopt import OptimizerConvergenceError

from cudiss.workflows.checkpoint import resumable
from cudiss.workflows.initial_hessian import with_initial_hessian
from cudiss.workflows.neb.band import band_fmax
from cudiss.workflows.neb.settings import NebSettings


class Stage(str, Enum):
    """One optimizer stage of a band (its value is what results and checkpoints record)."""

    ODE_PRECON = "ode-precon"
    """ASE's ODE optimizer stepping along the surrogate-preconditioned force."""
    ODE = "ode"
    BFGS_PRECON = "bfgs-precon"
    """ASE's BFGS starting from the surrogate's NEB Hessian (then updating it)."""
    BFGS = "bfgs"
    FIRE = "fire"

    @property
    def is_preconditioned(self) -> bool:
        """Stages that start from the surrogate's NEB Hessian (on probation)."""
        return self in (Stage.ODE_PRECON, Stage.BFGS_PRECON)

    @property
    def on_probation(self) -> bool:
        """Stages handed on when they do not halve the band's force quickly.

        Only the preconditioned ODE: its fixed preconditioner keeps a wrong
        surrogate curvature for good, so the ODE crawls along that mode. BFGS
        updates the surrogate's Hessian from the real forces, and handing it on
        would throw away what it learnt (on the GPAW adatom + CO band it went on
        as plain BFGS from ASE's 70 eV/Å² guess after its probation).
        """
        return self is Stage.ODE_PRECON

    @property
    def is_ode(self) -> bool:
        """Stages run by ASE's ``ode12r`` (observers see accepted steps only)."""
        return self in (Stage.ODE, Stage.ODE_PRECON)


def stage_ladder(settings: NebSettings, preconditioned: bool) -> list[Stage]:
    """The stages a band goes through, in order.

    The user's optimizer, then FIRE (converges where ODE and BFGS stall on
    rough bands); the preconditioned ODE first when a surrogate Hessian exists.
    """
    stages = [Stage(settings.optimizer)]
    if stages[0] is not Stage.FIRE:
        stages.append(Stage.FIRE)
    if preconditioned:
        # The preconditioned ODE is on probation: a surrogate whose curvatures
        # are wrong for some atoms (EMT's C-O stretch is ~7x softer than PBE's)
        # makes it crawl; then the plain optimizer takes over. BFGS keeps
        # updating its Hessian, so soft modes the floor stiffened are learnt
        # back from the real forces, and it stays until it stalls.
        stages.insert(0, Stage.BFGS_PRECON if stages[0] is Stage.BFGS else Stage.ODE_PRECON)
    return stages


class NormNEBOptimizer(NEBOptimizer):
    """ASE's ODE band optimizer judged by the per-atom force norm, resumable.

    ase's NEB residual is the largest force *component*, a looser test than
    BFGS/FIRE apply; using the norm makes every optimizer stop at the same fmax.

    Checkpoints: ASE's ``ode12r`` keeps its state (last accepted band, step size
    ``h``) in local variables. Every trial band is ``X_acc + h F(X_acc)``, so
    before each trial's force call ``h`` is recovered from the trial and the
    accepted band, and (accepted band, ``h``, step count) go to ``on_step``;
    ``ode12r(X_acc, h=h)`` then repeats the same trials. The accepted band's NEB
    forces are saved too, so a resume computes nothing before its first trial.
    """

    def __init__(self, neb, *, on_step=None, precon: np.ndarray | None = None, **kwargs) -> None:
        super().__init__(neb, **kwargs)
        self.on_step = on_step
        # inverse of a fixed Hessian: ode12r steps along precon @ F
        self.precon = precon
        self.first_h: float | None = None
        self.resumed_steps = 0
        self._accepted: tuple[np.ndarray, np.ndarray] | None = None
        self._restored: tuple[np.ndarray, np.ndarray] | None = None
        self._last: tuple[np.ndarray, np.ndarray] | None = None

    def get_residual(self, F=None, X=None):
        return band_fmax(self.neb.get_forces() if F is None else F)

    def restore(self, saved: dict) -> None:
        """Continue from a checkpointed (accepted band, step size, step count)."""
        self.neb.set_positions(np.reshape(saved["x"], (-1, 3)))
        state = saved.get("state") or {}
        self.first_h = state.get("h")
        if state.get("forces") is not None:
            # the accepted band's NEB forces as they were: not recomputed from a
            # cold start (a band of DFT calls, and SCF noise that would send the
            # resumed band along a slightly different path)
            self._restored = (np.asarray(saved["x"], dtype=float), state["forces"])
        self.nsteps = self.resumed_steps = int(saved["nsteps"])

    def force_function(self, X):
        if self._accepted is not None and self.on_step is not None:
            x_acc, f_acc = self._accepted
            if self.precon is not None:
                f_acc = self.precon @ f_acc  # ode12r steps along the preconditioned force
            h = float((X - x_acc) @ f_acc / max(float(f_acc @ f_acc), 1e-300))
            state = {"h": h, "forces": self._accepted[1]}
            self.on_step({"x": x_acc, "nsteps": self.nsteps, "state": state, "extra": {}})
        restored, self._restored = self._restored, None
        if restored is not None and np.array_equal(restored[0], X):
            forces = np.array(restored[1], copy=True)
        else:
            forces = super().force_function(X)
        self._last = (np.array(X, copy=True), forces.copy())
        if self._accepted is None:
            self._accepted = self._last
        return forces

    def callback(self, X, F=None):
        self._accepted = self._last
        super().callback(X, F)

    def initial_step(self) -> float | None:
        """First ODE step size: the restored one, else at most a Newton step.

        ASE's estimate ``0.5 sqrt(rtol) / max|P F|`` limits the first move to
        ~0.16 Å. With the surrogate's inverse Hessian as ``P``, ``h = 1`` is the
        Newton step, and the estimate is often ~3 times that: on the GPAW hop the
        first trial band was rejected (fmax 0.13 -> 0.34 eV/Å), which cost a
        whole band of DFT calls before ``h`` came down to 0.73 and converged.
        """
        if self.first_h is not None or self.precon is None:
            return self.first_h
        forces = self.neb.get_forces().reshape(-1)  # the starting band, already computed
        largest = self.get_residual(F=self.precon @ forces)
        if largest <= 0:
            return None
        return min(0.5 * self.rtol**0.5 / largest, 1.0)

    def run_ode(self, fmax):
        # ASE's run_ode with the restored step size passed on
        try:
            ode12r(
                self.force_function,
                self.neb.get_positions().reshape(-1),
                h=self.initial_step(),
                fmax=fmax,
                rtol=self.rtol,
                C1=self.C1,
                C2=self.C2,
                steps=self.max_steps,
                verbose=self.verbose,
                callback=self.callback,
                residual=self.get_residual,
                apply_precon=None
                if self.precon is None
                else (lambda F, X: (self.precon @ F, self.get_residual(F))),
            )
            return True
        except OptimizerConvergenceError:
            return False


def make_optimizer(
    stage: Stage,
    band: NEB,
    logfile: str | None,
    on_step=None,
    precon: np.ndarray | None = None,
):
    """The resumable optimizer of ``stage`` on ``band``.

    Parameters
    ----------
    stage
        Which optimizer.
    band
        The NEB object it moves.
    logfile
        Optimizer log (``None``: silent).
    on_step
        Called with the optimizer's state before each force call (checkpoints).
    precon
        Inverse surrogate Hessian; used by the preconditioned stages only.
    """
    if stage.is_ode:
        return NormNEBOptimizer(
            band,
            method="ode",
            logfile=logfile,
            on_step=on_step,
            precon=precon if stage is Stage.ODE_PRECON else None,
        )
    if stage is Stage.BFGS_PRECON:
        cls = with_initial_hessian(resumable(BFGS))
        return cls(band, logfile=logfile, on_step=on_step, initial_hessian=np.linalg.inv(precon))
    cls = resumable({Stage.BFGS: BFGS, Stage.FIRE: FIRE}[stage])
    return cls(band, logfile=logfile, on_step=on_step)
