"""Barrier tables: one row per configuration × potential, exported for papers.

Units are in the column names: ``_eV`` energies, ``_V_RHE``/``_V_SHE`` potentials.
``dE_*`` are zero-bias NEB energies; ``dG_*_eV(U)`` are the same at the row's
potential by the model named in ``barrier_method`` (:mod:`cudiss.analysis.barriers`);
``dG_dissolution_eV`` is ΔG of Cu(site) → Cu²⁺ + 2e⁻ at that potential and
``U_dissolution_V_RHE`` the potential where it vanishes
(:mod:`cudiss.analysis.dissolution`). Failed or unconverged runs stay in the
table, marked by ``state``, with NaN where a number is missing.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Sequence

import pandas as pd

from cudiss.analysis.barriers import DEFAULT_BETA, barriers_at_potentials
from cudiss.analysis.che import PotentialScale, _finite, she_from_rhe, to_rhe
from cudiss.analysis.dissolution import (
    CU2_STANDARD_POTENTIAL_V_SHE,
    DEFAULT_CU2_ACTIVITY,
    dissolution_free_energy,
    dissolution_potential,
    has_dissolution_data,
    removal_energy,
)
from cudiss.analysis.documents import RemovalResult
from cudiss.analysis.tableio import (
    FORMATS,
    SUFFIX_FORMATS,
    export_table,
    format_table,
    latex_escape,
    read_frame,
    resolve_format,
    to_latex,
    to_markdown,
)
from cudiss.analysis.thermo import STANDARD_TEMPERATURE_K
from cudiss.structures.errors import CudissInputError

#: Column order of :func:`barrier_table`.
COLUMNS: tuple[str, ...] = (
    "facet",
    "site_class",
    "adsorbates",
    "calculator",
    "U_V_RHE",
    "U_V_SHE",
    "pH",
    "config_id",
    "campaign",
    "target_index",
    "state",
    "neb_converged",
    "n_electrons",
    "barrier_method",
    "beta",
    "dE_forward_eV",
    "dE_reverse_eV",
    "dE_reaction_eV",
    "dG_forward_eV(U)",
    "dG_reverse_eV(U)",
    "dG_reaction_eV(U)",
    "dE_removal_eV",
    "dG_dissolution_eV",
    "U_dissolution_V_RHE",
    "error",
)
STRING_COLUMNS = (
    "facet",
    "site_class",
    "adsorbates",
    "calculator",
    "config_id",
    "campaign",
    "state",
    "barrier_method",
    "error",
)
INT_COLUMNS = ("target_index", "n_electrons")
BOOL_COLUMNS = ("neb_converged",)
#: Deterministic row order.
SORT_KEYS = ("facet", "site_class", "adsorbates", "calculator", "config_id", "U_V_RHE")
NAN = float("nan")


def adsorbate_label(adsorbates: Iterable[str]) -> str:
    """Canonical label of an adsorbate set: sorted, joined by ``+``; ``bare`` if empty.

    >>> adsorbate_label(["OH", "CO"]), adsorbate_label([])
    ('CO+OH', 'bare')
    """
    items = sorted(adsorbates)
    return "+".join(items) if items else "bare"


def calculator_label(result: RemovalResult) -> str:
    """``code`` or ``code:preset``, e.g. ``gpaw:production``."""
    calc = result.calculator
    return f"{calc.code}:{calc.preset}" if calc.preset else calc.code


def _num(x: float | None) -> float:
    return NAN if x is None or not math.isfinite(x) else float(x)


def barrier_table(
    results: Sequence[RemovalResult],
    potentials: Iterable[float] = (0.0,),
    *,
    scale: PotentialScale = "RHE",
    pH: float = 0.0,
    beta: float = DEFAULT_BETA,
    activity: float = DEFAULT_CU2_ACTIVITY,
    standard_potential_V_SHE: float = CU2_STANDARD_POTENTIAL_V_SHE,
    temperature_K: float = STANDARD_TEMPERATURE_K,
) -> pd.DataFrame:
    """Tabulate barriers and dissolution free energies at several potentials.

    Parameters
    ----------
    results : sequence of RemovalResult
        Results in any order; failed ones are kept.
    potentials : iterable of float
        Electrode potentials (V) on ``scale``.
    scale : {"RHE", "SHE"}
        Scale of ``potentials``.
    pH : float
        Electrolyte pH (for RHE/SHE conversion and dissolution).
    beta : float
        Transfer coefficient of the CHE end-state shift.
    activity : float
        Cu²⁺ activity for dissolution (default 10⁻⁶).
    standard_potential_V_SHE : float
        U0 of Cu²⁺/Cu (default 0.337 V vs SHE).
    temperature_K : float
        Temperature (K).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS`, rows sorted by :data:`SORT_KEYS`, fresh
        0..n-1 index. A constant-potential result gives one row at its own
        potential (``barrier_method == "constant-potential"``).

    Raises
    ------
    CudissInputError
        No results, no potentials, or invalid numbers.

    Examples
    --------
    A bare adatom hop (a chemical step, n = 0): under CHE its barrier does not
    move with U, and with no vacancy energy there is no dissolution number.

    >>> from cudiss.analysis.documents import CalculatorInfo
    >>> hop = RemovalResult(
    ...     config_id="demo/100/adatom/bare/emt", campaign="demo", facet="100",
    ...     site_class="adatom", target_index=36, n_atoms=37, symbols=["Cu"] * 37,
    ...     cell_A=[[7.7, 0, 0], [0, 7.7, 0], [0, 0, 22.0]], state="successful",
    ...     forward_barrier_eV=0.41, reverse_barrier_eV=0.41, reaction_energy_eV=0.0,
    ...     neb_converged=True, calculator=CalculatorInfo(code="emt"))
    >>> table = barrier_table([hop], potentials=[0.0, -0.5])
    >>> table[["U_V_RHE", "dE_forward_eV", "dG_forward_eV(U)"]].values.tolist()
    [[-0.5, 0.41, 0.41], [0.0, 0.41, 0.41]]
    >>> bool(table["dG_dissolution_eV"].isna().all())
    True
    """
    if not results:
        raise CudissInputError("no results to tabulate")
    u_rhe = sorted({to_rhe(u, scale, pH, temperature_K) for u in potentials})
    if not u_rhe:
        raise CudissInputError("give at least one potential")
    pH = _finite(pH, "pH")
    rows = []
    for res in results:
        if not isinstance(res, RemovalResult):
            raise CudissInputError(f"not a RemovalResult: {type(res).__name__}")
        diss = has_dissolution_data(res)
        e_removal = (
            removal_energy(res.vacancy_energy_eV, res.slab_energy_eV, res.bulk_energy_per_atom_eV)
            if diss
            else NAN
        )
        energies = (res.vacancy_energy_eV, res.slab_energy_eV, res.bulk_energy_per_atom_eV)
        diss_opts = {
            "pH": pH,
            "activity": activity,
            "standard_potential_V_SHE": standard_potential_V_SHE,
            "temperature_K": temperature_K,
        }
        u_diss = dissolution_potential(*energies, scale="RHE", **diss_opts) if diss else NAN
        for bar in barriers_at_potentials(res, u_rhe, beta=beta):
            u = bar.potential_V_RHE
            dg_diss = (
                dissolution_free_energy(*energies, potential_V=u, scale="RHE", **diss_opts)
                if diss
                else NAN
            )
            rows.append(
                {
                    "facet": res.facet,
                    "site_class": res.site_class,
                    "adsorbates": adsorbate_label(res.adsorbates),
                    "calculator": calculator_label(res),
                    "U_V_RHE": u,
                    "U_V_SHE": she_from_rhe(u, pH, temperature_K),
                    "pH": pH,
                    "config_id": res.config_id,
                    "campaign": res.campaign,
                    "target_index": res.target_index,
                    "state": res.state,
                    "neb_converged": bool(res.neb_converged),
                    "n_electrons": int(res.electrons_transferred),
                    "barrier_method": bar.method,
                    "beta": float(beta) if bar.method == "che-bep" else NAN,
                    "dE_forward_eV": _num(res.forward_barrier_eV),
                    "dE_reverse_eV": _num(res.reverse_barrier_eV),
                    "dE_reaction_eV": _num(res.reaction_energy_eV),
                    "dG_forward_eV(U)": _num(bar.forward_eV),
                    "dG_reverse_eV(U)": _num(bar.reverse_eV),
                    "dG_reaction_eV(U)": _num(bar.reaction_eV),
                    "dE_removal_eV": e_removal,
                    "dG_dissolution_eV": dg_diss,
                    "U_dissolution_V_RHE": u_diss,
                    "error": (res.error or "").replace("\n", " "),
                }
            )
    df = pd.DataFrame(rows, columns=list(COLUMNS))
    df = df.sort_values(list(SORT_KEYS), kind="mergesort").reset_index(drop=True)
    return _normalise_dtypes(df)


def _normalise_dtypes(df: pd.DataFrame) -> pd.DataFrame:
    # One dtype per column whatever the reader inferred, so exports round-trip.
    df = df.copy()
    for col in df.columns:
        if col in STRING_COLUMNS:
            df[col] = df[col].fillna("").astype(str)
        elif col in INT_COLUMNS:
            df[col] = df[col].astype("int64")
        elif col in BOOL_COLUMNS:
            df[col] = df[col].astype(bool)
        else:
            df[col] = df[col].astype("float64")
    return df


def read_table(path: str | os.PathLike[str], fmt: str | None = None) -> pd.DataFrame:
    """Read a CSV or JSON table written by :func:`export_table`.

    Parameters
    ----------
    path : path-like
        The file.
    fmt : str, optional
        ``csv`` or ``json``; inferred from the suffix when omitted.

    Returns
    -------
    pandas.DataFrame
        Equal to the exported frame (same columns, dtypes and values).

    Raises
    ------
    CudissInputError
        Missing file or a format that cannot be read back.
    """
    return _normalise_dtypes(read_frame(path, fmt, STRING_COLUMNS))


# The writers moved to ``tableio``; they stay importable from here, where they were
# first defined, and so does the private name the CLI has used.
_resolve_format = resolve_format

__all__ = [
    "COLUMNS",
    "FORMATS",
    "SORT_KEYS",
    "SUFFIX_FORMATS",
    "adsorbate_label",
    "barrier_table",
    "calculator_label",
    "export_table",
    "format_table",
    "latex_escape",
    "read_table",
    "to_latex",
    "to_markdown",
]
