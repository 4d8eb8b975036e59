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
"""

from __future__ import annotations

import copy
from typing import Any, Literal

from ase.calculators.calculator import Calculator
from pydantic import BaseModel, ConfigDict, Field, field_validator

from cudiss.structures.errors import CudissInputError

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
        from cudiss.workflows.recovery import RecoveringCalculator

        parameters = self.parameters()
        return RecoveringCalculator(
            lambda rung: make_calculator(self.code, _merge(parameters, rung), txt=txt, **extra)
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
