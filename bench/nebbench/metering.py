"""Counting what every method costs, the same way for all of them.

One call = one new geometry evaluated by one calculator instance (cache hits
are free), whether the calculator is the real one (EMT, GPAW) or a surrogate
(EMT, SevenNet, CHGNet). SCF iterations are summed from GPAW's
``get_number_of_iterations()`` after each new geometry, and read back from the
GPAW text logs to tell first (cold) calls from later (warm) ones.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from ase import Atoms


@dataclass
class Meter:
    """Counts real evaluations (new geometries) and GPAW SCF iterations of many calculators."""

    force_calls: int = 0
    scf_iterations: int = 0
    per_call_scf: list[int] = field(default_factory=list)

    def wrap(self, calc: Any) -> Any:
        """Instrument ``calc`` in place (energy and forces) and return it.

        A geometry counts once per calculator instance, whichever of energy or
        forces is asked first; GPAW's SCF iteration count of that evaluation is
        read right after it. A calculator that dropped its results (cudiss's
        adaptive SCF re-converging a loose band in place) counts again at the
        same geometry: that is another SCF cycle and force evaluation.
        """
        last: list[np.ndarray | None] = [None]
        meter = self

        def instrument(name: str) -> None:
            original = getattr(calc, name)

            def metered(atoms: Atoms | None = None, *args: Any, **kwargs: Any) -> Any:
                atoms_ = atoms if atoms is not None else calc.atoms
                positions = None if atoms_ is None else atoms_.get_positions()
                results = getattr(calc, "results", None)
                stale = isinstance(results, dict) and not results
                new = positions is not None and (
                    last[0] is None or not np.array_equal(positions, last[0]) or stale
                )
                result = original(atoms, *args, **kwargs)
                if new:
                    meter.force_calls += 1
                    last[0] = positions.copy()
                    if hasattr(calc, "get_number_of_iterations"):
                        niter = int(calc.get_number_of_iterations())
                        meter.scf_iterations += niter
                        meter.per_call_scf.append(niter)
                return result

            setattr(calc, name, metered)

        instrument("get_forces")
        instrument("get_potential_energy")
        return calc

    def summary(self) -> dict[str, Any]:
        """Calls, SCF iterations and SCF per call (``None`` without SCF) as JSON numbers."""
        per_call = self.scf_iterations / self.force_calls if self.scf_iterations else None
        return {
            "force_calls": self.force_calls,
            "scf_iterations": self.scf_iterations,
            "scf_per_call": None if per_call is None else round(per_call, 2),
        }


PARTS_FILE = "parts.json"
"""Where a resumable method keeps what its parts so far cost (in its folder)."""


@dataclass
class EarlierParts:
    """What the earlier parts of a resumable method cost: a run killed, then resumed.

    Saved after every band step, read back when the method starts again in the
    same folder: its meter goes on counting from there, and the wall time adds
    up. Calls between the last save and the kill are not counted; the resumed
    run makes them again and counts them, so the total is what one unbroken run
    would have cost, plus the cold SCF starts of the resumed calculators.
    """

    meter: Meter = field(default_factory=Meter)
    wall_s: float = 0.0
    surrogates: dict[str, Any] | None = None
    parts: int = 0

    @classmethod
    def load(cls, folder: Path) -> EarlierParts:
        """The record in ``folder``, or an empty one for a first start."""
        path = folder / PARTS_FILE
        if not path.exists():
            return cls()
        data = json.loads(path.read_text())
        return cls(Meter(**data["meter"]), data["wall_s"], data["surrogates"], data["parts"])

    def save(
        self, folder: Path, meter: Meter, wall_s: float, surrogates: dict[str, Any] | None
    ) -> None:
        """Record this part's totals so far (atomically: a kill leaves the last record)."""
        record = {
            "meter": asdict(meter),
            "wall_s": round(self.wall_s + wall_s, 2),
            # a resumed band skips the surrogate stage and Hessian: the first part's
            "surrogates": self.surrogates or surrogates,
            "parts": self.parts + 1,
        }
        path = folder / PARTS_FILE
        path.with_suffix(".tmp").write_text(json.dumps(record))
        os.replace(path.with_suffix(".tmp"), path)


class FreshOnDeepcopy:
    """Stand-in calculator whose ``deepcopy`` is a fresh metered calculator.

    atomate2's ``AseNebInterface`` gives each image (endpoints included)
    ``deepcopy(self.calculator)`` and never uses the prototype itself. GPAW's
    calculator cannot be deep-copied (open log file, MPI communicator), so for the
    atomate2 baseline the prototype hands out fresh calculators from a factory.
    """

    def __init__(self, factory: Callable[[], Any]) -> None:
        self.factory = factory

    def __deepcopy__(self, memo: dict) -> Any:
        return self.factory()


@dataclass
class SurrogateMeter:
    """Surrogate calls of one cudiss NEB, split into the band stage and the NEB Hessian.

    ``NebRun.surrogate_force_calls`` counts the surrogate stage only; the
    Hessian of ``surrogate_precon`` costs 1-2 surrogate calls per free
    coordinate on top (docs/neb.md, open points), which matters once a call
    costs 0.1-0.4 s (MLIPs) instead of milliseconds (EMT).
    """

    stage: Meter = field(default_factory=Meter)
    hessian: Meter = field(default_factory=Meter)
    stage_wall_s: float = 0.0
    hessian_wall_s: float = 0.0
    active: Meter | None = None

    def summary(self) -> dict[str, Any]:
        """Metered surrogate calls (stage, Hessian) and their wall times (s)."""
        return {
            "surrogate_stage_calls": self.stage.force_calls,
            "surrogate_hessian_calls": self.hessian.force_calls,
            "surrogate_stage_wall_s": round(self.stage_wall_s, 2),
            "surrogate_hessian_wall_s": round(self.hessian_wall_s, 2),
        }


@contextmanager
def metered_surrogates() -> Iterator[SurrogateMeter]:
    """Meter every surrogate calculator cudiss's NEB engine builds while the block runs.

    The engine builds its surrogates through ``surrogate.surrogate_calculator``
    and takes the Hessian through ``driver.surrogate_neb_hessian`` (both looked
    up as module globals at call time); both are swapped for metered versions
    and put back on exit. Nothing else changes: the same calculators, the same
    numbers.
    """
    from cudiss.workflows.neb import driver, surrogate

    meters = SurrogateMeter()
    meters.active = meters.stage
    saved = (surrogate.surrogate_calculator, driver.surrogate_neb_hessian, driver.surrogate_band)

    def calculator(name: str) -> Callable[[], Any]:
        make = saved[0](name)
        return lambda: meters.active.wrap(make())

    def hessian(*args: Any, **kwargs: Any) -> Any:
        meters.active, start = meters.hessian, time.perf_counter()
        try:
            return saved[1](*args, **kwargs)
        finally:
            meters.active = meters.stage
            meters.hessian_wall_s += time.perf_counter() - start

    def band(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return saved[2](*args, **kwargs)
        finally:
            meters.stage_wall_s += time.perf_counter() - start

    surrogate.surrogate_calculator = calculator
    driver.surrogate_neb_hessian, driver.surrogate_band = hessian, band
    try:
        yield meters
    finally:
        surrogate.surrogate_calculator = saved[0]
        driver.surrogate_neb_hessian, driver.surrogate_band = saved[1], saved[2]


def scf_cycles(log: Path) -> list[int]:
    """SCF iterations of each calculation in one GPAW text log (``iter:`` lines).

    A calculation's iteration counter restarts at 1, which separates them.
    """
    cycles: list[int] = []
    for line in log.read_text(errors="replace").splitlines():
        if line.startswith("|iter:") or line.startswith("iter:"):
            number = int(line.split(":", 1)[1].split("|")[0].split()[0])
            if number == 1 or not cycles:
                cycles.append(0)
            cycles[-1] = max(cycles[-1], number)
    return cycles


def scf_log_stats(workdir: Path, method: str) -> dict[str, Any] | None:
    """Cold (first call of each image's calculator) vs warm (later calls) SCF counts.

    Every image's calculator starts from scratch on its first call and from the
    previous wavefunctions afterwards; the logs tell the two apart exactly.
    """
    logs = sorted(workdir.glob(f"{method}-*.txt"))
    if not logs:
        return None
    cold, warm = [], []
    for log in logs:
        cycles = scf_cycles(log)
        cold += cycles[:1]
        warm += cycles[1:]
    return {
        "logs": len(logs),
        "cold_calls": len(cold),
        "cold_scf_per_call": round(float(np.mean(cold)), 2) if cold else None,
        "warm_calls": len(warm),
        "warm_scf_per_call": round(float(np.mean(warm)), 2) if warm else None,
        "scf_total_from_logs": int(sum(cold) + sum(warm)),
    }


def dip_from_logs(workdir: Path, method: str, endpoint_energies: list[float]) -> float | None:
    """How far the lowest interior image ends below both endpoints (eV), from GPAW's logs.

    For rows measured before the bench recorded it: the last ``Extrapolated:``
    energy of each image's log (what GPAW's ``get_potential_energy`` returns).
    """
    finals = []
    for log in sorted(workdir.glob(f"{method}-*.txt")):
        lines = [line for line in log.read_text().splitlines() if "Extrapolated:" in line]
        if lines:
            finals.append(float(lines[-1].split()[-1]))
    if not finals:
        return None
    return round(min(endpoint_energies) - min(finals), 4)
