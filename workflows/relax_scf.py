"""Relaxations whose SCF accuracy follows the forces, as NEB bands' does.

Far from its minimum a relaxation needs forces only to a fraction of their
size: the first BFGS steps are long and their direction is what counts. An
optimizer made by :func:`scf_following` asks the calculator (cudiss's GPAW,
:class:`~cudiss.workflows.calculators.adaptive.AdaptiveScfCalculator`) for
forces to ``fraction`` times the largest force it just stepped on while that is
above ``tight_factor`` times the threshold, and for the preset's criteria
below; a geometry that passes the threshold on loose forces is re-converged in
place with the preset's criteria before the relaxation may stop, so the final
energy and forces are always the preset's. Calculators without
``set_force_tolerance`` (EMT, MLIPs) are left alone.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from ase.optimize.optimize import Optimizer


class ScfFollowingMixin:
    """Sets the calculator's force tolerance from the forces each step moves on."""

    def __init__(
        self,
        atoms: Any,
        *args: Any,
        scf_force_fraction: float = 0.5,
        scf_tight_factor: float = 3.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(atoms, *args, **kwargs)  # type: ignore[call-arg]
        self.scf_force_fraction = scf_force_fraction
        self.scf_tight_factor = scf_tight_factor
        self._follow(np.inf)  # the first evaluation: the loosest criteria

    def _calculator(self) -> Any:
        atoms = getattr(self.optimizable, "atoms", None)
        calc = getattr(atoms, "calc", None)
        return calc if hasattr(calc, "set_force_tolerance") else None

    def _follow(self, largest_force: float) -> None:
        """Ask the next evaluations for forces to about ``fraction * largest_force``."""
        calc = self._calculator()
        if calc is None:
            return
        loose = largest_force > self.scf_tight_factor * (getattr(self, "fmax", None) or 0.0)
        calc.set_force_tolerance(self.scf_force_fraction * largest_force if loose else None)

    def step(self, *args: Any, **kwargs: Any) -> None:
        # the forces this step moves on are cached: no new evaluation here
        largest = float(self.optimizable.gradient_norm(self.optimizable.get_gradient()))
        super().step(*args, **kwargs)  # type: ignore[misc]
        self._follow(largest)

    def gradient_converged(self, gradient: np.ndarray) -> bool:
        converged = super().gradient_converged(gradient)  # type: ignore[misc]
        calc = self._calculator()
        if not converged or calc is None or not getattr(calc, "loose", False):
            return converged
        # passed on loose forces: the same geometry again with the preset's criteria
        calc.set_force_tolerance(None)
        calc.discard_loose_results()
        return super().gradient_converged(self.optimizable.get_gradient())  # type: ignore[misc]


_FOLLOWING: dict[type, type] = {}


def scf_following(optimizer_class: type[Optimizer]) -> type[Optimizer]:
    """``optimizer_class`` with SCF accuracy following the forces (:class:`ScfFollowingMixin`).

    The class takes the extra keyword arguments ``scf_force_fraction`` and
    ``scf_tight_factor``.
    """
    if optimizer_class not in _FOLLOWING:
        _FOLLOWING[optimizer_class] = type(
            f"ScfFollowing{optimizer_class.__name__}", (ScfFollowingMixin, optimizer_class), {}
        )
    return _FOLLOWING[optimizer_class]
