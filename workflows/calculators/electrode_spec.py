"""The electrode as data: SJM's target potential, jellium, tolerance and implicit water.

:class:`ElectrodeSpec` (with its :class:`SolventSpec`) is what a campaign's
``calculator: {electrode: ...}`` becomes; :func:`solvation_objects` turns the
solvent into GPAW's objects. Split from :mod:`cudiss.workflows.calculators.electrode`,
which runs SJM and re-exports both.
"""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field, field_validator

from cudiss.analysis.che import PH_RANGE, PotentialScale
from cudiss.analysis.electrode import SHE_ABSOLUTE_V, absolute_potential
from cudiss.workflows.errors import CheckedModel


class SolventSpec(CheckedModel):
    """Implicit water of SJM (GPAW's ``SJMPower12Potential`` cavity, linear dielectric).

    Parameters
    ----------
    u0_eV
        Strength of the repulsive cavity potential (eV).
    epsinf
        Static dielectric constant of the solvent.
    surface_tension_N_per_m
        Cavity surface tension (N/m).
    temperature_K
        Temperature of the cavity's Boltzmann factor (K).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    u0_eV: float = Field(0.180, gt=0)
    epsinf: float = Field(78.36, gt=1)
    surface_tension_N_per_m: float = Field(18.4e-3, ge=0)
    temperature_K: float = Field(298.15, gt=0)


class ElectrodeSpec(CheckedModel):
    """The electrode potential a GPAW calculation is held at, and how (SJM).

    Parameters
    ----------
    potential_V
        Target potential on ``scale`` (V); ``None`` runs at constant charge
        (``excess_electrons`` fixed), e.g. the solvated reference at zero charge.
    scale
        ``RHE`` or ``SHE`` (any case).
    pH
        pH of the electrolyte (converts RHE to SHE).
    tolerance_V
        Largest accepted deviation of the achieved from the target potential (V).
    excess_electrons
        Initial guess of the excess electrons (negative: electrons removed), or
        the fixed number at constant charge.
    slope_V_per_electron
        First guess of dU/dN for the electron-count search, negative (removing
        electrons raises the potential); ``None``: SJM's own guess from a
        capacitance of 10 µF/cm². Measured here: −5.2 V per electron on a 1×1
        Cu(111) cell (54 µF/cm²), so SJM's guess makes first steps ~5× too short.
    max_iterations
        Potential-equilibration attempts per geometry before SJM gives up.
    jellium_top_A, jellium_bottom_A
        Counter-charge region: negative top = distance below the cell top (Å);
        negative bottom = distance above the highest atom (Å).
    she_absolute_V
        0 V vs SHE on SJM's absolute scale (V).
    solvent
        The implicit water (:class:`SolventSpec`).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    potential_V: float | None
    scale: PotentialScale = "RHE"
    pH: float = Field(0.0, ge=PH_RANGE[0], le=PH_RANGE[1])
    tolerance_V: float = Field(0.01, gt=0, le=0.1)
    excess_electrons: float = 0.0
    slope_V_per_electron: float | None = Field(None, lt=0)
    max_iterations: int = Field(10, ge=1)
    jellium_top_A: float = -1.0
    jellium_bottom_A: float = -3.0
    she_absolute_V: float = SHE_ABSOLUTE_V
    solvent: SolventSpec = Field(default_factory=SolventSpec)

    @field_validator("scale", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @property
    def constant_potential(self) -> bool:
        """Whether the electron count follows a target potential (else it is fixed)."""
        return self.potential_V is not None

    def target_absolute_V(self) -> float | None:
        """SJM's target potential (work function, V); ``None`` at constant charge."""
        if self.potential_V is None:
            return None
        return absolute_potential(self.potential_V, self.scale, self.pH, self.she_absolute_V)

    def label(self) -> str:
        """Short text for tables and logs, e.g. ``-0.50 V RHE`` or ``+0.00 e (constant charge)``."""
        if self.potential_V is None:
            return f"{self.excess_electrons:+.2f} e (constant charge)"
        where = f" pH {self.pH:g}" if self.scale == "RHE" and self.pH else ""
        return f"{self.potential_V:+.2f} V {self.scale}{where}"

    def tag(self) -> str:
        """The label without spaces, for ids and file names: ``-0.50V_RHE_pH7``, ``+0.00e``."""
        if self.potential_V is None:
            return f"{self.excess_electrons:+.2f}e"
        where = f"_pH{self.pH:g}" if self.scale == "RHE" and self.pH else ""
        return f"{self.potential_V:+.2f}V_{self.scale}{where}"

    def sj_parameters(self) -> dict[str, Any]:
        """The ``sj`` dictionary of GPAW's SJM calculator."""
        sj: dict[str, Any] = {
            "excess_electrons": self.excess_electrons,
            "target_potential": self.target_absolute_V(),
            "tol": self.tolerance_V,
            "max_iters": self.max_iterations,
            "jelliumregion": {"top": self.jellium_top_A, "bottom": self.jellium_bottom_A},
        }
        if self.slope_V_per_electron is not None:
            sj["slope"] = self.slope_V_per_electron
        return sj


def solvation_objects(solvent: SolventSpec) -> dict[str, Any]:
    """GPAW's cavity, dielectric and interactions of ``solvent`` (imports GPAW)."""
    from ase.units import Pascal, m
    from gpaw.solvation import (
        EffectivePotentialCavity,
        GradientSurface,
        LinearDielectric,
        SurfaceInteraction,
    )
    from gpaw.solvation.sjm import SJMPower12Potential

    cavity = EffectivePotentialCavity(
        effective_potential=SJMPower12Potential(u0=solvent.u0_eV, unsolv_backside=False),
        temperature=solvent.temperature_K,
        surface_calculator=GradientSurface(),
    )
    tension = solvent.surface_tension_N_per_m * Pascal * m
    return {
        "cavity": cavity,
        "dielectric": LinearDielectric(epsinf=solvent.epsinf),
        "interactions": [SurfaceInteraction(surface_tension=tension)],
    }
