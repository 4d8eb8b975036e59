"""The electrode fields of a removal result: potentials and excess charge along the path.

A removal flow run with an electrode (GPAW's SJM,
:class:`~cudiss.workflows.calculators.electrode.ElectrodeSpec`) leaves an
:class:`~cudiss.workflows.schemas.ElectrodeRecord` on each relaxation
(``electrode``) and on each interior NEB image (``image_electrodes``).
:func:`electrode_fields` turns them into the fields of
:class:`~cudiss.analysis.documents.RemovalResult`: how the electrode was held,
the target and reached potentials vs RHE, the excess electrons of the initial
state, the transition state (highest image) and the final state, and the
charge the slab gained between them. Potentials are converted with
:func:`cudiss.analysis.che.to_rhe`, the one place RHE/SHE conversions live.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cudiss.analysis.che import to_rhe
from cudiss.analysis.documents import ElectrodeMode
from cudiss.workflows.calculators import CalculatorSpec
from cudiss.workflows.potential_sweep import pzc_reference
from cudiss.workflows.schemas import CuNebResult, ElectrodeRecord

if TYPE_CHECKING:
    from cudiss.workflows.flows import RemovalConfig

__all__ = ["electrode_fields", "record_rhe", "transition_state_record"]


def record_rhe(record: ElectrodeRecord | None) -> float | None:
    """The potential a record reached, V vs RHE (``None`` without a record)."""
    if record is None:
        return None
    return to_rhe(record.potential_V, record.scale, record.pH)


def _record(doc: Any) -> ElectrodeRecord | None:
    """The electrode record of a relaxation document (``None``: none, or no document)."""
    return getattr(doc, "electrode", None) if doc is not None else None


def transition_state_record(
    neb: CuNebResult, initial: ElectrodeRecord | None, final: ElectrodeRecord | None
) -> ElectrodeRecord | None:
    """The electrode record of the band's highest image.

    The NEB records interior images only (its end points are the relaxations,
    ``None`` in ``image_electrodes``), so a band whose maximum is an end point
    takes that relaxation's record.
    """
    energies = list(neb.energies)
    if not energies:
        return None
    top = max(range(len(energies)), key=lambda i: energies[i])
    records = list(neb.image_electrodes)
    own = records[top] if top < len(records) else None
    if own is not None:
        return own
    if top == 0:
        return initial
    return final if top == len(energies) - 1 else None


def _difference(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


def electrode_fields(
    config: RemovalConfig,
    calculator: CalculatorSpec,
    relaxed_initial: Any,
    relaxed_final: Any,
    neb: CuNebResult | None,
) -> dict[str, Any]:
    """The electrode fields of the result of ``config`` run with ``calculator``.

    Parameters
    ----------
    config
        The removal configuration (its reference id is taken under the
        zero-charge reference calculator,
        :func:`~cudiss.workflows.potential_sweep.pzc_reference`).
    calculator
        The calculator the flow ran with; without an electrode there are no fields.
    relaxed_initial, relaxed_final
        The relaxation documents (``electrode`` read), or ``None`` if they failed.
    neb
        The NEB document (``energies``, ``image_electrodes``), or ``None``.

    Returns
    -------
    dict
        Keyword arguments of :class:`~cudiss.analysis.documents.RemovalResult`;
        empty without an electrode. A constant-potential run sets
        ``electrode_potential_V_RHE`` to the potential its initial state reached
        (the target if that relaxation failed), so the barrier model takes its
        energies as they are at that potential; a constant-charge run leaves it
        ``None``, so the CHE treats it like any zero-charge result.
    """
    electrode = calculator.electrode
    if electrode is None:
        return {}
    mode: ElectrodeMode = (
        "constant-potential" if electrode.constant_potential else "constant-charge"
    )
    initial, final = _record(relaxed_initial), _record(relaxed_final)
    ts = transition_state_record(neb, initial, final) if neb is not None else None
    q_initial, q_ts, q_final = (
        r.excess_electrons if r is not None else None for r in (initial, ts, final)
    )
    target = (
        to_rhe(electrode.potential_V, electrode.scale, electrode.pH)
        if electrode.potential_V is not None
        else None
    )
    reached = record_rhe(initial)
    return {
        "electrode": mode,
        "electrode_target_V_RHE": target,
        "electrode_potential_V_RHE": (reached if reached is not None else target)
        if mode == "constant-potential"
        else None,
        "initial_potential_V_RHE": reached,
        "excess_electrons_initial_e": q_initial,
        "excess_electrons_ts_e": q_ts,
        "excess_electrons_final_e": q_final,
        "charge_transferred_e": _difference(q_ts, q_initial),
        "charge_transferred_final_e": _difference(q_final, q_initial),
        "pzc_reference_id": config.config_id(pzc_reference(calculator)),
    }
