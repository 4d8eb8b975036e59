"""Checks of maker fields, shared by every cudiss Maker: one-line :class:`SettingsError`.

A wrong field is refused when the maker is built, before any job is queued,
instead of failing hours later inside a calculation.
"""

from __future__ import annotations

import math

from cudiss.workflows.errors import SettingsError

__all__ = ["FMAX_MAX", "check_fmax", "check_type"]

#: Loosest force threshold (eV/Å) cudiss accepts for a relaxation or an NEB. A
#: residual force F on a mode of stiffness k leaves the energy F**2 / (2 k) above
#: the minimum: for the soft modes of adsorbates and adatoms (k ~ 0.5-1 eV/Å^2),
#: 0.5 eV/Å means 0.1-0.25 eV, already more than the barrier differences a
#: campaign compares; above it a structure is not relaxed at all.
FMAX_MAX = 0.5


def check_fmax(value: object, where: str = "fmax") -> float:
    """``value`` as a force threshold in (0, :data:`FMAX_MAX`] eV/Å, else :class:`SettingsError`.

    >>> check_fmax(0.05)
    0.05
    """
    what = f"{where} must" if where else "must"
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SettingsError(f"{what} be a number in eV/Å, got {value!r}")
    if not math.isfinite(value) or not 0 < value <= FMAX_MAX:
        raise SettingsError(
            f"{what} be in (0, {FMAX_MAX:g}] eV/Å, got {value!r}: a looser force "
            "threshold leaves structures unrelaxed (tenths of an eV above their minimum)"
        )
    return float(value)


def check_type(value: object, kind: type, where: str) -> None:
    """Refuse a maker field of the wrong type (:class:`SettingsError`, one line)."""
    if not isinstance(value, kind):
        raise SettingsError(f"{where} must be a {kind.__name__}, got {value!r}")
