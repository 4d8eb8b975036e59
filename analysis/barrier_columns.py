"""The columns of a barrier table: names, types, readable headers, what a view shows.

:data:`COLUMNS` are the machine-readable names (units in the name: ``_eV``
energies, ``_V_RHE``/``_V_SHE`` potentials) that CSV and JSON exports carry;
:data:`COMPACT_COLUMNS` is the set shown for reading, under :data:`LABELS` or
:data:`LATEX_LABELS`; :func:`table_columns` picks the columns of an export and
:func:`conditions_note` states the conditions under it. The rows themselves
are built by :func:`cudiss.analysis.tables.barrier_table`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import pandas as pd

from cudiss.analysis.che import PotentialScale, _scale
from cudiss.analysis.documents import RemovalResult
from cudiss.analysis.methods import is_screening, method_notes
from cudiss.analysis.sweep_columns import (
    SWEEP_COLUMNS,
    SWEEP_COMPACT_COLUMNS,
    SWEEP_NOTE,
    has_sweep_rows,
)
from cudiss.analysis.tableio import resolve_format
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
    "Cu2_activity",
    "config_id",
    "reference_config_id",
    "campaign",
    "target_index",
    "state",
    "neb_converged",
    "barrier_warning",
    "n_electrons",
    "barrier_method",
    "beta",
    "dE_forward_eV",
    "dE_reverse_eV",
    "dE_reaction_eV",
    "dG_forward_eV(U)",
    "dG_reverse_eV(U)",
    "dG_reaction_eV(U)",
    *SWEEP_COLUMNS,
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
    "reference_config_id",
    "campaign",
    "state",
    "barrier_warning",
    "barrier_method",
    "electrode",
    "error",
)
INT_COLUMNS = ("target_index", "n_electrons")
BOOL_COLUMNS = ("neb_converged",)
#: Columns of a table for reading (Markdown, LaTeX, the terminal) unless asked for more;
#: ``U_V_SHE`` joins them after ``U_V_RHE`` when the potentials were given vs SHE.
COMPACT_COLUMNS: tuple[str, ...] = (
    "facet",
    "site_class",
    "adsorbates",
    "calculator",
    "U_V_RHE",
    "state",
    "dE_forward_eV",
    "dE_reverse_eV",
    "dG_forward_eV(U)",
    "dG_dissolution_eV",
    "U_dissolution_V_RHE",
    "barrier_warning",
    "error",
)
#: Readable headers with units (Markdown, the terminal).
LABELS: dict[str, str] = {
    "facet": "facet",
    "site_class": "site",
    "adsorbates": "adsorbates",
    "calculator": "calculator",
    "U_V_RHE": "U (V vs RHE)",
    "U_V_SHE": "U (V vs SHE)",
    "pH": "pH",
    "Cu2_activity": "a(Cu²⁺)",
    "config_id": "config id",
    "reference_config_id": "zero-charge reference",
    "campaign": "campaign",
    "target_index": "moving atom",
    "state": "state",
    "neb_converged": "NEB converged",
    "barrier_warning": "band check",
    "n_electrons": "n (H⁺+e⁻)",
    "barrier_method": "ΔG‡ model",
    "beta": "β",
    "dE_forward_eV": "ΔE‡ fwd (eV)",
    "dE_reverse_eV": "ΔE‡ rev (eV)",
    "dE_reaction_eV": "ΔE rxn (eV)",
    "dG_forward_eV(U)": "ΔG‡ fwd(U) (eV)",
    "dG_reverse_eV(U)": "ΔG‡ rev(U) (eV)",
    "dG_reaction_eV(U)": "ΔG rxn(U) (eV)",
    "electrode": "electrode",
    "U_target_V_RHE": "U target (V vs RHE)",
    "U_pzc_V_RHE": "U pzc (V vs RHE)",
    "dG_forward_CHE_eV(U)": "ΔG‡ fwd CHE(U) (eV)",
    "dG_reaction_CHE_eV(U)": "ΔG rxn CHE(U) (eV)",
    "dq_forward_e": "Δq‡ (e)",
    "dq_reaction_e": "Δq rxn (e)",
    "slope_dE_forward_eV_per_V": "dΔE‡/dU (eV/V)",
    "dE_removal_eV": "ΔE removal (eV)",
    "dG_dissolution_eV": "ΔG diss(U) (eV)",
    "U_dissolution_V_RHE": "U diss (V vs RHE)",
    "error": "error",
}
#: The same headers as LaTeX source (math for symbols, so pdflatex needs no Unicode setup).
LATEX_LABELS: dict[str, str] = {
    **LABELS,
    "U_V_RHE": r"$U$ (V vs RHE)",
    "U_V_SHE": r"$U$ (V vs SHE)",
    "Cu2_activity": r"$a(\mathrm{Cu^{2+}})$",
    "n_electrons": r"$n$ (H$^+$+e$^-$)",
    "barrier_method": r"$\Delta G^\ddagger$ model",
    "beta": r"$\beta$",
    "dE_forward_eV": r"$\Delta E^\ddagger_\mathrm{fwd}$ (eV)",
    "dE_reverse_eV": r"$\Delta E^\ddagger_\mathrm{rev}$ (eV)",
    "dE_reaction_eV": r"$\Delta E_\mathrm{rxn}$ (eV)",
    "dG_forward_eV(U)": r"$\Delta G^\ddagger_\mathrm{fwd}(U)$ (eV)",
    "dG_reverse_eV(U)": r"$\Delta G^\ddagger_\mathrm{rev}(U)$ (eV)",
    "dG_reaction_eV(U)": r"$\Delta G_\mathrm{rxn}(U)$ (eV)",
    "U_target_V_RHE": r"$U_\mathrm{target}$ (V vs RHE)",
    "U_pzc_V_RHE": r"$U_\mathrm{pzc}$ (V vs RHE)",
    "dG_forward_CHE_eV(U)": r"$\Delta G^\ddagger_\mathrm{fwd,CHE}(U)$ (eV)",
    "dG_reaction_CHE_eV(U)": r"$\Delta G_\mathrm{rxn,CHE}(U)$ (eV)",
    "dq_forward_e": r"$\Delta q^\ddagger$ (e)",
    "dq_reaction_e": r"$\Delta q_\mathrm{rxn}$ (e)",
    "slope_dE_forward_eV_per_V": r"$\mathrm{d}\Delta E^\ddagger/\mathrm{d}U$ (eV/V)",
    "dE_removal_eV": r"$\Delta E_\mathrm{removal}$ (eV)",
    "dG_dissolution_eV": r"$\Delta G_\mathrm{diss}(U)$ (eV)",
    "U_dissolution_V_RHE": r"$U_\mathrm{diss}$ (V vs RHE)",
}
#: Deterministic row order (after :func:`sort_rows` has put DFT and EMT rows before MLIP rows).
SORT_KEYS = ("facet", "site_class", "adsorbates", "calculator", "config_id", "U_V_RHE")


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


def sort_rows(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` in :data:`SORT_KEYS` order, the MLIP (screening) rows after all others.

    Rows of one configuration under different calculators are never interleaved
    with screening rows: the DFT (and EMT) block comes first, the screening block
    after it, each in :data:`SORT_KEYS` order. Returns a fresh 0..n-1 index.

    Examples
    --------
    >>> df = pd.DataFrame({"facet": ["100", "111", "100"], "site_class": "adatom",
    ...     "adsorbates": "bare", "calculator": ["sevennet", "gpaw:test", "gpaw:test"],
    ...     "config_id": ["a", "b", "c"], "U_V_RHE": 0.0})
    >>> sort_rows(df)[["facet", "calculator"]].values.tolist()
    [['100', 'gpaw:test'], ['111', 'gpaw:test'], ['100', 'sevennet']]
    """
    screening = df["calculator"].map(is_screening).astype(bool).rename("_screening")
    order = pd.concat([screening, df[list(SORT_KEYS)]], axis=1)
    keys = ["_screening", *SORT_KEYS]
    if "reference_config_id" in df:
        # a potential sweep's rows (its reference and every SJM run) sort as one
        # configuration, by potential
        group = df["reference_config_id"].fillna("").astype(str)
        order["_group"] = group.where(group != "", df["config_id"])
        keys = ["_screening", *SORT_KEYS[:4], "_group", "U_V_RHE", "config_id"]
    index = order.sort_values(keys, kind="mergesort").index
    return df.loc[index].reset_index(drop=True)


def table_columns(
    columns: str | Sequence[str] | None = None,
    fmt: str = "md",
    scale: PotentialScale = "RHE",
    sweep: bool = False,
) -> list[str]:
    """The columns an export shows.

    Parameters
    ----------
    columns : None, ``"all"`` or sequence of str
        None: every column (:data:`COLUMNS`) for csv and json, the compact set
        (:data:`COMPACT_COLUMNS`, plus ``U_V_SHE`` for ``scale="SHE"``) for md
        and latex. ``"all"``: every column. A sequence: those columns, by their
        machine-readable names, in that order.
    fmt : str
        The export format (any alias of :data:`FORMATS`).
    scale : {"RHE", "SHE"}
        Scale the potentials were given on.
    sweep : bool
        The table holds constant-potential (SJM) rows: the compact set adds
        :data:`~cudiss.analysis.sweep_columns.SWEEP_COMPACT_COLUMNS` after
        ``dG_forward_eV(U)``.

    Raises
    ------
    CudissInputError
        An unknown or repeated column name, or an empty selection.

    Examples
    --------
    >>> table_columns(["facet", "dE_forward_eV"])
    ['facet', 'dE_forward_eV']
    >>> table_columns(fmt="csv") == list(COLUMNS), table_columns(scale="SHE")[4:6]
    (True, ['U_V_RHE', 'U_V_SHE'])
    """
    if columns is None:
        if resolve_format(None, fmt) in ("csv", "json"):
            return list(COLUMNS)
        chosen = list(COMPACT_COLUMNS)
        if _scale(scale) == "SHE":
            chosen.insert(chosen.index("U_V_RHE") + 1, "U_V_SHE")
        if sweep:
            at = chosen.index("dG_forward_eV(U)") + 1
            chosen[at:at] = [c for c in SWEEP_COMPACT_COLUMNS if c not in chosen]
        return chosen
    if isinstance(columns, str):
        if columns != "all":
            raise CudissInputError(f"columns must be 'all' or a list of names, got {columns!r}")
        return list(COLUMNS)
    chosen = [str(c).strip() for c in columns]
    unknown = [c for c in chosen if c not in COLUMNS]
    if unknown:
        raise CudissInputError(
            f"unknown table column {unknown[0]!r} (columns: {', '.join(COLUMNS)})"
        )
    repeated = sorted({c for c in chosen if chosen.count(c) > 1})
    if repeated:
        raise CudissInputError(f"table column {repeated[0]!r} given twice")
    if not chosen:
        raise CudissInputError("give at least one table column")
    return chosen


def conditions_note(df: pd.DataFrame, latex: bool = False) -> str:
    """The conditions behind a barrier table: pH, Cu²⁺ activity, β; and which rows are MLIP.

    One line, and a second paragraph (:func:`~cudiss.analysis.methods.method_notes`)
    when rows come from a machine-learned potential: those are screening, not DFT.

    Examples
    --------
    >>> df = pd.DataFrame({"pH": [7.0], "Cu2_activity": [1e-6], "beta": [0.5]})
    >>> conditions_note(df)
    'pH 7, a(Cu²⁺) = 1e-06, β = 0.5 (CHE end-state shift); energies in eV, potentials in V.'
    >>> conditions_note(df.assign(calculator="sevennet")).splitlines()[-1][:41]
    'sevennet rows: MLIP screening, not DFT: u'
    """

    def values(col: str) -> str:
        found = sorted({float(v) for v in df[col] if math.isfinite(v)}) if col in df else []
        return "/".join(f"{v:g}" for v in found) or "--"

    names = ("a(Cu2+)", "beta") if latex else ("a(Cu²⁺)", "β")
    lines = [
        f"pH {values('pH')}, {names[0]} = {values('Cu2_activity')}, "
        f"{names[1]} = {values('beta')} (CHE end-state shift); energies in eV, potentials in V."
    ]
    lines += method_notes(df["calculator"]) if "calculator" in df else []
    if has_sweep_rows(df):
        lines.append(SWEEP_NOTE)
    # Markdown: a paragraph each; LaTeX: a % line each.
    return ("\n" if latex else "\n\n").join(lines)


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
