"""SCF failure recovery: retry a GPAW calculation with safer settings.

When GPAW's self-consistency loop does not converge it raises
``KohnShamConvergenceError``. :class:`RecoveringCalculator` wraps a GPAW
calculator and, on that error, rebuilds it one rung higher on
:data:`SCF_LADDER` and recomputes the same geometry. Once escalated it stays
on the safer rung for the rest of the run (the next geometry is similar and
would fail the same way). Every retry is recorded in :attr:`recoveries` and
ends up in the result documents; past the last rung the error propagates and
the job fails with a clear reason.

The ladder (each rung merged onto the calculator's own parameters):

1. Gentler density mixing (``beta`` 0.05, 5 old densities, weight 50) and up
   to 500 SCF iterations.
2. Also a wider Fermi smearing (0.2 eV) and a ``beta`` of 0.02 with up to 1000
   iterations; the smearing is part of the recorded parameters, so the energy
   change it causes is never silent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ase.calculators.calculator import Calculator, all_changes

SCF_LADDER: list[dict[str, Any]] = [
    {"mixer": {"beta": 0.05, "nmaxold": 5, "weight": 50.0}, "maxiter": 500},
    {
        "mixer": {"beta": 0.02, "nmaxold": 5, "weight": 100.0},
        "maxiter": 1000,
        "occupations": {"name": "fermi-dirac", "width": 0.2},
    },
]


def _scf_error() -> type[Exception]:
    from gpaw import KohnShamConvergenceError

    return KohnShamConvergenceError


class RecoveringCalculator(Calculator):
    """A GPAW calculator that climbs :data:`SCF_LADDER` when the SCF fails.

    Parameters
    ----------
    factory
        ``factory(rung_overrides)`` returns a fresh GPAW calculator with the
        given parameter overrides merged in (``{}`` for the original settings).
    ladder
        The rungs to try, in order.

    Attributes
    ----------
    recoveries
        One line per retry: which rung, and the error that caused it.
    """

    implemented_properties = ("energy", "free_energy", "forces")

    def __init__(
        self,
        factory: Callable[[dict[str, Any]], Calculator],
        ladder: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__()
        self.factory = factory
        self.ladder = SCF_LADDER if ladder is None else ladder
        self.rung = 0
        self.inner = factory({})
        self.recoveries: list[str] = []

    def calculate(self, atoms=None, properties=("energy",), system_changes=all_changes) -> None:
        super().calculate(atoms, properties, system_changes)
        error = _scf_error()
        while True:
            try:
                energy = self.inner.get_potential_energy(self.atoms)
                forces = self.inner.get_forces(self.atoms)
                break
            except error as exc:
                if self.rung >= len(self.ladder):
                    raise error(
                        f"SCF did not converge after {len(self.ladder)} recovery steps: {exc}"
                    ) from exc
                self.rung += 1
                self.recoveries.append(
                    f"SCF not converged ({' '.join(str(exc).split()) or type(exc).__name__}); "
                    f"retry with rung {self.rung}: {self.ladder[self.rung - 1]}"
                )
                self.inner = self.factory(self.ladder[self.rung - 1])
        # GPAW's forces are the gradient of its free energy, not of the
        # extrapolated "energy": keep both (EMT and the MLIPs give one value).
        free_energy = getattr(self.inner, "results", {}).get("free_energy", energy)
        self.results = {"energy": energy, "free_energy": free_energy, "forces": forces}

    def __getattr__(self, name: str) -> Any:
        # GPAW-specific queries (get_number_of_iterations, ...) go to the live calculator.
        if name in ("inner", "factory", "ladder"):
            raise AttributeError(name)
        return getattr(self.inner, name)
