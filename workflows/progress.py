"""Progress of long runs, shown by whoever is watching (the CLI), silent otherwise.

Jobs report through module-level functions instead of a callback stored on a
Maker, because Makers are serialised into job documents (jobflow-remote) and a
callable cannot be.
"""

from __future__ import annotations

import io
from collections.abc import Callable

_listener: Callable[[int, float], None] | None = None


def set_listener(listener: Callable[[int, float], None] | None) -> None:
    """Install (or with ``None`` remove) the function told about each optimizer step."""
    global _listener
    _listener = listener


def step(number: int, fmax: float) -> None:
    """Report one relaxation or NEB band step and its largest force (eV/Å)."""
    if _listener is not None:
        _listener(number, fmax)


class OptimizerLog(io.TextIOBase):
    """A log stream for ASE optimizers that reports each logged step.

    ASE optimizers write ``NAME:  step  hh:mm:ss  energy  fmax`` lines; passing
    this as their ``logfile`` turns every line into a :func:`step` call.
    """

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        for line in text.splitlines():
            fields = line.split()
            if len(fields) >= 5 and fields[0].endswith(":") and fields[1].isdigit():
                try:
                    step(int(fields[1]), float(fields[-1]))
                except ValueError:
                    continue
        return len(text)


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
