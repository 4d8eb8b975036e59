"""ASE's BFGS started from a given Hessian instead of its 70 eV/Å² identity.

Used with a machine-learned or EMT Hessian: by relaxations pre-relaxed with an
MLIP (:mod:`cudiss.workflows.prerelax`) and by the NEB's preconditioned BFGS
stage (:mod:`cudiss.workflows.neb.optimizers`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from ase.optimize import BFGS
from ase.optimize.optimize import Optimizer

from cudiss.workflows.errors import SettingsError


class _InitialHessian:
    """Gives a BFGS optimizer a starting Hessian (``initial_hessian=`` keyword).

    ASE's BFGS builds its first Hessian from ``H0`` at its first step (``H0`` is
    ``alpha`` times the identity, set in ``initialize``); a restored optimizer
    has its own Hessian already (``state``) and ignores ``H0``. So ``H0`` is
    replaced after construction, and a run resumed from a checkpoint continues
    with the Hessian it had, updated by its own steps.
    """

    def __init__(self, atoms: Any, *args: Any, initial_hessian: Any = None, **kwargs: Any) -> None:
        super().__init__(atoms, *args, **kwargs)  # type: ignore[call-arg]
        if initial_hessian is None:
            return
        # a copy: BFGS updates its Hessian in place
        matrix = np.array(initial_hessian, dtype=float)
        n = self.optimizable.ndofs()  # type: ignore[attr-defined]
        if matrix.shape != (n, n):
            raise ValueError(f"initial_hessian must be {n} x {n}, got {matrix.shape}")
        if getattr(self, "state", None) is None:
            self.H0 = matrix


_WITH_HESSIAN: dict[type, type] = {}


def with_initial_hessian(optimizer_class: type[Optimizer]) -> type[Optimizer]:
    """``optimizer_class`` (ASE's BFGS or a subclass) taking ``initial_hessian=``.

    Works on the resumable classes of :func:`cudiss.workflows.checkpoint.resumable`.

    Raises
    ------
    SettingsError
        For an optimizer that is not BFGS (only BFGS starts from a Hessian).
    """
    if not issubclass(optimizer_class, BFGS):
        raise SettingsError(
            f"an MLIP Hessian needs the BFGS optimizer, got {optimizer_class.__name__}"
        )
    if optimizer_class not in _WITH_HESSIAN:
        _WITH_HESSIAN[optimizer_class] = type(
            f"{optimizer_class.__name__}WithHessian", (_InitialHessian, optimizer_class), {}
        )
    return _WITH_HESSIAN[optimizer_class]
