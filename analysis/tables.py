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

import io
import json
import math
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
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
from cudiss.analysis.fileio import atomic_write_text
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
#: Export formats and their aliases / file suffixes.
FORMATS = {
    "csv": "csv",
    "json": "json",
    "md": "md",
    "markdown": "md",
    "latex": "latex",
    "tex": "latex",
}
SUFFIX_FORMATS = {".csv": "csv", ".json": "json", ".md": "md", ".tex": "latex"}
NAN = float("nan")


def adsorbate_label(adsorbates: Iterable[str]) -> str:
    """Canonical label of an adsorbate set: sorted, joined by ``+``; ``bare`` if empty."""
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


def _resolve_format(path: str | os.PathLike[str] | None, fmt: str | None) -> str:
    if fmt is not None:
        key = str(fmt).lower()
        if key not in FORMATS:
            known = ", ".join(sorted(set(FORMATS)))
            raise CudissInputError(f"unknown table format {fmt!r} (use one of: {known})")
        return FORMATS[key]
    if path is not None and Path(path).suffix.lower() in SUFFIX_FORMATS:
        return SUFFIX_FORMATS[Path(path).suffix.lower()]
    raise CudissInputError(
        f"cannot tell the table format from {str(path) if path else 'stdout'!r}; give --format"
    )


_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


def latex_escape(text: str) -> str:
    """Escape LaTeX special characters in ``text``."""
    return "".join(_LATEX_SPECIAL.get(ch, ch) for ch in str(text))


def _cell(value: object, floatfmt: str) -> str:
    if isinstance(value, (float, np.floating)):
        return _plain_cell(value, floatfmt)
    return latex_escape(value)


def to_latex(df: pd.DataFrame, floatfmt: str = ".3f") -> str:
    """Render ``df`` as a booktabs ``tabular`` (no index).

    pandas' own ``DataFrame.to_latex`` needs jinja2, which cudiss does not
    depend on; this writer covers what a barrier table needs.

    Parameters
    ----------
    df : pandas.DataFrame
        The table.
    floatfmt : str
        Format spec of float cells; NaN is written as ``--``.

    Returns
    -------
    str
        ``\\begin{tabular}...\\end{tabular}`` with one ``\\\\``-terminated line per row.
    """
    align = "".join("r" if pd.api.types.is_numeric_dtype(df[c]) else "l" for c in df.columns)
    lines = [f"\\begin{{tabular}}{{{align}}}", r"\toprule"]
    lines.append(" & ".join(latex_escape(c) for c in df.columns) + r" \\")
    lines.append(r"\midrule")
    for row in df.itertuples(index=False):
        lines.append(" & ".join(_cell(v, floatfmt) for v in row) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}", ""]
    return "\n".join(lines)


def to_markdown(df: pd.DataFrame, floatfmt: str = ".3f") -> str:
    """Render ``df`` as a GitHub (pipe) Markdown table without index.

    Cells are formatted here and tabulate's number parsing is off, so labels
    such as facet ``001`` are not turned into numbers.

    Parameters
    ----------
    df : pandas.DataFrame
        The table.
    floatfmt : str
        Format spec of float cells; NaN is written as ``--``.

    Returns
    -------
    str
    """
    # A "|" inside a cell would end the cell; Markdown escapes it as "\\|".
    cells = [
        [_plain_cell(v, floatfmt).replace("|", "\\|") for v in row]
        for row in df.itertuples(index=False)
    ]
    align = ["right" if pd.api.types.is_numeric_dtype(df[c]) else "left" for c in df.columns]
    from tabulate import tabulate  # pandas.to_markdown uses it too

    return (
        tabulate(
            cells,
            headers=list(df.columns),
            tablefmt="pipe",
            colalign=align,
            disable_numparse=True,
        )
        + "\n"
    )


def _plain_cell(value: object, floatfmt: str) -> str:
    if isinstance(value, (float, np.floating)):
        return "--" if math.isnan(value) else format(float(value), floatfmt)
    return str(value)


_JSON_TYPES = {"number": "float64", "integer": "int64", "boolean": "bool", "string": "str"}


def _json_type(series: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(series):
        return "boolean"
    if pd.api.types.is_integer_dtype(series):
        return "integer"
    if pd.api.types.is_float_dtype(series):
        return "number"
    return "string"


def _to_json(df: pd.DataFrame) -> str:
    # A Table-Schema-like document. Written with the json module rather than
    # DataFrame.to_json, whose 15-digit precision limit breaks exact round trips;
    # Python's float repr is exact. NaN becomes null.
    fields = [{"name": str(c), "type": _json_type(df[c])} for c in df.columns]
    data = [
        {
            str(c): (None if isinstance(v, float) and math.isnan(v) else v)
            for c, v in zip(df.columns, row, strict=True)
        }
        for row in df.astype(object).itertuples(index=False)
    ]
    return json.dumps({"schema": {"fields": fields}, "data": data}, indent=1) + "\n"


def _from_json(text: str, path: str | os.PathLike[str]) -> pd.DataFrame:
    try:
        doc = json.loads(text)
        fields = doc["schema"]["fields"]
        names = [f["name"] for f in fields]
        df = pd.DataFrame(doc["data"], columns=names)
        for f in fields:
            dtype = _JSON_TYPES.get(f.get("type"), "str")
            col = df[f["name"]]
            df[f["name"]] = col.astype("float64") if dtype == "float64" else col.astype(dtype)
    except (ValueError, KeyError, TypeError) as exc:
        raise CudissInputError(f"{path} is not a cudiss JSON table: {exc}") from None
    return df


def format_table(df: pd.DataFrame, fmt: str) -> str:
    """Render ``df`` as text in ``fmt`` (csv, json, md/markdown, latex/tex).

    CSV and JSON keep full float precision (they are data); Markdown and
    LaTeX show three decimals (they are for reading).

    Parameters
    ----------
    df : pandas.DataFrame
        Usually from :func:`barrier_table`.
    fmt : str
        Output format.

    Returns
    -------
    str

    Raises
    ------
    CudissInputError
        Unknown format.
    """
    kind = _resolve_format(None, fmt)
    if kind == "csv":
        return df.to_csv(index=False, lineterminator="\n")
    if kind == "json":
        return _to_json(df)
    if kind == "md":
        return to_markdown(df)
    return to_latex(df)


def export_table(
    df: pd.DataFrame, path: str | os.PathLike[str] | None, fmt: str | None = None
) -> str:
    """Render ``df`` and, if ``path`` is given, write it there atomically.

    Parameters
    ----------
    df : pandas.DataFrame
        The table.
    path : path-like or None
        Output file; None only renders (e.g. to print on stdout).
    fmt : str, optional
        csv, json, md/markdown or latex/tex; inferred from the suffix of
        ``path`` (.csv, .json, .md, .tex) when omitted.

    Returns
    -------
    str
        The rendered text.

    Raises
    ------
    CudissInputError
        Unknown or undeterminable format, or an unwritable path.
    """
    text = format_table(df, _resolve_format(path, fmt))
    if path is not None:
        atomic_write_text(path, text)
    return text


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
    kind = _resolve_format(path, fmt)
    if not Path(path).is_file():
        raise CudissInputError(f"no such table file: {path}")
    text = Path(path).read_text(encoding="utf-8")
    if kind == "csv":
        header = pd.read_csv(io.StringIO(text), nrows=0).columns
        strings = [c for c in header if c in STRING_COLUMNS]
        df = pd.read_csv(
            io.StringIO(text),
            dtype=dict.fromkeys(strings, str),
            keep_default_na=False,
            # Empty cells are missing numbers; in string columns they stay "".
            na_values={c: [""] for c in header if c not in STRING_COLUMNS},
        )
    elif kind == "json":
        df = _from_json(text, path)
    else:
        raise CudissInputError(f"cannot read {kind} tables back; use csv or json")
    return _normalise_dtypes(df.reset_index(drop=True))
