"""Watching a band: each step recorded and judged.

:class:`BandWatch` is attached to every optimizer stage as an observer: it
writes the images' trajectory frames, reports progress, and ends a stage that
stalls or fails its probation by raising :class:`Stalled`.
"""

from __future__ import annotations

from cudiss.workflows.neb.band import band_fmax

PRECON_PROBATION_STEPS = 3
"""Accepted steps within which the preconditioned ODE must halve the band's fmax.

Measured: 1-2 steps on the EMT cases, including surrogate-mismatched targets
(docs/neb.md).
"""


class Stalled(Exception):
    """Raised from an observer to hand a stuck band to the next optimizer."""


class BandWatch:
    """Observer of a band: writes trajectories, reports progress, detects stalls."""

    def __init__(self, band, writers, progress, patience: int, on_fmax=None) -> None:
        self.band, self.writers, self.progress, self.patience = band, writers, progress, patience
        self.on_fmax = on_fmax
        self.steps = 0
        self.fmax = float("inf")
        self.may_stall = False
        # Probation of a stage: within this many steps the band's fmax must halve
        # (or reach ``probation_floor``), else the stage is handed on (Stalled).
        self.probation: int | None = None
        self.probation_floor = 0.0
        self.probation_fmax: float | None = None
        self.reset_stall()

    def reset_stall(self) -> None:
        self.best = float("inf")
        self.since_best = 0

    def __call__(self) -> None:
        # Forces first: a trajectory frame reads the calculator's results, which
        # GPAW only has after a calculation (cached, so this costs nothing new).
        self.fmax = band_fmax(self.band.get_forces())
        if self.on_fmax is not None:
            self.on_fmax(self.fmax)
        for writer in self.writers:
            writer.write()
        if self.progress is not None:
            self.progress(self.steps, self.fmax)
        self.steps += 1
        if self.fmax < 0.98 * self.best:
            self.best, self.since_best = self.fmax, 0
        else:
            self.since_best += 1
        if self.may_stall and self.since_best >= self.patience:
            raise Stalled
        if self.probation is not None:
            if self.probation_fmax is None:
                self.probation_fmax = self.fmax
            elif self.fmax <= max(0.5 * self.probation_fmax, self.probation_floor):
                self.probation = None  # passed
            else:
                self.probation -= 1
                if self.probation <= 0:
                    self.probation = None
                    raise Stalled

    @property
    def state(self) -> tuple:
        """What a checkpoint needs to continue watching (steps, stall and probation)."""
        return (
            self.steps,
            self.best,
            self.since_best,
            self.fmax,
            self.probation,
            self.probation_fmax,
        )

    @state.setter
    def state(self, value: tuple) -> None:
        self.steps, self.best, self.since_best, self.fmax, self.probation, self.probation_fmax = (
            value
        )
