"""The potential-sweep columns of a barrier table: SJM barriers next to the CHE ones.

A potential sweep (``potentials`` in a campaign) leaves, per removal
configuration, one result per target potential from GPAW's solvated jellium
method (SJM, ``electrode == "constant-potential"``: its energies are grand
potentials at that potential, used as they are) and one zero-charge solvated
reference (``"constant-charge"``), which the CHE puts under bias like any
zero-charge result. Every result of a sweep names that reference in
``pzc_reference_id``. These columns set them side by side (energies in eV,
charges in e, potentials in V vs RHE):

``electrode``
    ``constant-potential`` (SJM), ``constant-charge`` (the zero-charge
    reference) or empty (no electrode).
``U_target_V_RHE``
    the potential an SJM run was asked for (``U_V_RHE`` is the one its initial
    state reached).
``U_pzc_V_RHE``
    the potential of zero charge: where the reference's initial state sat.
``dG_forward_CHE_eV(U)``, ``dG_reaction_CHE_eV(U)``
    on an SJM row: the reference's forward barrier and reaction energy put at
    the row's potential by the CHE (``che-bep`` with the table's β), the
    numbers the SJM ``dG_forward_eV(U)`` and ``dG_reaction_eV(U)`` compare with.
``dq_forward_e``, ``dq_reaction_e``
    excess electrons gained from the initial to the transition state and to the
    final state (> 0: the electrode charged the slab negatively on the way).
``slope_dE_forward_eV_per_V``
    dΔE‡/dU of the configuration: the least-squares slope of its SJM forward
    barriers against their target potentials (NaN below two potentials); on
    every row of the sweep, the reference's included.
``reference_config_id``
    the ``pzc_reference_id`` of the result (empty without an electrode).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from cudiss.analysis.barriers import barriers_at_potentials
from cudiss.analysis.documents import RemovalResult

NAN = float("nan")
#: The columns this module fills, in table order (``reference_config_id`` sits by ``config_id``).
SWEEP_COLUMNS: tuple[str, ...] = (
    "electrode",
    "U_target_V_RHE",
    "U_pzc_V_RHE",
    "dG_forward_CHE_eV(U)",
    "dG_reaction_CHE_eV(U)",
    "dq_forward_e",
    "dq_reaction_e",
    "slope_dE_forward_eV_per_V",
)
#: What a Markdown/LaTeX table adds to its compact set when it holds SJM rows.
SWEEP_COMPACT_COLUMNS: tuple[str, ...] = (
    "electrode",
    "U_target_V_RHE",
    "dG_forward_CHE_eV(U)",
    "dE_reaction_eV",
    "dG_reaction_CHE_eV(U)",
    "dq_forward_e",
    "slope_dE_forward_eV_per_V",
)

#: What the note under a table with SJM rows says about them.
SWEEP_NOTE = (
    "Constant-potential rows: GPAW SJM barriers (grand potentials) at the potential the "
    "initial state reached, used as they are; the CHE columns put the zero-charge solvated "
    "reference of the same configuration at that potential; dΔE‡/dU is the least-squares "
    "slope over the target potentials (V vs RHE); no dissolution numbers on these rows "
    "(read them from the reference)."
)


def _num(x: float | None) -> float:
    return NAN if x is None or not math.isfinite(x) else float(x)


def electrode_row(result: RemovalResult) -> dict[str, object]:
    """The sweep columns one result fills by itself (the others need the whole table)."""
    return {
        "electrode": result.electrode or "",
        "reference_config_id": result.pzc_reference_id or "",
        "U_target_V_RHE": _num(result.electrode_target_V_RHE),
        "dq_forward_e": _num(result.charge_transferred_e),
        "dq_reaction_e": _num(result.charge_transferred_final_e),
        "dG_forward_CHE_eV(U)": NAN,
        "dG_reaction_CHE_eV(U)": NAN,
        "U_pzc_V_RHE": NAN,
        "slope_dE_forward_eV_per_V": NAN,
    }


def barrier_slope(potentials_V_RHE: Sequence[float], barriers_eV: Sequence[float]) -> float:
    """dΔE‡/dU (eV/V): least-squares slope of barriers against potentials.

    Pairs with a non-finite number are left out; fewer than two distinct
    potentials give NaN.

    Examples
    --------
    0.50 eV at −0.5 V and 0.40 eV at 0 V: (0.40 − 0.50) / (0 − (−0.5)) = −0.2 eV/V.

    >>> round(barrier_slope([-0.5, 0.0], [0.50, 0.40]), 6)
    -0.2
    >>> barrier_slope([-0.5], [0.5])
    nan
    """
    pairs = [
        (float(u), float(e))
        for u, e in zip(potentials_V_RHE, barriers_eV, strict=True)
        if math.isfinite(u) and math.isfinite(e)
    ]
    if len({u for u, _ in pairs}) < 2:
        return NAN
    u, e = np.array(pairs).T
    return float(np.polyfit(u, e, 1)[0])


def _slopes(results: Sequence[RemovalResult]) -> dict[str, float]:
    """dΔE‡/dU per reference id, from the constant-potential results that name it."""
    points: dict[str, tuple[list[float], list[float]]] = {}
    for res in results:
        if res.electrode == "constant-potential" and res.pzc_reference_id:
            u, e = points.setdefault(res.pzc_reference_id, ([], []))
            u.append(_num(res.electrode_target_V_RHE))
            e.append(_num(res.forward_barrier_eV))
    return {key: barrier_slope(u, e) for key, (u, e) in points.items()}


def fill_sweep_columns(
    df: pd.DataFrame, results: Sequence[RemovalResult], beta: float
) -> pd.DataFrame:
    """``df`` (rows of :func:`~cudiss.analysis.tables.barrier_table`) with the CHE
    comparison, the potential of zero charge and the slope filled in.

    Parameters
    ----------
    df : pandas.DataFrame
        The table, with the columns of :func:`electrode_row` on every row.
    results : sequence of RemovalResult
        The results the table was built from (the references are looked up here).
    beta : float
        Transfer coefficient of the CHE end-state shift of the references.

    Returns
    -------
    pandas.DataFrame
        ``df`` changed in place and returned.
    """
    by_id = {res.config_id: res for res in results}
    slopes = _slopes(results)
    for i, row in df.iterrows():
        key = row["reference_config_id"]
        if not key:
            continue
        df.at[i, "slope_dE_forward_eV_per_V"] = slopes.get(key, NAN)
        reference = by_id.get(key)
        if reference is None:
            continue
        df.at[i, "U_pzc_V_RHE"] = _num(reference.initial_potential_V_RHE)
        if row["electrode"] == "constant-potential":
            (che,) = barriers_at_potentials(reference, [row["U_V_RHE"]], "che-bep", beta=beta)
            df.at[i, "dG_forward_CHE_eV(U)"] = _num(che.forward_eV)
            df.at[i, "dG_reaction_CHE_eV(U)"] = _num(che.reaction_eV)
    return df


def has_sweep_rows(df: pd.DataFrame) -> bool:
    """Whether a table holds constant-potential (SJM) rows."""
    return "electrode" in df and bool((df["electrode"] == "constant-potential").any())
