"""SJM barriers in the removal landscape: the lift TS and complex of a swept route at U.

A potential sweep leaves, per removal configuration, one zero-charge reference
(``electrode == "constant-charge"``; the route of the landscape) and one
constant-potential SJM result per target potential, each naming the reference
in ``pzc_reference_id``. With ``barriers="sjm"``
:func:`~cudiss.analysis.landscape.landscape_table` puts the SJM numbers of the
lift into the reference's route:

    lift TS         G1(U) + ΔE‡_SJM(U)
    Cu-ads complex  G1(U) + ΔE_rxn_SJM(U) + [corr(final) − corr(initial)]

ΔE‡_SJM and ΔE_rxn_SJM are grand-potential differences at the target potential
(V vs RHE); between two targets they are interpolated linearly in U, and at a
grid potential outside the targets they are not extrapolated: the route keeps
its zero-charge NEB numbers there and its ``note`` says so. G1(U), the
vibration corrections and every other point stay the CHE's. The column
``barrier_source`` says where each TS and complex number came from (one of
:data:`BARRIER_SOURCES`; ``"none"`` on the points without a lift number).
Energies in eV, potentials in V vs RHE.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
import pandas as pd

from cudiss.analysis.documents import RemovalResult
from cudiss.structures.errors import CudissInputError

#: Where the landscape takes its lift barriers from: the zero-charge NEB under the
#: CHE (``che``) or, on routes with a potential sweep, the SJM results (``sjm``).
LandscapeBarriers = Literal["che", "sjm"]
LANDSCAPE_BARRIERS: tuple[str, ...] = get_args(LandscapeBarriers)

FROM_NEB = "zero-charge NEB"
FROM_SJM = "SJM at U"
FROM_SJM_INTERPOLATED = "SJM interpolated"
FROM_NEB_OUTSIDE = "zero-charge NEB (outside SJM range)"
#: Every value of ``barrier_source`` on the TS and complex rows; the SJM ones.
BARRIER_SOURCES = (FROM_NEB, FROM_SJM, FROM_SJM_INTERPOLATED, FROM_NEB_OUTSIDE)
SJM_SOURCES = (FROM_SJM, FROM_SJM_INTERPOLATED)
#: ``barrier_source`` on the points that carry no lift number (0, 1, 4).
NO_BARRIER = "none"
#: Points whose G holds a lift number: the TS and the complex.
LIFT_POINTS = (2, 3)
#: Two potentials closer than this (V) are the same one (the sweep labels have 0.01 V).
SAME_POTENTIAL_V = 1e-3

APPROX_SJM = (
    "SJM barriers (barriers=sjm) where barrier_source says SJM: lift TS = G1(U) + ΔE‡_SJM(U), "
    "complex = G1(U) + ΔE_rxn_SJM(U) + the reference's vibration correction. G1(U) is the "
    "CHE free energy of the adsorbed state (zero-charge energies shifted by n e U); "
    "ΔE‡_SJM and ΔE_rxn_SJM are grand-potential differences of GPAW SJM runs at constant "
    "potential, interpolated linearly between their target potentials (V vs RHE, as "
    "recorded at the sweep's pH) and never extrapolated. Two electrode models are "
    "combined, not one calculation: the SJM step carries field and charge the CHE states lack"
)
#: Also in the approximations: what became of the constant-potential results.
SJM_USED = (
    "constant-potential results are no routes; those naming a zero-charge reference in the "
    "table give the lift numbers of its route"
)


def check_barriers(value: str) -> LandscapeBarriers:
    """``che`` or ``sjm`` (any case), else a one-line :class:`CudissInputError`."""
    name = str(value).strip().lower()
    if name not in LANDSCAPE_BARRIERS:
        raise CudissInputError(f"barriers must be {' or '.join(LANDSCAPE_BARRIERS)}, got {value!r}")
    return name  # type: ignore[return-value]


@dataclass(frozen=True)
class SjmSweep:
    """The SJM lift numbers of one configuration, sorted by target potential.

    Attributes
    ----------
    potentials_V_RHE : tuple of float
        Target potentials (V vs RHE), increasing; empty if no SJM result has numbers.
    forward_eV, reaction_eV : tuple of float
        ΔE‡ and ΔE_rxn at each target (eV, grand-potential differences).
    note : str
        What the route's rows should say about the sweep (unconverged or failed
        SJM runs, a potential given twice); ``""`` if nothing.
    """

    potentials_V_RHE: tuple[float, ...]
    forward_eV: tuple[float, ...]
    reaction_eV: tuple[float, ...]
    note: str = ""

    def at(self, u_rhe: float) -> tuple[float, float, str] | None:
        """(ΔE‡, ΔE_rxn, source) at ``u_rhe`` (V vs RHE); None outside the targets.

        Examples
        --------
        ΔE‡ 0.40 eV at −0.5 V and 0.30 eV at 0 V: at −0.25 V, 0.40 + 0.5 × (0.30 − 0.40) = 0.35.

        >>> sweep = SjmSweep((-0.5, 0.0), (0.40, 0.30), (0.10, 0.20))
        >>> fwd, rxn, source = sweep.at(-0.25)
        >>> round(fwd, 6), round(rxn, 6), source
        (0.35, 0.15, 'SJM interpolated')
        >>> sweep.at(0.3) is None
        True
        """
        us = self.potentials_V_RHE
        for k, u in enumerate(us):
            if abs(u - u_rhe) <= SAME_POTENTIAL_V:
                return self.forward_eV[k], self.reaction_eV[k], FROM_SJM
        if not us or not us[0] < u_rhe < us[-1]:
            return None
        fwd = float(np.interp(u_rhe, us, self.forward_eV))
        return fwd, float(np.interp(u_rhe, us, self.reaction_eV)), FROM_SJM_INTERPOLATED

    def outside_note(self, u_rhe: float) -> str:
        """What a row at ``u_rhe`` outside the targets says."""
        low, high = self.potentials_V_RHE[0], self.potentials_V_RHE[-1]
        span = f"{low:+.2f} V" if low == high else f"{low:+.2f} to {high:+.2f} V"
        return (
            f"SJM lift numbers only at {span} vs RHE: zero-charge NEB kept at "
            f"{u_rhe:+.2f} V (not extrapolated)"
        )


def _finite(*values: float | None) -> bool:
    return all(v is not None and math.isfinite(v) for v in values)


def _target(res: RemovalResult) -> float | None:
    # The potential the run was asked for; older documents may hold only the reached one.
    if res.electrode_target_V_RHE is not None:
        return res.electrode_target_V_RHE
    return res.electrode_potential_V_RHE


def sjm_sweeps(removals: Sequence[RemovalResult]) -> dict[str, SjmSweep]:
    """The SJM lift numbers of every swept configuration, by its reference's config_id.

    A constant-potential result counts when it names its reference
    (``pzc_reference_id``) and has a target potential; one that failed or lacks
    ΔE‡ or ΔE_rxn is left out, one that did not converge is used as found; both
    are said in the note. Of two results at the same target (within 1 mV) the
    first is kept.
    """
    groups: dict[str, list[RemovalResult]] = {}
    for res in removals:
        if res.electrode == "constant-potential" and res.pzc_reference_id and _finite(_target(res)):
            groups.setdefault(res.pzc_reference_id, []).append(res)
    out = {}
    for key, group in groups.items():
        points: list[tuple[float, float, float]] = []
        notes = []
        for res in sorted(group, key=_target):
            u = float(_target(res))
            where = f"SJM at {u:+.2f} V"
            if res.state == "failed" or not _finite(res.forward_barrier_eV, res.reaction_energy_eV):
                notes.append(f"{where}: no lift numbers ({res.state}), left out")
            elif points and abs(points[-1][0] - u) <= SAME_POTENTIAL_V:
                notes.append(f"{where} twice: the first kept")
            else:
                if res.state != "successful":
                    notes.append(f"{where}: NEB {res.state}, barrier as found")
                points.append((u, float(res.forward_barrier_eV), float(res.reaction_energy_eV)))
        us, fwd, rxn = (tuple(col) for col in zip(*points, strict=True)) if points else ((),) * 3
        out[key] = SjmSweep(us, fwd, rxn, "; ".join(notes))
    return out


def _join(*parts: str) -> str:
    return "; ".join(p for p in parts if p)


def apply_sjm_barriers(df: pd.DataFrame, removals: Sequence[RemovalResult]) -> pd.DataFrame:
    """Put the SJM lift numbers into the TS and complex rows of the swept routes.

    Parameters
    ----------
    df : pandas.DataFrame
        A landscape table (:func:`~cudiss.analysis.landscape.landscape_table`
        with ``barriers="che"``): ``barrier_source`` is ``"zero-charge NEB"`` on
        every TS and complex row.
    removals : sequence of RemovalResult
        Everything the table was built from, the SJM results included.

    Returns
    -------
    pandas.DataFrame
        ``df`` changed in place and returned: on a route with SJM numbers the
        TS row's G is shifted by ΔE‡_SJM(U) − ΔE‡_ref and the complex row's by
        ΔE_rxn_SJM(U) − ΔE_rxn_ref (so G1(U) and the vibration corrections stay);
        outside the SJM targets G stays and ``note`` says why. A route whose
        zero-charge NEB has no numbers keeps its empty TS and complex (the SJM
        numbers go on top of the reference's). ``attrs["approximations"]`` gains
        :data:`APPROX_SJM` when a number was used.
    """
    sweeps = sjm_sweeps(removals)
    by_id = {res.config_id: res for res in removals}
    used = False
    lift = df["point"].isin(LIFT_POINTS)
    for config_id, sweep in sweeps.items():
        rows = df.index[(df["config_id"] == config_id) & lift]
        ref = by_id.get(config_id)
        if ref is None or rows.empty:
            continue
        have_ref = _finite(ref.forward_barrier_eV, ref.reaction_energy_eV)
        for i in rows:
            u = float(df.at[i, "U_V_RHE"])
            got = sweep.at(u) if have_ref else None
            note = df.at[i, "note"]
            if got is not None:
                fwd, rxn, source = got
                is_ts = df.at[i, "point"] == LIFT_POINTS[0]
                shift = fwd - ref.forward_barrier_eV if is_ts else rxn - ref.reaction_energy_eV
                df.at[i, "G_eV"] = df.at[i, "G_eV"] + shift
                df.at[i, "barrier_source"] = source
                used = True
            elif not have_ref and sweep.potentials_V_RHE:
                note = _join(note, "SJM lift numbers not used: the zero-charge NEB has none")
            elif sweep.potentials_V_RHE:
                df.at[i, "barrier_source"] = FROM_NEB_OUTSIDE
                note = _join(note, sweep.outside_note(u))
            df.at[i, "note"] = _join(note, sweep.note)
    if used:
        df.attrs.setdefault("approximations", []).append(APPROX_SJM)
    orphans = sum(1 for key in sweeps if not (df["config_id"] == key).any())
    df.attrs.setdefault("approximations", []).append(
        SJM_USED + (f"; {orphans} sweep(s) without their reference left out" if orphans else "")
        if sweeps
        else "barriers=sjm, but no constant-potential result names a zero-charge reference: "
        "every lift number from the zero-charge NEB"
    )
    return df


def uses_sjm(df: pd.DataFrame) -> bool:
    """Whether a landscape table holds a TS or complex number from SJM."""
    return "barrier_source" in df and bool(df["barrier_source"].isin(SJM_SOURCES).any())
