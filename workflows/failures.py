"""A failed step as data: its exception becomes the step's output document.

Every step of a removal flow (bulk, endpoints, relaxations, interpolation,
NEB) is wrapped with :func:`failures_as_data`. When it raises, the job still
completes and stores a :class:`StepFailure` (which step, and the exception's
message) as its output; the result job finds it among its inputs and writes
it into the result document. Nothing is read back from log lines.

A failure stands in for the output it replaces: any attribute or item of it is
the failure itself, so a reference such as ``endpoints.output.initial``
resolves to it, and every later wrapped step returns it unchanged instead of
running.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class StepFailure:
    """A step that raised.

    Parameters
    ----------
    step
        The job's name (e.g. ``"Cu(100) adatom: relax initial"``).
    error
        ``"ExceptionType: message"`` (the message's last line).
    detail
        The exception's whole message (e.g. an MPI worker's traceback).
    """

    def __init__(self, step: str, error: str, detail: str = "") -> None:
        self.step = step
        self.error = error
        self.detail = detail

    @classmethod
    def from_exception(cls, step: str, exc: BaseException) -> StepFailure:
        """The failure of ``step`` that raised ``exc``."""
        lines = str(exc).strip().splitlines()
        message = lines[-1] if lines else ""
        error = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
        return cls(step, error, str(exc))

    def __getattr__(self, name: str) -> StepFailure:
        # Only reached for names the failure does not have: it stands in for the
        # attributes of the output it replaces (protocol names stay absent).
        if name.startswith("_"):
            raise AttributeError(name)
        return self

    def __getitem__(self, key: Any) -> StepFailure:
        return self

    def __str__(self) -> str:
        return f"{self.step}: {self.error}"

    def __repr__(self) -> str:
        return f"StepFailure({self.step!r}, {self.error!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, StepFailure) and (self.step, self.error) == (
            other.step,
            other.error,
        )

    def __hash__(self) -> int:
        return hash((self.step, self.error))

    def as_dict(self) -> dict[str, str]:
        """The stored form (monty/jobflow serialisation)."""
        return {
            "@module": type(self).__module__,
            "@class": type(self).__name__,
            "step": self.step,
            "error": self.error,
            "detail": self.detail,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StepFailure:
        """Rebuild a failure from :meth:`as_dict`'s form."""
        return cls(data["step"], data["error"], data.get("detail", ""))


def stored_failure(store: Any, uuid: str) -> StepFailure | None:
    """The failure a job stored as its output in ``store`` (a jobflow JobStore), or ``None``."""
    doc = store.query_one(
        {"uuid": uuid, "output.@class": StepFailure.__name__}, properties=["output"]
    )
    return None if doc is None else StepFailure.from_dict(doc["output"])


def first_failure(values: Iterable[Any]) -> StepFailure | None:
    """The first :class:`StepFailure` among ``values`` (looking into lists, tuples, dicts)."""
    for value in values:
        if isinstance(value, StepFailure):
            return value
        if isinstance(value, list | tuple):
            inner = first_failure(value)
        elif isinstance(value, dict):
            inner = first_failure(value.values())
        else:
            continue
        if inner is not None:
            return inner
    return None


def _current_step(function: Callable) -> str:
    from jobflow import CURRENT_JOB

    job = CURRENT_JOB.job
    return job.name if job is not None else function.__name__


def failures_as_data(function: F) -> F:
    """Wrap a step: pass on a failed input, and return a raised exception as a failure.

    Put it under jobflow's ``@job`` (on a function or a Maker's ``make``). The
    wrapped step returns the first :class:`StepFailure` among its arguments
    without running, and a :class:`StepFailure` named after the running job
    instead of raising. ``KeyboardInterrupt`` and other non-``Exception``
    signals still end the run.
    """

    @functools.wraps(function)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        failure = first_failure([*args, *kwargs.values()])
        if failure is not None:
            return failure
        try:
            return function(*args, **kwargs)
        except Exception as exc:
            return StepFailure.from_exception(_current_step(function), exc)

    return guarded  # type: ignore[return-value]
