"""Progress of long runs, shown by whoever is watching (the CLI), silent otherwise.

Jobs report through module-level functions instead of a callback stored on a
Maker, because Makers are serialised into job documents (jobflow-remote) and a
callable cannot be.
"""

from __future__ import annotations

from collections.abc import Callable

_neb_listener: Callable[[int, float], None] | None = None


def set_neb_listener(listener: Callable[[int, float], None] | None) -> None:
    """Install (or with ``None`` remove) the function told about each NEB band step."""
    global _neb_listener
    _neb_listener = listener


def neb_step(step: int, fmax: float) -> None:
    """Report one NEB band step and its largest image force (eV/Å)."""
    if _neb_listener is not None:
        _neb_listener(step, fmax)
