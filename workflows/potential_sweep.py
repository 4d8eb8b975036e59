"""Potential sweeps: one campaign's removal configurations at several electrode potentials.

A campaign that lists ``potentials`` (V on the electrode's scale) runs every
removal configuration with GPAW's solvated jellium method (SJM) at each of
them, and once more at constant charge with zero excess electrons, the
solvated slab at its potential of zero charge (PZC): the reference whose
barriers the CHE puts under bias, next to which the table sets the SJM
barriers. The campaign file spells it::

    calculator: {code: gpaw, preset: sjm-test, electrode: {scale: RHE, pH: 7}}
    potentials: [-0.5, 0.0]        # V vs RHE at pH 7 (the electrode's scale)

The ``electrode`` mapping holds everything of the
:class:`~cudiss.workflows.calculators.electrode.ElectrodeSpec` but the
potential (scale, pH, tolerance, the first guess of the excess electrons...);
left out, it is RHE at pH 0 with GPAW's defaults. This module holds what the
campaign needs for that: reading the ``potentials`` key
(:func:`sweep_calculator_data`, :func:`check_potentials`), the calculators of
the sweep (:func:`sweep_calculators`, :func:`pzc_reference`) and the bulk
calculator without electrode (:func:`bulk_calculator`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from cudiss.workflows.calculators import CalculatorSpec
from cudiss.workflows.calculators.electrode import ElectrodeSpec
from cudiss.workflows.errors import CampaignError, SettingsError

__all__ = [
    "POTENTIAL_LIMIT_V",
    "bulk_calculator",
    "check_potentials",
    "pzc_reference",
    "sweep_calculator_data",
    "sweep_calculators",
]

#: Largest |U| a sweep accepts, V on the electrode's scale: Cu electrochemistry
#: lies within about ±2 V vs RHE, and 4.4 V (0 V SHE on SJM's absolute scale)
#: typed as a potential is a scale mistake, not a potential.
POTENTIAL_LIMIT_V = 3.0


def _code(calculator: object) -> str:
    """The code a campaign's raw ``calculator`` entry names (``emt`` when absent)."""
    if isinstance(calculator, str):
        return calculator.strip().lower().partition(":")[0]
    if isinstance(calculator, dict):
        return str(calculator.get("code", "emt")).strip().lower()
    return ""


def sweep_calculator_data(data: dict[str, Any]) -> dict[str, Any]:
    """Campaign data whose calculator carries the sweep's electrode at constant charge.

    With ``potentials`` given, the campaign's ``calculator`` is GPAW's with an
    electrode whose ``potential_V`` is ``None`` (filled in here): the template
    each potential of :func:`sweep_calculators` is set into. Data without
    ``potentials`` is returned as it is.

    Raises
    ------
    ValueError
        ``potentials`` with a code other than GPAW, or with the potential also
        given in ``calculator.electrode.potential_V`` (one line, the key first).
    """
    if data.get("potentials") is None:
        return data
    calculator = data.get("calculator", "emt")
    code = _code(calculator)
    if code != "gpaw":
        raise ValueError(
            f"potentials: a potential sweep runs GPAW's SJM and needs code gpaw, not "
            f"{code or calculator!r} (e.g. calculator: {{code: gpaw, preset: sjm-test}})"
        )
    if isinstance(calculator, str):
        preset = calculator.strip().lower().partition(":")[2]
        calculator = {"code": code, **({"preset": preset} if preset else {})}
    if not isinstance(calculator, dict):
        return data  # the calculator's own validation words it
    electrode = calculator.get("electrode") or {}
    if not isinstance(electrode, dict):
        return data
    if electrode.get("potential_V") is not None:
        raise ValueError(
            "potentials: give the potentials once, in potentials, not also in "
            "calculator.electrode.potential_V"
        )
    return {**data, "calculator": {**calculator, "electrode": {**electrode, "potential_V": None}}}


def check_potentials(potentials: Sequence[float]) -> list[float]:
    """The sweep's potentials (V on the electrode's scale) if they make a sweep.

    Raises
    ------
    ValueError
        An empty list, a number that is not finite or lies beyond
        :data:`POTENTIAL_LIMIT_V`, or a potential given twice.

    Examples
    --------
    >>> check_potentials([-0.5, 0.0])
    [-0.5, 0.0]
    """
    values = [float(u) for u in potentials]
    if not values:
        raise ValueError("give at least one potential (V), or leave potentials out")
    for u in values:
        if not math.isfinite(u):
            raise ValueError(f"must be finite numbers (got {u})")
        if abs(u) > POTENTIAL_LIMIT_V:
            raise ValueError(
                f"{u:g} V lies beyond ±{POTENTIAL_LIMIT_V:g} V; potentials are on the "
                "electrode's scale (RHE or SHE), not SJM's absolute one (0 V SHE = 4.4 V)"
            )
    seen: set[float] = set()
    for u in values:
        # the calculator's label rounds to 10 mV: closer potentials would share a name
        key = round(u, 2)
        if key in seen:
            raise ValueError(f"{u:+.2f} V given twice (potentials are told apart to 0.01 V)")
        seen.add(key)
    return values


def pzc_reference(calculator: CalculatorSpec) -> CalculatorSpec:
    """The zero-charge solvated reference of an electrode calculator.

    The same solvent, jellium and GPAW parameters at constant charge with no
    excess electrons: the neutral solvated slab, which sits at its potential
    of zero charge. Every calculator of one sweep gives the same reference,
    so its ``config_id`` ties a configuration's SJM results to their CHE row.

    Raises
    ------
    CampaignError
        ``calculator`` has no electrode.
    """
    if calculator.electrode is None:
        raise CampaignError(f"{calculator.label()}: no electrode, so no zero-charge reference")
    electrode = calculator.electrode.model_copy(
        update={"potential_V": None, "excess_electrons": 0.0}
    )
    return calculator.model_copy(update={"electrode": electrode})


def sweep_calculators(
    calculator: CalculatorSpec, potentials: Sequence[float]
) -> list[CalculatorSpec]:
    """The calculators of a sweep: the zero-charge reference, then one per potential.

    Parameters
    ----------
    calculator
        GPAW; its electrode (default: RHE at pH 0) gives every setting but the
        potential. Without one (``cudiss run --calculator gpaw:sjm-test``) the
        defaults are used.
    potentials
        Target potentials, V on the electrode's scale (:func:`check_potentials`).

    Raises
    ------
    CampaignError
        A code other than GPAW, or a mode SJM cannot run (plane waves), e.g.
        swapped in on the command line.
    """
    if calculator.code != "gpaw":
        raise CampaignError(
            f"potentials: a potential sweep runs GPAW's SJM and needs code gpaw, "
            f"not {calculator.code}"
        )
    template = calculator.electrode or ElectrodeSpec(potential_V=None)
    base = calculator.model_copy(update={"electrode": template})
    try:
        base.check()  # a plane-wave mode, say, swapped in on the command line
    except SettingsError as exc:
        raise CampaignError(f"potentials: {exc}") from None
    swept = [
        base.model_copy(update={"electrode": template.model_copy(update={"potential_V": u})})
        for u in check_potentials(potentials)
    ]
    return [pzc_reference(base), *swept]


def bulk_calculator(calculator: CalculatorSpec) -> CalculatorSpec:
    """``calculator`` without electrode: bulk Cu has no surface to charge or solvate.

    ``CalculatorSpec.build(kind="bulk")`` already builds plain GPAW; dropping the
    electrode from the spec too gives every potential of a sweep one bulk
    reference, under one key.
    """
    return calculator.model_copy(update={"electrode": None})
