"""Table formats: a DataFrame as CSV, JSON, Markdown or LaTeX, and CSV or JSON read back.

Generic over the columns; :mod:`cudiss.analysis.tables` builds the barrier
table and knows its column types and headers. CSV and JSON keep full float
precision and the column names as they are (they are data); Markdown and LaTeX
are written by pandas (``DataFrame.to_markdown``, which uses tabulate, and
``Styler.to_latex``, which uses jinja2) with three decimals, NaN as ``--`` and
optional readable headers and a note (they are for reading).
"""

from __future__ import annotations

import io
import json
import math
import os
from collections.abc import Collection, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from cudiss.analysis.fileio import atomic_write_text
from cudiss.structures.errors import CudissInputError

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


def resolve_format(path: str | os.PathLike[str] | None, fmt: str | None = None) -> str:
    """The canonical format (csv, json, md, latex) named by ``fmt``, else by ``path``'s suffix.

    A ``fmt`` that contradicts a known suffix of ``path`` (csv into ``.md``) is
    refused; with a suffix cudiss does not know (``.txt``) ``fmt`` decides.

    Raises
    ------
    CudissInputError
        Unknown format, a format contradicting the suffix, or none given and no
        known suffix.

    Examples
    --------
    >>> resolve_format("barriers.tex"), resolve_format(None, "Markdown")
    ('latex', 'md')
    >>> resolve_format("notes.txt", "md")
    'md'
    """
    suffix = Path(path).suffix.lower() if path is not None else ""
    by_suffix = SUFFIX_FORMATS.get(suffix)
    if fmt is not None:
        key = str(fmt).lower()
        if key not in FORMATS:
            known = ", ".join(sorted(set(FORMATS)))
            raise CudissInputError(f"unknown table format {fmt!r} (use one of: {known})")
        if by_suffix is not None and by_suffix != FORMATS[key]:
            raise CudissInputError(
                f"table format {fmt!r} contradicts the output suffix {suffix!r} of {str(path)!r} "
                f"(drop --format or change the suffix)"
            )
        return FORMATS[key]
    if by_suffix is not None:
        return by_suffix
    if path is not None and suffix:
        known = ", ".join(SUFFIX_FORMATS)
        raise CudissInputError(
            f"unknown table file suffix {suffix!r} of {str(path)!r} (use {known}, or give --format)"
        )
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
    r"""Escape LaTeX special characters in ``text``.

    >>> print(latex_escape("dG_forward_eV(U) & 5%"))
    dG\_forward\_eV(U) \& 5\%
    """
    return "".join(_LATEX_SPECIAL.get(ch, ch) for ch in str(text))


def _plain_cell(value: object, floatfmt: str) -> str:
    if isinstance(value, (float, np.floating)):
        return "--" if math.isnan(value) else format(float(value), floatfmt)
    return str(value)


def _alignment(df: pd.DataFrame) -> list[str]:
    return ["right" if pd.api.types.is_numeric_dtype(df[c]) else "left" for c in df.columns]


def to_latex(
    df: pd.DataFrame,
    floatfmt: str = ".3f",
    headers: Mapping[str, str] | None = None,
    note: str | None = None,
) -> str:
    r"""Render ``df`` as a booktabs ``tabular`` (no index) with pandas' ``Styler.to_latex``.

    Parameters
    ----------
    df : pandas.DataFrame
        The table.
    floatfmt : str
        Format spec of float cells; NaN is written as ``--``.
    headers : mapping, optional
        LaTeX header of each column (used as given, e.g. ``$\Delta E^\ddagger$ (eV)``);
        columns not in it show their escaped name.
    note : str, optional
        A line put above the table as a LaTeX comment (``% ...``).

    Returns
    -------
    str
        ``\begin{tabular}...\end{tabular}`` with one ``\\``-terminated line per row.

    Examples
    --------
    >>> df = pd.DataFrame({"facet": ["001"], "dE_eV": [0.4123], "dG_eV": [float("nan")]})
    >>> print(to_latex(df, headers={"dE_eV": r"$\Delta E$ (eV)"}), end="")
    \begin{tabular}{lrr}
    \toprule
    facet & $\Delta E$ (eV) & dG\_eV \\
    \midrule
    001 & 0.412 & -- \\
    \bottomrule
    \end{tabular}
    """
    headers = headers or {}
    floats = [c for c in df.columns if pd.api.types.is_float_dtype(df[c])]
    styler = (
        df.style.format(na_rep="--", escape="latex")
        .format(lambda v: format(float(v), floatfmt), subset=floats, na_rep="--")
        .hide(axis="index")
        # relabel_index treats labels as str.format templates: braces are doubled.
        .relabel_index(
            [
                headers.get(c, latex_escape(c)).replace("{", "{{").replace("}", "}}")
                for c in df.columns
            ],
            axis=1,
        )
    )
    align = "".join(a[0] for a in _alignment(df))
    text = styler.to_latex(hrules=True, column_format=align)
    if note:
        text = "".join(f"% {line}\n" for line in note.splitlines()) + text
    return text


def to_markdown(
    df: pd.DataFrame,
    floatfmt: str = ".3f",
    headers: Mapping[str, str] | None = None,
    note: str | None = None,
) -> str:
    """Render ``df`` as a GitHub (pipe) Markdown table, no index, with ``DataFrame.to_markdown``.

    Cells are formatted here and tabulate's number parsing is off, so labels
    such as facet ``001`` are not turned into numbers; a ``|`` inside a cell is
    escaped as ``\\|``.

    Parameters
    ----------
    df : pandas.DataFrame
        The table.
    floatfmt : str
        Format spec of float cells; NaN is written as ``--``.
    headers : mapping, optional
        Header of each column; columns not in it show their name.
    note : str, optional
        A paragraph written after the table.

    Returns
    -------
    str

    Examples
    --------
    >>> df = pd.DataFrame({"facet": ["001"], "dE_eV": [0.4123], "dG_eV": [float("nan")]})
    >>> print(to_markdown(df, headers={"dE_eV": "ΔE (eV)"}), end="")
    | facet   |   ΔE (eV) |   dG_eV |
    |:--------|----------:|--------:|
    | 001     |     0.412 |      -- |
    """
    headers = headers or {}
    cells = pd.DataFrame(
        [
            [_plain_cell(v, floatfmt).replace("|", "\\|") for v in row]
            for row in df.itertuples(index=False)
        ],
        columns=[str(headers.get(c, c)).replace("|", "\\|") for c in df.columns],
    )
    text = cells.to_markdown(
        index=False, tablefmt="pipe", colalign=_alignment(df), disable_numparse=True
    )
    text += "\n"
    if note:
        text += f"\n{note}\n"
    return text


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


def format_table(
    df: pd.DataFrame,
    fmt: str,
    *,
    headers: Mapping[str, str] | None = None,
    latex_headers: Mapping[str, str] | None = None,
    note: str | None = None,
) -> str:
    """Render ``df`` as text in ``fmt`` (csv, json, md/markdown, latex/tex).

    CSV and JSON keep full float precision and the column names (they are
    data; ``headers`` and ``note`` do not apply); Markdown and LaTeX show
    three decimals, the readable headers and the note (they are for reading).

    Parameters
    ----------
    df : pandas.DataFrame
        Usually from :func:`barrier_table`.
    fmt : str
        Output format.
    headers, latex_headers : mapping, optional
        Column headers for Markdown and for LaTeX (LaTeX source).
    note : str, optional
        Conditions the reader needs (e.g. pH), written with the table.

    Returns
    -------
    str

    Raises
    ------
    CudissInputError
        Unknown format.
    """
    kind = resolve_format(None, fmt)
    if kind == "csv":
        return df.to_csv(index=False, lineterminator="\n")
    if kind == "json":
        return _to_json(df)
    if kind == "md":
        return to_markdown(df, headers=headers, note=note)
    return to_latex(df, headers=latex_headers, note=note)


def export_table(
    df: pd.DataFrame,
    path: str | os.PathLike[str] | None,
    fmt: str | None = None,
    **options: object,
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
    **options
        ``headers``, ``latex_headers``, ``note`` of :func:`format_table`.

    Returns
    -------
    str
        The rendered text.

    Raises
    ------
    CudissInputError
        Unknown or undeterminable format, or an unwritable path.
    """
    text = format_table(df, resolve_format(path, fmt), **options)
    if path is not None:
        atomic_write_text(path, text)
    return text


def read_frame(
    path: str | os.PathLike[str], fmt: str | None = None, string_columns: Collection[str] = ()
) -> pd.DataFrame:
    """Read a CSV or JSON table written by :func:`export_table`, dtypes as stored.

    Parameters
    ----------
    path : path-like
        The file.
    fmt : str, optional
        ``csv`` or ``json``; inferred from the suffix when omitted.
    string_columns : collection of str
        CSV columns read as text: their empty cells stay ``""`` and labels such as
        facet ``001`` stay text; in all other columns an empty cell is a missing number.

    Raises
    ------
    CudissInputError
        Missing file or a format that cannot be read back.
    """
    kind = resolve_format(path, fmt)
    if not Path(path).is_file():
        raise CudissInputError(f"no such table file: {path}")
    text = Path(path).read_text(encoding="utf-8")
    if kind == "csv":
        header = pd.read_csv(io.StringIO(text), nrows=0).columns
        strings = [c for c in header if c in string_columns]
        df = pd.read_csv(
            io.StringIO(text),
            dtype=dict.fromkeys(strings, str),
            keep_default_na=False,
            na_values={c: [""] for c in header if c not in string_columns},
        )
    elif kind == "json":
        df = _from_json(text, path)
    else:
        raise CudissInputError(f"cannot read {kind} tables back; use csv or json")
    return df.reset_index(drop=True)


__all__ = [
    "FORMATS",
    "SUFFIX_FORMATS",
    "export_table",
    "format_table",
    "latex_escape",
    "read_frame",
    "resolve_format",
    "to_latex",
    "to_markdown",
]
