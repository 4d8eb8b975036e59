"""What a calculator's numbers are: DFT, machine-learned screening or an EMT dry run.

Every result records the code that produced it (:class:`~cudiss.analysis.documents.CalculatorInfo`,
``code`` one of :data:`CalculatorCode`), and every table has a ``calculator`` column
(``gpaw:test``, ``emt``, ``sevennet``...). Tables keep calculators apart: a row is one
calculator's, and every aggregation (lowest site, most stable surface state,
landscape, easiest route, CO2ER route) groups by the calculator label first, so no
number ever combines two calculators. :func:`method_notes` words, for a table's
note or metadata, which rows are not DFT; :func:`screening_label` is the shorter
line a figure carries when it draws MLIP numbers
(:func:`cudiss.analysis.plot_style.mark_screening`).

The machine-learned interatomic potentials (MLIPs, ``sevennet`` and ``chgnet``,
``cudiss.workflows.calculators.mlip``) were trained on bulk PBE data (MPtrj), not
on surfaces with adsorbates: their rows are screening, to be confirmed with DFT.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal, get_args

#: Every calculator a result can come from, by the name campaign files use.
CalculatorCode = Literal["emt", "gpaw", "sevennet", "chgnet"]
#: What the numbers of a calculator are.
Method = Literal["DFT", "MLIP screening", "EMT dry run"]

#: The one place that says which code gives which kind of numbers.
METHODS: dict[str, Method] = {
    "gpaw": "DFT",
    "sevennet": "MLIP screening",
    "chgnet": "MLIP screening",
    "emt": "EMT dry run",
}
#: The machine-learned potentials: screening, never DFT.
MLIP_CODES: tuple[str, ...] = tuple(
    c for c in get_args(CalculatorCode) if METHODS[c] == "MLIP screening"
)

#: What MLIP numbers are, in a few words (figures; the start of :data:`MLIP_NOTE`).
MLIP_LABEL = "MLIP screening, not DFT"
#: The note a table carries when it has MLIP rows (followed by which calculators).
MLIP_NOTE = (
    f"{MLIP_LABEL}: universal potentials trained on bulk PBE data (MPtrj), "
    "not on surfaces with adsorbates; confirm with DFT before quoting a number"
)


def method_of(label: str) -> Method:
    """What the numbers of calculator ``label`` (``code`` or ``code:preset``) are.

    Examples
    --------
    >>> method_of("gpaw:test"), method_of("sevennet"), method_of("emt")
    ('DFT', 'MLIP screening', 'EMT dry run')
    """
    code = str(label).partition(":")[0]
    if code not in METHODS:
        raise ValueError(f"unknown calculator {label!r}; known: {', '.join(METHODS)}")
    return METHODS[code]


def is_screening(label: str) -> bool:
    """Whether calculator ``label`` is an MLIP, whose rows are screening.

    >>> is_screening("sevennet"), is_screening("gpaw:production")
    (True, False)
    """
    return method_of(label) == "MLIP screening"


def method_notes(labels: Iterable[str]) -> list[str]:
    """The notes for a table whose rows come from calculators ``labels`` (one line, or none).

    A table with MLIP rows says which calculators they are and that they are
    screening; a table of DFT (and EMT) rows only needs no note.

    Examples
    --------
    >>> method_notes(["gpaw:test", "sevennet", "sevennet"])[0].split(":")[0]
    'sevennet rows'
    >>> method_notes(["gpaw:test", "emt"])
    []
    """
    mlips = sorted({str(x) for x in labels if is_screening(str(x))})
    return [f"{', '.join(mlips)} rows: {MLIP_NOTE}"] if mlips else []


def screening_label(labels: Iterable[object]) -> str | None:
    """The line of a figure that draws numbers of calculators ``labels``, or None.

    A figure with results of an MLIP names those calculators and says they are
    screening (:data:`MLIP_LABEL`); a figure of DFT and EMT results only needs
    no label. Unlike :func:`method_notes` it accepts any value (a hand-made
    table's unknown calculator, a missing one as NaN): only the MLIP codes of
    :data:`METHODS` count.

    Examples
    --------
    >>> screening_label(["gpaw:test", "sevennet", "chgnet", "sevennet"])
    'chgnet, sevennet (MLIP screening, not DFT)'
    >>> screening_label(["gpaw:test", "emt", float("nan")]) is None
    True
    """
    mlips = sorted({str(x) for x in labels if str(x).partition(":")[0] in MLIP_CODES})
    return f"{', '.join(mlips)} ({MLIP_LABEL})" if mlips else None


__all__ = [
    "METHODS",
    "MLIP_CODES",
    "MLIP_LABEL",
    "MLIP_NOTE",
    "CalculatorCode",
    "Method",
    "is_screening",
    "method_notes",
    "method_of",
    "screening_label",
]
