"""Progress of long runs, shown by whoever is watching (the CLI), silent otherwise.

Two levels:

* optimizer steps: jobs report through module-level functions (:func:`step`,
  :class:`OptimizerLog`) instead of a callback stored on a Maker, because
  Makers are serialised into job documents (jobflow-remote) and a callable
  cannot be;
* finished jobs of a run: :class:`RunProgress` knows every job of the flow
  (configuration, step, expected cost), is told when each starts and finishes,
  and says where the run is: configuration k of N, the step, the time elapsed
  and an estimate of what is left.
"""

from __future__ import annotations

import io
import math
import statistics
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from cudiss.workflows.failures import StepFailure

_listener: Callable[[int, float, float | None], None] | None = None

TREND_STEPS = 8
"""Optimizer steps of the running step whose force trend estimates its time left."""


def set_listener(listener: Callable[[int, float, float | None], None] | None) -> None:
    """Install (or with ``None`` remove) the function told about each optimizer step."""
    global _listener
    _listener = listener


def step(number: int, fmax: float, target: float | None = None) -> None:
    """Report one relaxation or NEB band step, its largest force and the target (eV/Å)."""
    if _listener is not None:
        _listener(number, fmax, target)


class OptimizerLog(io.TextIOBase):
    """A log stream for ASE optimizers that reports each logged step.

    ASE optimizers write ``NAME:  step  hh:mm:ss  energy  fmax`` lines; passing
    this as their ``logfile`` turns every line into a :func:`step` call.

    Parameters
    ----------
    target
        The optimizer's fmax (eV/Å), reported with every step.
    """

    def __init__(self, target: float | None = None) -> None:
        super().__init__()
        self.target = target

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        for line in text.splitlines():
            fields = line.split()
            if len(fields) >= 5 and fields[0].endswith(":") and fields[1].isdigit():
                try:
                    step(int(fields[1]), float(fields[-1]), self.target)
                except ValueError:
                    continue
        return len(text)


def duration(seconds: float) -> str:
    """``7.4 s``, ``42 s``, ``3 min 05 s``, ``2 h 10 min``: a time span for people.

    >>> duration(7.44), duration(42.2), duration(185), duration(7800)
    ('7.4 s', '42 s', '3 min 05 s', '2 h 10 min')
    """
    if seconds < 9.95:
        return f"{max(seconds, 0.0):.1f} s"
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


@dataclass
class _Step:
    configuration: int | None  # 1-based; None for steps shared by all (bulk Cu)
    label: str
    name: str
    kind: str
    started: float | None = None
    seconds: float | None = None
    # (seconds since start, fmax eV/Å) of its optimizer steps, and their target
    trace: list[tuple[float, float]] = field(default_factory=list)
    target: float | None = None
    last_number: int = -1


def _outcome(step: _Step, failure: StepFailure | None) -> str:
    """``done in 4.0 s``, ``failed after 4.0 s: ERROR`` or ``not run (STEP failed)``."""
    if failure is None:
        return f"done in {duration(step.seconds)}"
    if failure.step.endswith(f": {step.name}") or failure.step == step.name:
        return f"failed after {duration(step.seconds)}: {failure.error}"
    return f"not run ({failure.step} failed)"


def trend_left(trace: list[tuple[float, float]], target: float | None) -> float | None:
    """Seconds until fmax reaches ``target`` if log fmax keeps falling as it has.

    Fits log fmax against time over the last :data:`TREND_STEPS` steps of
    ``trace`` (``(seconds, fmax)`` pairs); ``None`` with no target, fewer than
    three steps, or forces not falling.
    """
    recent = trace[-TREND_STEPS:]
    if target is None or target <= 0 or len(recent) < 3:
        return None
    times = [t for t, _ in recent]
    logs = [math.log(max(f, 1e-12)) for _, f in recent]
    if max(times) <= min(times):
        return None
    slope = statistics.linear_regression(times, logs).slope
    if slope >= 0:
        return None
    return max(logs[-1] - math.log(target), 0.0) / -slope


def _kind(name: str) -> str:
    """The cost class of a step, from its name (``relax initial`` -> ``relax``)."""
    lowered = name.lower()
    if lowered.startswith("carry "):  # "carry initial relaxation to final": no calculator
        return "light"
    for kind in ("ci-neb", "relax", "bulk", "vibrations"):
        if kind in lowered:
            return kind
    return "light"


class RunProgress:
    """Where a run of a flow is: finished steps, configuration k of N, time left.

    Parameters
    ----------
    jobs
        ``(uuid, name)`` of every job the run will execute; names are
        ``"LABEL: STEP"`` where LABEL is one of ``labels`` (other jobs, such as
        the bulk reference, are shared by all configurations).
    labels
        The configurations' labels, in the order they are counted (k of N).
    neb_images
        Images of each CI-NEB: its expected cost relative to a relaxation until
        one has been timed.
    clock
        Seconds, monotonic (a fake one in tests).

    Notes
    -----
    The estimate of what is left adds, for every step not finished yet, the
    mean time of the finished steps of its kind (relaxation, CI-NEB, bulk,
    vibrations, light bookkeeping steps, the final relaxation of a carried-over
    hop), or, for a kind not timed yet, its weight (a relaxation or a
    vibrations step 1, a carried final relaxation 0.1, a CI-NEB two per image)
    times the time per weight measured so far; the running step's elapsed
    time is subtracted from its share. The running step is given at least
    the time its optimizer's fmax needs to fall to the target at the rate of
    its last steps (:func:`trend_left`): a CO-bound NEB takes four times as
    long as the bare one before it (README job: 4 min 30 s against 58 s).
    """

    WEIGHTS: ClassVar[dict[str, float]] = {
        "relax": 1.0,
        # an adatom hop's final state carried over from the relaxed initial one:
        # one calculator call (21-29 s against 3.4-3.9 min relaxations, README job)
        "carried relax": 0.1,
        "bulk": 1.0,
        "vibrations": 1.0,
        "light": 0.02,
    }

    def __init__(
        self,
        jobs: Iterable[tuple[str, str]],
        labels: list[str],
        neb_images: int = 5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.clock = clock
        self.start = clock()
        self.labels = list(labels)
        index = {label: k for k, label in enumerate(self.labels, start=1)}
        self.weights = {**self.WEIGHTS, "ci-neb": 2.0 * max(neb_images, 1)}
        self.steps: dict[str, _Step] = {}
        for uuid, name in jobs:
            label, _, step_name = name.partition(": ")
            configuration = index.get(label)
            if configuration is None:  # shared: "CAMPAIGN: bulk Cu (calc)"
                label, step_name = "shared by all configurations", step_name or name
            self.steps[uuid] = _Step(configuration, label, step_name, _kind(step_name))
        self._mark_carried_relaxations()
        self.current: _Step | None = None

    def _mark_carried_relaxations(self) -> None:
        """Give ``relax final`` after a carry-over its own kind: it is not a relaxation's cost."""
        carried = {s.configuration for s in self.steps.values() if s.name.startswith("carry ")}
        for s in self.steps.values():
            if s.configuration in carried and s.name == "relax final":
                s.kind = "carried relax"

    @property
    def total(self) -> int:
        """Number of steps of the run."""
        return len(self.steps)

    @property
    def done(self) -> int:
        """Steps finished."""
        return sum(s.seconds is not None for s in self.steps.values())

    def configurations_done(self) -> int:
        """Configurations whose every step has finished."""
        return sum(
            all(s.seconds is not None for s in self.steps.values() if s.configuration == k)
            for k in range(1, len(self.labels) + 1)
        )

    def _step(self, uuid: str, name: str) -> _Step:
        if uuid not in self.steps:  # a job added while running (replace, detour)
            label, _, step_name = name.partition(": ")
            k = self.labels.index(label) + 1 if label in self.labels else None
            self.steps[uuid] = _Step(k, label, step_name or name, _kind(step_name or name))
        return self.steps[uuid]

    def observe(self, number: int, fmax: float, target: float | None = None) -> None:
        """An optimizer step of the running step: its number, fmax and target (eV/Å).

        A step number not above the last one starts another optimizer (a
        relaxation's second stage, a band after its surrogate stage): the
        force trend starts again.
        """
        step = self.current
        if step is None or step.started is None:
            return
        if number <= step.last_number:
            step.trace.clear()
        step.last_number, step.target = number, target
        step.trace.append((self.clock() - step.started, fmax))

    def started(self, uuid: str, name: str) -> None:
        """A job has started."""
        self.current = self._step(uuid, name)
        self.current.started = self.clock()

    def finished(self, uuid: str, name: str, failure: StepFailure | None = None) -> str:
        """A job has finished: mark it and return its progress line.

        ``failure``: the job's output, when it is a failure. Its own (the step
        raised) reads ``failed after ...: ERROR``; one passed on from an earlier
        step reads ``not run (STEP failed)``.
        """
        step = self._step(uuid, name)
        now = self.clock()
        step.seconds = now - (step.started if step.started is not None else now)
        if self.current is step:
            self.current = None
        where = self._where(step)
        line = f"[{self.done}/{self.total}] {where}: {step.name} {_outcome(step, failure)}"
        line += f" ({self._times()})"
        if step.configuration is not None and all(
            s.seconds is not None
            for s in self.steps.values()
            if s.configuration == step.configuration
        ):
            line += (
                f"; configuration {step.configuration} finished "
                f"({self.configurations_done()} of {len(self.labels)})"
            )
        return line

    def status(self, detail: str = "") -> str:
        """The live status line: the running step, k of N, its detail and the times."""
        step = self.current
        if step is None:
            head = f"[{self.done}/{self.total}]"
        else:
            head = f"[{self.done + 1}/{self.total}] {self._where(step)}: {step.name}"
        return "  ".join(part for part in (head, detail, self._times()) if part)

    def _where(self, step: _Step) -> str:
        if step.configuration is None:
            return step.label
        return f"configuration {step.configuration} of {len(self.labels)}, {step.label}"

    def _times(self) -> str:
        elapsed = self.clock() - self.start
        left = self.left()
        estimate = "estimating what is left" if left is None else f"about {duration(left)} left"
        return f"elapsed {duration(elapsed)}, {estimate}"

    def left(self) -> float | None:
        """Seconds the unfinished steps are expected to take (``None``: nothing timed yet)."""
        finished = [s for s in self.steps.values() if s.seconds is not None]
        weight_done = sum(self.weights[s.kind] for s in finished)
        if not finished or weight_done <= 0:
            return None
        per_weight = sum(s.seconds for s in finished) / weight_done
        by_kind: dict[str, list[float]] = {}
        for s in finished:
            by_kind.setdefault(s.kind, []).append(s.seconds)
        now = self.clock()
        left = 0.0
        for s in self.steps.values():
            if s.seconds is not None:
                continue
            times = by_kind.get(s.kind)
            expected = sum(times) / len(times) if times else self.weights[s.kind] * per_weight
            if s is self.current and s.started is not None:
                expected = max(expected - (now - s.started), 0.0)
                trend = trend_left(s.trace, s.target)
                if trend is not None:  # a step harder than its kind's mean (an adsorbate's NEB)
                    expected = max(expected, trend - (now - s.started - s.trace[-1][0]))
            left += expected
        return left
