"""Calculators behind one parameter: EMT for dry runs, GPAW with named presets.

A :class:`CalculatorSpec` is plain data (it goes into every result document and
through jobflow serialisation); :meth:`CalculatorSpec.build` turns it into a
fresh ASE calculator. Switching EMT <-> GPAW is the one field ``code``.

GPAW presets (every key can be overridden one by one through ``overrides``):

``test``
    Small cells on 2-core machines: plane waves at 250 eV, PBE, k-points
    (2, 2, 1), Fermi-Dirac 0.1 eV. On a 2x2 Cu(100)+adatom cell PW(250) gives
    the same CI-NEB barrier as PW(400) (0.542 eV) and is cheaper and closer to
    converged than LCAO dzp (../shared/CALIBRATION.md).
``production``
    Plane waves at 450 eV, PBE (set ``xc: RPBE`` to switch), k-point density
    4.0 points per Å^-1 in the surface plane, Fermi-Dirac 0.1 eV, tighter SCF
    convergence and a dipole correction along z for asymmetric slabs (only the
    top side carries adsorbates).

Both presets switch off point-group symmetry: relaxations and NEB images move
atoms off the symmetry GPAW detects at the start, which stops the run with a
``SymmetryBrokenError`` (time-reversal symmetry of the k-points is kept).

Adaptive SCF accuracy: a GPAW calculator from :meth:`CalculatorSpec.build` is an
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

import copy
from typing import Any, Literal

from ase.calculators.calculator import Calculator, all_changes
from pydantic import BaseModel, ConfigDict, Field, field_validator

from cudiss.structures.errors import CudissInputError
from cudiss.workflows.recovery import RecoveringCalculator

GPAW_PRESETS: dict[str, dict[str, Any]] = {
    "test": {
        "mode": {"name": "pw", "ecut": 250},
        "xc": "PBE",
        "kpts": {"size": [2, 2, 1]},
        "occupations": {"name": "fermi-dirac", "width": 0.1},
        "convergence": {"energy": 5e-4, "density": 1e-4},
        "symmetry": {"point_group": False},
    },
    "production": {
        "mode": {"name": "pw", "ecut": 450},
        "xc": "PBE",
        "kpts": {"density": 4.0, "gamma": True},
        "occupations": {"name": "fermi-dirac", "width": 0.1},
        "convergence": {"energy": 1e-4, "density": 1e-5},
        "poissonsolver": {"dipolelayer": "xy"},
        "symmetry": {"point_group": False},
    },
}

CalculatorCode = Literal["emt", "gpaw"]

# GPAW's SCF defaults (gpaw.new.scf.create_convergence_criteria), filled in where a
# preset leaves a criterion out.
GPAW_DEFAULT_CONVERGENCE: dict[str, float] = {"energy": 5e-4, "density": 1e-4, "eigenstates": 4e-8}
FORCE_ERROR_PER_DENSITY_ERROR = 200.0
"""eV/Å of force error per unit of GPAW's density error (electrons / valence electron).

Measured on the GPAW adatom hop (PW 250 eV, cold and warm SCF runs traced to
convergence, bench/experiments/NOTES.md): between 60 and 220; 200 keeps the
force error of a loosened SCF at or below the requested tolerance.
"""
LOOSEST_DENSITY = 1e-3
"""Density criterion never loosened beyond this (force errors ~0.1-0.2 eV/Å there)."""


def _merge(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """Merge ``overrides`` into ``base`` key by key (nested dicts merged too)."""
    merged = copy.deepcopy(base)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


class CalculatorSpec(BaseModel):
    """Which calculator to use, as data.

    Parameters
    ----------
    code
        ``"emt"`` (ASE's effective-medium theory: seconds, qualitative) or
        ``"gpaw"``.
    preset
        GPAW preset name (see the module docstring); ignored for EMT.
    overrides
        GPAW keyword arguments that replace the preset's, key by key; nested
        dicts (``mode``, ``convergence``...) are merged.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: CalculatorCode = "emt"
    preset: str = "test"
    overrides: dict[str, Any] = Field(default_factory=dict)

    @field_validator("preset")
    @classmethod
    def _known_preset(cls, value: str) -> str:
        if value not in GPAW_PRESETS:
            raise ValueError(f"unknown GPAW preset {value!r}; choose from {sorted(GPAW_PRESETS)}")
        return value

    def parameters(self) -> dict[str, Any]:
        """The keyword arguments the calculator is built with (stored with results)."""
        if self.code == "emt":
            return dict(self.overrides)
        return _merge(GPAW_PRESETS[self.preset], self.overrides)

    def label(self) -> str:
        """A short name for tables and logs, e.g. ``gpaw-test`` or ``emt``."""
        return "emt" if self.code == "emt" else f"gpaw-{self.preset}"

    def build(self, txt: str | None = "gpaw.txt", **extra: Any) -> Calculator:
        """Return a fresh calculator.

        GPAW comes wrapped in :class:`~cudiss.workflows.recovery.RecoveringCalculator`,
        which retries a failed SCF with safer settings.

        Parameters
        ----------
        txt
            GPAW log file (relative to the working directory); ``None`` silences it.
        **extra
            Further keyword arguments for the calculator (e.g. a communicator).
        """
        if self.code == "emt":
            return make_calculator(self.code, self.parameters(), **extra)
        parameters = self.parameters()
        return AdaptiveScfCalculator(
            lambda rung: make_calculator(self.code, _merge(parameters, rung), txt=txt, **extra),
            parameters.get("convergence", {}),
        )


def make_calculator(
    code: CalculatorCode, parameters: dict[str, Any], txt: str | None = "gpaw.txt", **extra: Any
) -> Calculator:
    """Build an EMT or GPAW calculator from explicit parameters."""
    if code == "emt":
        from ase.calculators.emt import EMT

        return EMT(**parameters, **extra)
    try:
        from gpaw import GPAW
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise CudissInputError(
            "GPAW is not installed in this environment; run scripts/setup.sh"
        ) from exc
    return GPAW(**parameters, txt=txt, **extra)


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


def as_spec(value: CalculatorSpec | dict | str) -> CalculatorSpec:
    """Coerce ``"emt"``, ``"gpaw"``, ``"gpaw:production"`` or a dict into a spec."""
    if isinstance(value, CalculatorSpec):
        return value
    if isinstance(value, str):
        code, _, preset = value.partition(":")
        if code not in ("emt", "gpaw"):
            raise CudissInputError(f"unknown calculator {code!r}; choose 'emt' or 'gpaw'")
        return CalculatorSpec(code=code, preset=preset or "test")  # type: ignore[arg-type]
    return CalculatorSpec.model_validate(value)


def software_versions() -> dict[str, str]:
    """Versions of the codes that produce results, stored with every result."""
    from importlib.metadata import PackageNotFoundError, version

    versions = {}
    for package in ("cudiss", "ase", "gpaw", "atomate2", "jobflow", "pymatgen", "numpy"):
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            continue
    return versions
