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
