"""A constant electrode potential: GPAW's solvated jellium method (SJM) as data.

An :class:`ElectrodeSpec` on a :class:`~cudiss.workflows.calculators.CalculatorSpec`
turns a GPAW calculation into a grand-canonical one: implicit water above the
slab, a jellium counter charge in it, and the number of electrons adjusted
until the electrode's work function matches the target potential
(:func:`cudiss.analysis.electrode.absolute_potential`). The reported energy is
the grand potential Ω = E − μN that SJM pairs with its forces.

The defaults are those of GPAW's SJM tutorial and tests (implicit water of
Held and Walter, J. Chem. Phys. 141, 174108 (2014): repulsive cavity
potential u0 = 0.18 eV, ε∞ = 78.36, surface tension 18.4 mN/m, 298.15 K;
potential tolerance 0.01 V; jellium from 3 Å above the highest atom to 1 Å
below the cell top); every one can be changed here, key by key.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from ase import Atoms
from ase.calculators.calculator import all_changes
from pydantic import ConfigDict, Field, field_validator

from cudiss.analysis.che import PH_RANGE, PotentialScale
from cudiss.analysis.electrode import (
    SHE_ABSOLUTE_V,
    absolute_potential,
    potential_from_absolute,
)
from cudiss.workflows.calculators.adaptive import AdaptiveScfCalculator
from cudiss.workflows.calculators.parameters import merge_parameters
from cudiss.workflows.errors import CheckedModel, SettingsError
from cudiss.workflows.schemas import ElectrodeRecord


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


def check_electrode_mode(parameters: dict[str, Any]) -> None:
    """Refuse a GPAW mode SJM cannot hold at a potential (plane waves).

    Raises
    ------
    SettingsError
        ``mode`` is ``pw``: GPAW's legacy SJM has no PW mode and its new SJM gave
        forces about three times too large in PW (CALIBRATION.md; GPAW's own SJM
        tests skip PW).
    """
    mode = parameters.get("mode", {})
    name = mode.get("name") if isinstance(mode, dict) else mode
    if name == "pw":
        raise SettingsError(
            "an electrode potential (SJM) needs mode fd or lcao, not pw (GPAW's SJM has "
            "no working plane-wave forces); use preset sjm-test or overrides: {mode: {name: fd}}"
        )


def sjm_calculator(
    parameters: dict[str, Any], electrode: ElectrodeSpec, txt: str | None, **extra: Any
) -> Any:
    """A GPAW SJM calculator: ``parameters`` (GPAW keywords) held at ``electrode``.

    Raises
    ------
    SettingsError
        A plane-wave mode (:func:`check_electrode_mode`).
    """
    check_electrode_mode(parameters)
    from gpaw.solvation.sjm import SJM

    return SJM(
        **parameters,
        sj=electrode.sj_parameters(),
        txt=txt,
        **solvation_objects(electrode.solvent),
        **extra,
    )


def _open_along_z(atoms: Atoms) -> Atoms:
    """A copy of ``atoms`` that is not periodic along z (SJM's dipole layer needs it)."""
    copy = atoms.copy()
    copy.pbc = [bool(copy.pbc[0]), bool(copy.pbc[1]), False]
    return copy


#: What to try, in order, when SJM does not reach its target potential: a
#: description for the record and the ElectrodeSpec fields it changes.
POTENTIAL_LADDER: list[tuple[str, Callable[[ElectrodeSpec], dict[str, Any]]]] = [
    ("25 attempts", lambda e: {"max_iterations": max(25, e.max_iterations)}),
    (
        "restart from the neutral slab with SJM's own slope guess",
        lambda e: {"excess_electrons": 0.0, "slope_V_per_electron": None},
    ),
    ("twice the potential tolerance", lambda e: {"tolerance_V": 2 * e.tolerance_V}),
]


def _potential_error() -> type[Exception]:
    from gpaw.solvation.sjm import PotentialConvergenceError

    return PotentialConvergenceError


class ElectrodeCalculator(AdaptiveScfCalculator):
    """An SJM calculator behind the SCF and potential recovery ladders.

    cudiss's slabs are periodic along z (plane waves need it); SJM's dipole
    layer on a real-space grid refuses that, so the calculation sees a copy
    open along z, and a change of z periodicity alone is not a new geometry.
    ``results`` add ``electrode_potential`` (V, absolute scale) and
    ``excess_electrons`` to the grand-potential energy and the forces. When SJM
    does not reach the target potential, the electrode climbs
    :data:`POTENTIAL_LADDER` (kept for the rest of the run) and every step is
    recorded in ``recoveries``, as SCF retries are.

    Parameters
    ----------
    build
        ``build(scf_rung, electrode)`` returns a fresh SJM calculator.
    electrode
        The electrode as asked for.
    convergence
        The preset's SCF criteria.
    """

    implemented_properties = (
        "energy",
        "free_energy",
        "forces",
        "electrode_potential",
        "excess_electrons",
    )

    def __init__(
        self,
        build: Callable[[dict[str, Any], ElectrodeSpec], Any],
        electrode: ElectrodeSpec,
        convergence: dict[str, Any],
    ) -> None:
        self.electrode = electrode
        self.potential_rung = 0
        super().__init__(lambda rung: build(rung, self.electrode), convergence)

    def check_state(self, atoms: Atoms, tol: float = 1e-15) -> list[str]:
        return super().check_state(_open_along_z(atoms), tol)

    def set_force_tolerance(self, tolerance: float | None) -> None:
        """Keep the preset's SCF criteria: a live legacy SJM cannot change them.

        ``set(convergence=...)`` on GPAW's legacy SJM drops its eigensolver, and
        SJM's next background-charge update then resets it (``AttributeError:
        'NoneType' object has no attribute 'reset'``, seen on the second band step
        of a GPAW SJM NEB with loosened early SCF). So bands at an electrode run
        every step at the preset's criteria.
        """
        self.force_tolerance = None

    def calculate(self, atoms=None, properties=("energy",), system_changes=all_changes) -> None:
        opened = _open_along_z(atoms) if atoms is not None else None
        error = _potential_error()
        while True:
            try:
                super().calculate(opened, properties, system_changes)
                break
            except error as exc:
                self._climb_potential_ladder(exc)
        self.results["electrode_potential"] = float(self.inner.get_electrode_potential())
        self.results["excess_electrons"] = float(self.inner.parameters["sj"]["excess_electrons"])

    def record(self) -> ElectrodeRecord | None:
        """The potential and excess electrons of the last calculation (``None`` before one)."""
        if "electrode_potential" not in self.results:
            return None
        electrode = self.electrode
        absolute = self.results["electrode_potential"]
        return ElectrodeRecord(
            scale=electrode.scale,
            pH=electrode.pH,
            target_V=electrode.potential_V,
            potential_V=potential_from_absolute(
                absolute, electrode.scale, electrode.pH, electrode.she_absolute_V
            ),
            potential_absolute_V=absolute,
            excess_electrons=self.results["excess_electrons"],
            tolerance_V=electrode.tolerance_V,
        )

    def electrode_state(self) -> dict[str, Any]:
        """What a checkpoint keeps of the electrode: the spec as it now stands.

        SJM updates its electron count and its dU/dN slope after every geometry;
        they go into the spec (a positive or non-finite slope, which SJM can
        estimate from noisy attempts, is dropped), with the potential rung
        reached. :meth:`restore_electrode_state` starts from them again, so a
        resumed constant-potential run does not search the electron count anew.
        """
        sj = getattr(self.inner, "parameters", {}).get("sj", {})
        slope = sj.get("slope", self.electrode.slope_V_per_electron)
        usable = slope is not None and math.isfinite(slope) and slope < 0
        now = self.electrode.model_copy(
            update={
                "excess_electrons": float(
                    sj.get("excess_electrons", self.electrode.excess_electrons)
                ),
                "slope_V_per_electron": float(slope) if usable else None,
            }
        )
        return {"electrode": now.model_dump(), "potential_rung": self.potential_rung}

    def restore_electrode_state(self, state: dict[str, Any]) -> None:
        """Continue from :meth:`electrode_state`: a fresh SJM at the saved electron count."""
        self.electrode = ElectrodeSpec.model_validate(state["electrode"])
        self.potential_rung = int(state.get("potential_rung", 0))
        self.inner = self.factory(self.ladder[self.rung - 1] if self.rung else {})

    def _climb_potential_ladder(self, exc: Exception) -> None:
        """Rebuild SJM one rung higher on :data:`POTENTIAL_LADDER`, or re-raise ``exc``."""
        if self.potential_rung >= len(POTENTIAL_LADDER):
            raise type(exc)(
                f"potential not reached after {len(POTENTIAL_LADDER)} recovery steps: {exc}"
            ) from exc
        what, change = POTENTIAL_LADDER[self.potential_rung]
        self.potential_rung += 1
        self.electrode = self.electrode.model_copy(update=change(self.electrode))
        self.recoveries.append(
            f"potential not reached ({' '.join(str(exc).split())[:200]}); "
            f"retry with {what} (potential rung {self.potential_rung})"
        )
        self.inner = self.factory(self.ladder[self.rung - 1] if self.rung else {})


def electrode_calculator(
    parameters: dict[str, Any], electrode: ElectrodeSpec, txt: str | None, **extra: Any
) -> ElectrodeCalculator:
    """:func:`sjm_calculator` of ``parameters`` behind the SCF and potential ladders."""
    check_electrode_mode(parameters)
    return ElectrodeCalculator(
        lambda rung, now: sjm_calculator(merge_parameters(parameters, rung), now, txt, **extra),
        electrode,
        parameters.get("convergence", {}),
    )
