"""Counting the force evaluations a calculator really performs.

The benchmarks and the NEB and relaxation documents report DFT force calls;
optimizers ask for forces more often than a calculator computes them (a second
``get_forces`` at the same positions is the calculator's cache). Counting is
done by wrapping ``get_forces`` on the calculator instance, so any calculator
with a ``get_forces(atoms)`` method is counted, including GPAW's new one, which
is not an ASE ``Calculator``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
from ase import Atoms

__all__ = ["ForceCallCounter", "count_force_calls"]


class ForceCallCounter:
    """Counts force evaluations at new positions, over any number of calculators.

    A call with the positions of the previous call on the same calculator is a
    cache hit and is not counted; a call that names no atoms is counted.
    """

    def __init__(self) -> None:
        self.count = 0
        self._watched: list[tuple[Any, bool, Any]] = []

    def attach(self, atoms: Atoms) -> None:
        """Count the calls of ``atoms.calc``, which may be made without atoms."""
        self.watch(atoms.calc, atoms)

    def watch(self, calc: Any, atoms: Atoms | None = None) -> None:
        """Wrap ``calc.get_forces``; ``atoms`` stands in when a call names none."""
        original = self._original(calc)
        last: list[np.ndarray | None] = [None]

        def counted(atoms_: Atoms | None = None, *args: Any, **kwargs: Any) -> np.ndarray:
            source = atoms_ if atoms_ is not None else atoms
            positions = source.get_positions() if source is not None else None
            if positions is None or last[0] is None or not np.array_equal(positions, last[0]):
                self.count += 1
                last[0] = positions
            return original(atoms_, *args, **kwargs)

        calc.get_forces = counted

    def release(self) -> None:
        """Give every watched calculator its own ``get_forces`` back."""
        for calc, had_own, original in reversed(self._watched):
            if had_own:
                calc.get_forces = original
            else:
                del calc.get_forces
        self._watched.clear()

    def _original(self, calc: Any) -> Any:
        original = calc.get_forces
        self._watched.append((calc, "get_forces" in vars(calc), original))
        return original


@contextmanager
def count_force_calls(calc: Any) -> Iterator[ForceCallCounter]:
    """Count ``calc``'s force evaluations at new positions while the block runs.

    ``calc.get_forces`` is put back on exit.
    """
    counter = ForceCallCounter()
    counter.watch(calc)
    try:
        yield counter
    finally:
        counter.release()
