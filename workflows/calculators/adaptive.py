"""SCF accuracy that follows the force accuracy a driver asks for.

A GPAW calculator from :meth:`CalculatorSpec.build` is an
:class:`AdaptiveScfCalculator`. A driver that only needs rough forces for now
(an NEB band far from converged) calls ``calc.set_force_tolerance(tol)``; the
next SCF runs stop at a looser density criterion (:func:`scf_convergence_for`),
keeping the wave functions. ``set_force_tolerance(None)`` restores the preset's
criteria for the next calculations; ``discard_loose_results()`` makes the
current geometry re-converge in place with them, so that the energies and
forces a driver finally reports come from the preset's criteria (``calc.loose``
tells whether they do not). Without these calls nothing changes.
"""

from __future__ import annotations

from typing import Any

from ase.calculators.calculator import all_changes

from cudiss.workflows.calculators.recovery import RecoveringCalculator

# GPAW's SCF defaults (gpaw.new.scf.create_convergence_criteria), filled in where a
# preset leaves a criterion out.
GPAW_DEFAULT_CONVERGENCE: dict[str, float] = {"energy": 5e-4, "density": 1e-4, "eigenstates": 4e-8}
FORCE_ERROR_PER_DENSITY_ERROR = 200.0
"""eV/Å of force error per unit of GPAW's density error (electrons / valence electron).

Measured on the GPAW adatom hop (PW 250 eV, cold and warm SCF runs traced to
convergence, docs/neb.md): between 60 and 220; 200 keeps the
force error of a loosened SCF at or below the requested tolerance.
"""
LOOSEST_DENSITY = 1e-3
"""Density criterion never loosened beyond this (force errors ~0.1-0.2 eV/Å there)."""


def scf_convergence_for(base: dict[str, Any], force_tolerance: float | None) -> dict[str, Any]:
    """GPAW ``convergence`` for forces needed only to about ``force_tolerance`` eV/Å.

    The density criterion becomes ``force_tolerance / FORCE_ERROR_PER_DENSITY_ERROR``,
    never tighter than ``base``'s and never looser than :data:`LOOSEST_DENSITY`; the
    eigenstate criterion is scaled by the square of the same factor (a residual
    norm squared); energy and any other criteria are kept. ``None`` returns
    ``base`` with GPAW's defaults filled in.
    """
    full = {**GPAW_DEFAULT_CONVERGENCE, **base}
    if force_tolerance is None:
        return full
    density = float(full["density"])
    loose = min(max(force_tolerance / FORCE_ERROR_PER_DENSITY_ERROR, density), LOOSEST_DENSITY)
    factor = loose / density
    if factor <= 1.0:
        return full
    return {**full, "density": loose, "eigenstates": float(full["eigenstates"]) * factor**2}


def set_scf_convergence(calc: Any, convergence: dict[str, Any]) -> None:
    """Change a live GPAW calculator's SCF criteria, keeping its wave functions and density.

    New GPAW (``gpaw.new.ase_interface.ASECalculator``, what ``GPAW(...)`` returns in
    GPAW 26.7 for these presets) has no ``set`` for it: its parameters are updated
    (used whenever it rebuilds its DFT object) and the running SCF loop gets fresh
    criteria objects. Old GPAW's ``calc.set(convergence=...)`` keeps the wave
    functions and density and only clears the results.
    """
    if getattr(calc, "old", True) is False and hasattr(calc, "params"):
        from gpaw.new.scf import create_convergence_criteria

        calc.params.convergence = dict(convergence)
        dft = getattr(calc, "_dft", None)
        if dft is not None:
            dft.scf_loop.convergence = create_convergence_criteria(
                {key: value for key, value in convergence.items() if key != "bands"}
            )
            _set_eigensolver_target(dft.scf_loop.eigensolver, convergence)
        return
    calc.set(convergence=dict(convergence))


def _set_eigensolver_target(eigensolver: Any, convergence: dict[str, Any]) -> None:
    """Give a live new-GPAW eigensolver the eigenstate criterion it was not built with.

    GPAW 26.7's PW eigensolvers copy the ``eigenstates`` criterion when they are
    built (``residual_target``); PPCG also turns it into its inner-loop breakout
    tolerance on its first iteration. Left alone, a calculator built with loose
    criteria would keep breaking out early under tight ones (measured: warm SCF
    runs of 16 instead of ~12 iterations).
    """
    target = float(convergence.get("eigenstates", GPAW_DEFAULT_CONVERGENCE["eigenstates"]))
    if hasattr(eigensolver, "residual_target"):
        eigensolver.residual_target = target
    tolerances = getattr(eigensolver, "tolerances", None)
    if tolerances is not None and hasattr(eigensolver, "breakout_tolerance"):
        from ase.units import Ha

        eigensolver.tolerances = (*tuple(tolerances)[:2], target)
        eigensolver.breakout_tolerance = target / Ha**2


def _drop_results(calc: Any) -> None:
    """Make a GPAW calculator recompute the same geometry, from its current state."""
    dft = getattr(calc, "_dft", None)
    if dft is not None:  # new GPAW: an empty results dict means "SCF not done"
        dft.results = {}
    elif hasattr(calc, "results"):
        calc.results = {}


class AdaptiveScfCalculator(RecoveringCalculator):
    """A :class:`RecoveringCalculator` whose SCF criteria follow the accuracy asked for.

    Parameters
    ----------
    factory
        As for :class:`RecoveringCalculator`.
    convergence
        The preset's ``convergence`` (GPAW's defaults fill the gaps).

    Attributes
    ----------
    force_tolerance
        ``None`` (the preset's criteria, the default) or the force accuracy in eV/Å
        the next calculations need (:func:`scf_convergence_for`).
    loose
        The current results were computed with loosened criteria.
    """

    def __init__(self, factory, convergence: dict[str, Any]) -> None:
        super().__init__(factory)
        self.base_convergence = dict(convergence)
        self.force_tolerance: float | None = None
        self.loose = False
        self._applied: dict[int, dict[str, Any]] = {}

    def set_force_tolerance(self, tolerance: float | None) -> None:
        """Ask for forces to about ``tolerance`` eV/Å from the next calculation on.

        ``None``: the preset's criteria. Results already computed are kept
        (see :meth:`discard_loose_results`).
        """
        self.force_tolerance = tolerance

    def discard_loose_results(self) -> bool:
        """Drop results computed with loosened criteria; return whether there were any.

        The next energy/force request then re-converges the same geometry in
        place with the current criteria, starting from the loose wave functions
        (3-6 SCF iterations on the GPAW adatom hop).
        """
        if not self.loose:
            return False
        self.results = {}
        _drop_results(self.inner)
        self.loose = False
        return True

    def calculate(self, atoms=None, properties=("energy",), system_changes=all_changes) -> None:
        convergence = scf_convergence_for(self.base_convergence, self.force_tolerance)
        preset = scf_convergence_for(self.base_convergence, None)
        # A GPAW calculator is only touched when its criteria must change: one
        # that never gets a tolerance behaves exactly as plain GPAW. (A new inner
        # calculator after an SCF recovery starts from the preset's criteria.)
        applied = self._applied.get(id(self.inner), preset)
        if convergence != applied:
            set_scf_convergence(self.inner, convergence)
            self._applied = {id(self.inner): convergence}
        super().calculate(atoms, properties, system_changes)
        self.loose = self._applied.get(id(self.inner), preset) != preset
