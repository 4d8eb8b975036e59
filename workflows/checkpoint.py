"""Step-by-step checkpoints of relaxations and NEBs, so killed jobs resume.

A checkpoint is one file per optimisation, named by a hash of its inputs
(structure or band, calculator, settings) under a root folder, and replaced
after every optimizer step by an atomic rename: a job killed at any moment
leaves either the previous step's file or the new one, never half of one.
Re-running the same step with the same inputs finds the file and continues
from the last completed step with the optimizer's state (BFGS Hessian, FIRE
velocities, the ODE solver's step size) as it was.

Root folder: ``$CUDISS_CHECKPOINT_DIR`` if set (``cudiss run`` sets it to the
store's ``checkpoints/`` folder unless the user did), else
``$XDG_CACHE_HOME/cudiss/checkpoints`` (``~/.cache/...``). ``CUDISS_CHECKPOINT_DIR=off``
switches checkpointing off.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
from collections.abc import Callable, Iterator
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
from ase import Atoms
from ase.optimize.optimize import Optimizer
from ase.parallel import world

from cudiss.analysis.fileio import replace_files

CHECKPOINT_ENV = "CUDISS_CHECKPOINT_DIR"
FORMAT = 1

logger = logging.getLogger(__name__)


def checkpoint_root() -> Path | None:
    """The folder checkpoints go to, or ``None`` when switched off."""
    value = os.environ.get(CHECKPOINT_ENV)
    if value is not None:
        return None if value.strip().lower() in ("", "off", "none", "0") else Path(value)
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "cudiss" / "checkpoints"


def _canonical(value: Any) -> Any:
    """JSON-able form of ``value`` with floats rounded so equal inputs hash equally."""
    if isinstance(value, Atoms):
        constraints = [c.todict() for c in value.constraints]
        return {
            "numbers": value.numbers.tolist(),
            "positions": np.round(value.positions, 5).tolist(),
            "cell": np.round(value.cell.array, 5).tolist(),
            "pbc": value.pbc.tolist(),
            "constraints": _canonical(constraints),
        }
    if isinstance(value, np.ndarray):
        return _canonical(value.tolist())
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    if isinstance(value, float | np.floating):
        return round(float(value), 8)
    if isinstance(value, np.integer):
        return int(value)
    return value


def checkpoint_key(kind: str, *inputs: Any) -> str:
    """Hash of everything that determines an optimisation's path.

    Parameters
    ----------
    kind
        ``relax`` or ``neb`` (part of the file name).
    *inputs
        Atoms, arrays, dicts (e.g. ``spec.model_dump()``) and plain values.
    """
    # a new cudiss version may take other steps: never resume across versions
    text = json.dumps([FORMAT, version("cudiss"), kind, _canonical(list(inputs))], sort_keys=True)
    return f"{kind}-{hashlib.sha256(text.encode()).hexdigest()[:20]}"


class Checkpoint:
    """One optimisation's checkpoint file, written atomically (MPI rank 0 only).

    Parameters
    ----------
    path
        The file; its folder is created on the first save.

    Attributes
    ----------
    found
        This run started from the file (it existed and was readable).
    resumed_steps
        Steps done before this run, read from the file (0 for a fresh start).
    steps
        Steps done so far, including ``resumed_steps``.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.resumed_steps = 0
        self.steps = 0
        self.found = False
        self._carried: dict[str, tuple[Callable[[], Any], Callable[[Any], None]]] = {}

    def carry(self, name: str, get: Callable[[], Any], restore: Callable[[Any], None]) -> None:
        """Save ``get()`` as ``name`` with every step; hand it to ``restore`` on a resume.

        For state outside the positions and the optimizer that steers the next
        steps: an SJM calculator's electron count and slope, so a resumed
        constant-potential run starts its potential search where it stopped.
        """
        self._carried[name] = (get, restore)

    @classmethod
    def for_inputs(cls, kind: str, *inputs: Any) -> Checkpoint | None:
        """The checkpoint of these inputs under :func:`checkpoint_root` (``None`` if off)."""
        root = checkpoint_root()
        return None if root is None else cls(root / f"{checkpoint_key(kind, *inputs)}.pkl")

    def load(self) -> dict | None:
        """The saved state, or ``None`` if there is none or it cannot be read."""
        try:
            with self.path.open("rb") as f:
                data = pickle.load(f)
        except FileNotFoundError:
            return None
        except Exception as exc:  # a foreign or damaged file: start over, do not crash
            logger.warning("ignoring unreadable checkpoint %s (%s)", self.path, exc)
            return None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            return None
        self.resumed_steps = self.steps = int(data.get("nsteps", 0))
        self.found = True
        for name, value in data.get("carried", {}).items():
            if name in self._carried:
                self._carried[name][1](value)
        return data

    def save(self, data: dict) -> None:
        """Replace the file by ``data`` (plus the format tag) in one atomic rename.

        The file's mode follows the umask like the trajectories next to it (the
        project's one writer, :func:`cudiss.analysis.fileio.replace_files`): it
        holds positions and optimizer state, nothing more private than they
        are, and a colleague rerunning a shared store must be able to read it to
        resume instead of starting over.
        """
        self.steps = int(data.get("nsteps", self.steps))
        carried = {name: get() for name, (get, _) in self._carried.items()}
        if world.rank != 0:
            return
        if carried:
            data = {**data, "carried": carried}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        payload = pickle.dumps({**data, "format": FORMAT}, protocol=pickle.HIGHEST_PROTOCOL)
        replace_files({self.path: lambda tmp: tmp.write_bytes(payload)})

    def describe(self) -> str | None:
        """One line for result documents, or ``None`` if this run started fresh."""
        if not self.found:
            return None
        after = self.steps - self.resumed_steps
        return (
            f"resumed from checkpoint at step {self.resumed_steps} "
            f"({self.resumed_steps} steps before the interruption, {after} after)"
        )


# Optimizer attributes that ASE's own restart files (``dump``/``read``) leave out
# but that steer the next steps.
_EXTRA_STATE = {"FIRE": ("a", "Nsteps")}


class ResumableMixin:
    """Adds checkpoint/resume to an ase ``Optimizer`` subclass (see :func:`resumable`).

    ASE optimizers hand their state to ``dump`` after every step (for their own
    ``restart=`` files) and take it back through ``load``/``read``. Here ``dump``
    keeps the state in memory, and after each step the position vector, the
    step count and that state go to ``on_step`` (by default: the checkpoint).
    Saving happens after the move and before the forces at the new positions
    are computed, so a run killed during that force call resumes exactly there.
    """

    def __init__(
        self,
        atoms: Any,
        *args: Any,
        checkpoint: Checkpoint | None = None,
        on_step: Callable[[dict], None] | None = None,
        steps_include_resumed: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(atoms, *args, **kwargs)  # type: ignore[call-arg]
        self.checkpoint = checkpoint
        self.on_step = on_step or (checkpoint.save if checkpoint is not None else None)
        self.steps_include_resumed = steps_include_resumed
        self.resumed_steps = 0
        self._state: Any = None
        saved = checkpoint.load() if checkpoint is not None else None
        if saved is not None:
            self.restore(saved)

    # ASE's restart hooks, redirected to memory
    def dump(self, data: Any) -> None:
        self._state = data

    def load(self) -> Any:
        return self._state

    def snapshot(self) -> dict:
        """Everything needed to continue from here (positions, steps, optimizer state)."""
        extra = {name: getattr(self, name) for name in _EXTRA_STATE.get(self._kind(), ())}
        return {
            "x": np.array(self.optimizable.get_x(), copy=True),
            "nsteps": self.nsteps,
            "state": self._state,
            "extra": extra,
        }

    def restore(self, saved: dict) -> None:
        """Continue from a :meth:`snapshot` (positions, step count, optimizer state)."""
        if saved.get("state") is not None:
            self._state = saved["state"]
            self.read()
            for name, value in saved.get("extra", {}).items():
                setattr(self, name, value)
        self.optimizable.set_x(np.asarray(saved["x"]))
        self.nsteps = self.resumed_steps = int(saved["nsteps"])

    def finish(self) -> None:
        """Keep only the converged positions (the optimizer state is large and now useless)."""
        if self.on_step is not None:
            self.on_step({**self.snapshot(), "state": None, "extra": {}, "finished": True})

    def _kind(self) -> str:
        return next(c.__name__ for c in type(self).__mro__ if c.__module__.startswith("ase."))

    def step(self, *args: Any, **kwargs: Any) -> None:
        super().step(*args, **kwargs)  # type: ignore[misc]
        if self.on_step is not None:
            self.on_step({**self.snapshot(), "nsteps": self.nsteps + 1})

    def irun(self, fmax: float = 0.05, steps: int = 100_000_000) -> Iterator[bool]:
        if self.steps_include_resumed:
            steps = max(steps - self.resumed_steps, 0)
        if self.resumed_steps and self.nsteps == self.resumed_steps:
            # ASE calls observers at the start only when nsteps == 0; the
            # restored geometry is a step of its own (trajectories, progress).
            self.optimizable.get_gradient()
            self.call_observers()
        yield from super().irun(fmax=fmax, steps=steps)  # type: ignore[misc]

    def run(self, fmax: float = 0.05, steps: int = 100_000_000) -> bool:
        converged = False
        for step_converged in self.irun(fmax=fmax, steps=steps):
            converged = step_converged
        if converged:
            self.finish()
        return converged


_RESUMABLE: dict[type, type] = {}


def resumable(optimizer_class: type[Optimizer]) -> type[Optimizer]:
    """``optimizer_class`` with checkpoint/resume (:class:`ResumableMixin`).

    The class takes the extra keyword arguments ``checkpoint``, ``on_step`` and
    ``steps_include_resumed`` (``steps`` of ``run`` counts the steps done before
    the interruption too: a relaxation's step limit stays the same overall).
    """
    if optimizer_class not in _RESUMABLE:
        _RESUMABLE[optimizer_class] = type(
            f"Resumable{optimizer_class.__name__}", (ResumableMixin, optimizer_class), {}
        )
    return _RESUMABLE[optimizer_class]
