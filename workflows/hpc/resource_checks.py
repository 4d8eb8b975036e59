"""Checks of the walltime and memory a project asks the scheduler for, and PBS's walltime.

Part of :mod:`cudiss.workflows.hpc.checks` (which re-exports every name here):
each check raises :class:`~cudiss.structures.errors.CudissInputError` with one
line that names the value and what is accepted, before anything is written.

Walltimes: the six forms SLURM accepts are accepted -- ``MM``, ``MM:SS``,
``HH:MM:SS``, ``D-HH``, ``D-HH:MM``, ``D-HH:MM:SS`` -- with minutes and seconds
below 60 and hours below 24 after a day count (the leading field is
unbounded: ``90`` is 90 minutes, ``48:00:00`` two days), at least one second
and at most 365 days. PBS does not know the ``D-`` forms and reads a bare
number as seconds, so PBS projects get the same time as ``HH:MM:SS``
(:func:`walltime_seconds`, :func:`pbs_walltime`).
"""

from __future__ import annotations

import re

from cudiss.structures.errors import CudissInputError

__all__ = ["WALLTIME_FORMS", "check_memory", "check_walltime", "pbs_walltime", "walltime_seconds"]

#: Walltime forms, as SLURM's ``--time`` reads them.
WALLTIME_FORMS = ("MM", "MM:SS", "HH:MM:SS", "D-HH", "D-HH:MM", "D-HH:MM:SS")
_WALLTIME = {
    "MM": re.compile(r"(?P<m>\d+)"),
    "MM:SS": re.compile(r"(?P<m>\d+):(?P<s>\d{1,2})"),
    "HH:MM:SS": re.compile(r"(?P<h>\d+):(?P<m>\d{1,2}):(?P<s>\d{1,2})"),
    "D-HH": re.compile(r"(?P<d>\d+)-(?P<h>\d{1,2})"),
    "D-HH:MM": re.compile(r"(?P<d>\d+)-(?P<h>\d{1,2}):(?P<m>\d{1,2})"),
    "D-HH:MM:SS": re.compile(r"(?P<d>\d+)-(?P<h>\d{1,2}):(?P<m>\d{1,2}):(?P<s>\d{1,2})"),
}
_MAX_WALLTIME_DAYS = 365
_MEMORY = re.compile(r"(?P<n>\d+)\s*(?P<unit>[KMGT]?)B?", re.IGNORECASE)


def _shown(value: object) -> str:
    # repr keeps control characters visible and the message on one line
    return repr(value)


def walltime_seconds(walltime: str) -> int:
    """Seconds of a walltime in one of :data:`WALLTIME_FORMS`.

    Parameters
    ----------
    walltime : str
        E.g. ``"04:00:00"``, ``"1-12"``, ``"90"`` (minutes).

    Returns
    -------
    int
        The time in seconds.

    Raises
    ------
    CudissInputError
        Another form, minutes or seconds of 60 or more, hours of 24 or more
        after a day count, zero, or more than 365 days.
    """
    forms = ", ".join(WALLTIME_FORMS)
    text = walltime.strip() if isinstance(walltime, str) else ""
    match = next((m for p in _WALLTIME.values() if (m := p.fullmatch(text))), None)
    if match is None:
        raise CudissInputError(f"walltime {_shown(walltime)} is not one of {forms}")
    parts = {k: int(v) for k, v in match.groupdict().items() if v is not None}
    leading = next(iter(parts))
    for unit, limit, label in (("h", 24, "hours"), ("m", 60, "minutes"), ("s", 60, "seconds")):
        if unit in parts and unit != leading and parts[unit] >= limit:
            raise CudissInputError(
                f"walltime {_shown(walltime)}: {label} must be below {limit} ({forms})"
            )
    seconds = (
        parts.get("d", 0) * 86400 + parts.get("h", 0) * 3600 + parts.get("m", 0) * 60
    ) + parts.get("s", 0)
    if seconds == 0:
        raise CudissInputError(f"walltime {_shown(walltime)} is zero")
    if seconds > _MAX_WALLTIME_DAYS * 86400:
        raise CudissInputError(
            f"walltime {_shown(walltime)} is longer than {_MAX_WALLTIME_DAYS} days"
        )
    return seconds


def check_walltime(walltime: str) -> str:
    """``walltime`` unchanged if SLURM reads it (:func:`walltime_seconds`)."""
    walltime_seconds(walltime)
    return walltime.strip()


def pbs_walltime(walltime: str) -> str:
    """A walltime as PBS reads it: ``HH:MM:SS`` (hours may pass 24).

    Parameters
    ----------
    walltime : str
        One of :data:`WALLTIME_FORMS`.

    Returns
    -------
    str
        E.g. ``"1-12"`` -> ``"36:00:00"``.
    """
    seconds = walltime_seconds(walltime)
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def check_memory(memory: str) -> tuple[int, str]:
    """Memory per node such as ``4G``, ``500M``, ``64GB``.

    Parameters
    ----------
    memory : str
        A whole number with an optional unit K, M, G or T (SLURM's default unit
        is M), optionally followed by B.

    Returns
    -------
    tuple of (int, str)
        The number and its unit letter (``"M"`` when none was given).

    Raises
    ------
    CudissInputError
        Another form (``4.5G``, ``lots``, ``-1G``), zero, or more than 1 PB.
    """
    match = _MEMORY.fullmatch(memory.strip()) if isinstance(memory, str) else None
    if match is None:
        raise CudissInputError(
            f"memory {_shown(memory)} is not a whole number with an optional unit K, M, G or T"
            " (e.g. 4G, 500M)"
        )
    number, unit = int(match["n"]), (match["unit"] or "M").upper()
    if number == 0:
        raise CudissInputError(f"memory {_shown(memory)} is zero")
    mebibytes = number * {"K": 2**-10, "M": 1, "G": 2**10, "T": 2**20}[unit]
    if mebibytes > 2**30:
        raise CudissInputError(f"memory {_shown(memory)} is more than 1 PB per node; is it a typo?")
    return number, unit
