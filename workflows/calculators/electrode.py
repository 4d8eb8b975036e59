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

from cudiss.analysis.electrode import (
    potential_from_absolute,
)
from cudiss.workflows.calculators.adaptive import AdaptiveScfCalculator
from cudiss.workflows.calculators.electrode_spec import (
    ElectrodeSpec,
    SolventSpec,
    solvation_objects,
)
from cudiss.workflows.calculators.parameters import merge_parameters
from cudiss.workflows.errors import SettingsError
from cudiss.workflows.schemas import ElectrodeRecord

__all__ = [
    "LOOSE_POTENTIAL_TOLERANCE_V",
    "POTENTIAL_LADDER",
    "ElectrodeCalculator",
    "ElectrodeSpec",
    "SolventSpec",
    "check_electrode_mode",
    "electrode_calculator",
    "sjm_calculator",
    "solvation_objects",
]


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


LOOSE_POTENTIAL_TOLERANCE_V = 0.05
"""SJM's potential tolerance while an NEB band is far from converged, V.

About ten times SJM's work-function scatter at a fixed electron count
(±0.004 V on the sjm-test preset, docs/constant-potential.md); at the measured
dU/dN of -0.6 V/e it leaves the count within ~0.08 e of its target.
"""


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
        self.potential_loose = False
        self.computed: float | None = None  # excess electrons of the last state computed
        super().__init__(lambda rung: build(rung, self.electrode), convergence)

    def check_state(self, atoms: Atoms, tol: float = 1e-15) -> list[str]:
        return super().check_state(_open_along_z(atoms), tol)

    def set_force_tolerance(self, tolerance: float | None) -> None:
        """Loosen the potential tolerance while a driver needs rough forces only.

        The SCF criteria stay the preset's: ``set(convergence=...)`` on GPAW's
        legacy SJM drops its eigensolver, and SJM's next background-charge update
        then resets it (``AttributeError: 'NoneType' object has no attribute
        'reset'``, seen on the second band step of a GPAW SJM NEB with loosened
        early SCF). What loosens instead is the electron count's search, the bulk
        of SJM's extra cost (bench/sjm_results.json: 37 potential attempts for 18
        geometries at PZC - 0.2 V): with ``tolerance`` set, the potential need
        only be within :data:`LOOSE_POTENTIAL_TOLERANCE_V`, and SJM corrects the
        count after every geometry anyway (``always_adjust``, as GPAW's SJM
        documentation suggests for optimising structure and potential together),
        so the count converges along with the band in one SCF run per geometry.
        ``None`` restores the electrode's tolerance; :meth:`discard_loose_results`
        then re-converges the current geometry at it.
        """
        self.force_tolerance = None
        self.potential_loose = (
            tolerance is not None
            and self.electrode.constant_potential
            and LOOSE_POTENTIAL_TOLERANCE_V > self.electrode.tolerance_V
        )

    def _potential_search(self) -> dict[str, Any]:
        """SJM's ``tol`` (V) and ``always_adjust`` for the next calculation."""
        if self.potential_loose:
            return {"tol": LOOSE_POTENTIAL_TOLERANCE_V, "always_adjust": True}
        return {"tol": self.electrode.tolerance_V, "always_adjust": False}

    def _apply_potential_search(self) -> None:
        """Give SJM the tolerance of :meth:`_potential_search` if it has another one.

        At constant charge it never has (:meth:`set_force_tolerance` keeps the
        search tight there): SJM would compare a changed tolerance with its
        target potential, which is then None.
        """
        search = self._potential_search()
        sj = self.inner.parameters["sj"]
        if all(sj.get(key) == value for key, value in search.items()):
            return
        if sj.get("always_adjust") and not search["always_adjust"] and self.computed is not None:
            # SJM moved the count on to its guess for a next geometry; tightening
            # on this one must step from the count its state was computed with,
            # or the correction is applied twice
            sj["excess_electrons"] = self.computed
        self.inner.set(sj=search)  # SJM's own set: no reinitialisation

    def calculate(self, atoms=None, properties=("energy",), system_changes=all_changes) -> None:
        opened = _open_along_z(atoms) if atoms is not None else None
        error = _potential_error()
        while True:
            self._apply_potential_search()
            try:
                super().calculate(opened, properties, system_changes)
                break
            except error as exc:
                self._climb_potential_ladder(exc)
        self.loose = self.potential_loose
        self.computed = self._computed_excess_electrons()
        self.results["electrode_potential"] = float(self.inner.get_electrode_potential())
        self.results["excess_electrons"] = self.computed

    def _computed_excess_electrons(self) -> float:
        """The excess electrons of the state just computed (e).

        With ``always_adjust`` SJM has already moved ``sj['excess_electrons']``
        on to its guess for the next geometry; the jellium of the density holds
        the count the energy and forces belong to.
        """
        jellium = getattr(getattr(self.inner, "density", None), "background_charge", None)
        if jellium is not None and hasattr(jellium, "charge"):
            return float(jellium.charge)
        return float(self.inner.parameters["sj"]["excess_electrons"])

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
