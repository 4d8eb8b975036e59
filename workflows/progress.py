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


# Failures seen by the local runner in this process, by job name. The result
# job of a configuration (which runs after its failed steps, in the same
# process, under `cudiss run`) copies them into the result document. Under a
# queue each job is its own process and the queue's own record holds the error.
_failures: dict[str, str] = {}


def record_failure(job_name: str, message: str) -> None:
    """Remember why job ``job_name`` failed."""
    _failures[job_name] = message


def failures_for(prefix: str) -> list[str]:
    """``"job name: error"`` for every recorded failure whose job name starts with ``prefix``."""
    return [f"{name}: {msg}" for name, msg in _failures.items() if name.startswith(prefix)]


def clear_failures() -> None:
    """Forget recorded failures (at the start of a run)."""
    _failures.clear()
