"""Barrier tables: one row per configuration × potential, exported for papers.

Units are in the column names: ``_eV`` energies, ``_V_RHE``/``_V_SHE`` potentials.
``dE_*`` are zero-bias NEB energies; ``dG_*_eV(U)`` are the same at the row's
potential by the model named in ``barrier_method`` (:mod:`cudiss.analysis.barriers`);
``dG_dissolution_eV`` is ΔG of Cu(site) → Cu²⁺ + 2e⁻ at that potential and
``U_dissolution_V_RHE`` the potential where it vanishes
(:mod:`cudiss.analysis.dissolution`); ``barrier_warning`` says what is wrong
with the NEB band, if anything (:func:`cudiss.analysis.barriers.barrier_flags`).
Failed or unconverged runs stay in the table, marked by ``state``, with NaN
where a number is missing.

These machine-readable names are the columns of CSV and JSON exports, which
carry every column (:data:`COLUMNS`) unless told otherwise. Markdown and
LaTeX exports are for reading: by default a compact set
(:data:`COMPACT_COLUMNS`) under readable headers with units (:data:`LABELS`,
:data:`LATEX_LABELS`), followed by a note of the conditions (pH, Cu²⁺
activity, β); see :func:`export_barrier_table`. The column sets, headers and
views are defined in :mod:`cudiss.analysis.barrier_columns` and re-exported here.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Sequence

import pandas as pd

from cudiss.analysis.barrier_columns import (
    BOOL_COLUMNS,
    COLUMNS,
    COMPACT_COLUMNS,
    INT_COLUMNS,
    LABELS,
    LATEX_LABELS,
    SORT_KEYS,
    STRING_COLUMNS,
    _normalise_dtypes,
    adsorbate_label,
    calculator_label,
    conditions_note,
    sort_rows,
    table_columns,
)
from cudiss.analysis.barriers import DEFAULT_BETA, barrier_warning, barriers_at_potentials
from cudiss.analysis.che import PotentialScale, _finite, check_ph, she_from_rhe, to_rhe
from cudiss.analysis.dissolution import (
    CU2_STANDARD_POTENTIAL_V_SHE,
    DEFAULT_CU2_ACTIVITY,
    check_activity,
    dissolution_free_energy,
    dissolution_potential,
    has_dissolution_data,
    removal_energy,
)
from cudiss.analysis.documents import RemovalResult
from cudiss.analysis.sweep_columns import electrode_row, fill_sweep_columns, has_sweep_rows
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

NAN = float("nan")


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
        Electrolyte pH (for RHE/SHE conversion and dissolution), in [-1, 15].
    beta : float
        Transfer coefficient of the CHE end-state shift, in [0, 1].
    activity : float
        Cu²⁺ activity for dissolution (default 10⁻⁶), in (0, 1].
    standard_potential_V_SHE : float
        U0 of Cu²⁺/Cu (default 0.337 V vs SHE).
    temperature_K : float
        Temperature (K).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS`, rows sorted by :data:`SORT_KEYS` with the MLIP
        (screening) rows after all DFT and EMT rows (:func:`sort_rows`), fresh
        0..n-1 index. A constant-potential result gives one row at its own
        potential (``barrier_method == "constant-potential"``), with the CHE
        numbers of its zero-charge reference beside it and no dissolution
        numbers (:mod:`cudiss.analysis.sweep_columns`). Rows are never
        aggregated: each is one configuration of one calculator (``calculator``).

    Raises
    ------
    CudissInputError
        No results, no potentials, or invalid numbers (non-finite potentials,
        pH outside [-1, 15], activity outside (0, 1], β outside [0, 1]).

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
    pH = check_ph(pH)
    activity = check_activity(activity)
    check_beta(beta)
    u_rhe = sorted({to_rhe(u, scale, pH, temperature_K) for u in potentials})
    if not u_rhe:
        raise CudissInputError("give at least one potential")
    rows = []
    for res in results:
        if not isinstance(res, RemovalResult):
            raise CudissInputError(f"not a RemovalResult: {type(res).__name__}")
        # an SJM run's energies are grand potentials at its potential: the CHE's
        # -2eU of dissolution would count the electrons twice (read the reference row)
        diss = has_dissolution_data(res) and res.electrode != "constant-potential"
        e_removal = (
            removal_energy(res.vacancy_energy_eV, res.slab_energy_eV, res.bulk_energy_per_atom_eV)
            if diss
            else NAN
        )
        warning = barrier_warning(res)
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
                    "Cu2_activity": activity,
                    "config_id": res.config_id,
                    "campaign": res.campaign,
                    "target_index": res.target_index,
                    "state": res.state,
                    "neb_converged": bool(res.neb_converged),
                    "barrier_warning": warning,
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
                    **electrode_row(res),
                }
            )
    df = pd.DataFrame(rows, columns=list(COLUMNS))
    df = sort_rows(fill_sweep_columns(df, results, beta))
    return _normalise_dtypes(df)


def check_beta(beta: float) -> float:
    """The transfer coefficient β as a float if it lies in [0, 1].

    >>> check_beta(0.5)
    0.5
    """
    value = _finite(beta, "beta")
    if not 0.0 <= value <= 1.0:
        raise CudissInputError(f"transfer coefficient beta must be in [0, 1], got {value:g}")
    return value


def export_barrier_table(
    df: pd.DataFrame,
    path: str | os.PathLike[str] | None = None,
    fmt: str | None = None,
    *,
    columns: str | Sequence[str] | None = None,
    scale: PotentialScale = "RHE",
) -> str:
    """Render a :func:`barrier_table` for its readers and write it to ``path`` if given.

    CSV and JSON keep the machine-readable column names (:data:`COLUMNS`) and,
    by default, every column, so :func:`read_table` gives the frame back.
    Markdown and LaTeX show by default the compact set :data:`COMPACT_COLUMNS`
    under the headers :data:`LABELS` / :data:`LATEX_LABELS` (units in
    parentheses), and a note of pH, Cu²⁺ activity and β (a paragraph after
    the Markdown table, a ``%`` comment above the LaTeX one).

    Parameters
    ----------
    df : pandas.DataFrame
        From :func:`barrier_table`.
    path : path-like, optional
        Output file (written atomically); None only renders.
    fmt : str, optional
        csv, json, md or latex; else from the suffix of ``path``; Markdown when
        neither is given.
    columns : None, ``"all"`` or sequence of str
        See :func:`table_columns`.
    scale : {"RHE", "SHE"}
        Scale the potentials were given on (adds ``U_V_SHE`` to the compact set).

    Returns
    -------
    str
        The rendered text.

    Examples
    --------
    >>> from cudiss.analysis.documents import CalculatorInfo
    >>> hop = RemovalResult(
    ...     config_id="demo/100/adatom/bare/emt", campaign="demo", facet="100",
    ...     site_class="adatom", target_index=36, n_atoms=37, symbols=["Cu"] * 37,
    ...     cell_A=[[7.7, 0, 0], [0, 7.7, 0], [0, 0, 22.0]], state="successful",
    ...     forward_barrier_eV=0.41, reverse_barrier_eV=0.41, reaction_energy_eV=0.0,
    ...     neb_converged=True, calculator=CalculatorInfo(code="emt"))
    >>> table = barrier_table([hop], potentials=[0.0])
    >>> text = export_barrier_table(table, columns=["facet", "U_V_RHE", "dE_forward_eV"])
    >>> print(text, end="")
    | facet   |   U (V vs RHE) |   ΔE‡ fwd (eV) |
    |:--------|---------------:|---------------:|
    | 100     |          0.000 |          0.410 |
    <BLANKLINE>
    pH 0, a(Cu²⁺) = 1e-06, β = 0.5 (CHE end-state shift); energies in eV, potentials in V.
    """
    kind = resolve_format(path, fmt if fmt or path is not None else "md")
    chosen = table_columns(columns, kind, scale, sweep=has_sweep_rows(df))
    view = df[chosen]
    return export_table(
        view,
        path,
        kind,
        headers=LABELS,
        latex_headers=LATEX_LABELS,
        note=conditions_note(df, latex=kind == "latex"),
    )


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


# The writers moved to ``tableio`` and the column sets to ``barrier_columns``; they
# stay importable from here, where they were first defined, and so does the
# private name the CLI has used.
_resolve_format = resolve_format

__all__ = [
    "BOOL_COLUMNS",
    "COLUMNS",
    "COMPACT_COLUMNS",
    "FORMATS",
    "INT_COLUMNS",
    "LABELS",
    "LATEX_LABELS",
    "SORT_KEYS",
    "STRING_COLUMNS",
    "SUFFIX_FORMATS",
    "adsorbate_label",
    "barrier_table",
    "calculator_label",
    "check_beta",
    "conditions_note",
    "export_barrier_table",
    "export_table",
    "format_table",
    "latex_escape",
    "read_table",
    "table_columns",
    "to_latex",
    "to_markdown",
]
