"""An EMT calculator posing as GPAW's SJM, for GPAW-free tests of constant-potential runs.

It keeps ``parameters["sj"]`` as SJM does, moves its electron count by
:data:`STEP_ELECTRONS` after every calculation (SJM adjusts it geometry by
geometry), reports a fixed work function, and can fail at a chosen call to
stand for a killed run.
"""

from __future__ import annotations

from ase.calculators.emt import EMT

from cudiss.workflows.calculators.electrode import ElectrodeCalculator, ElectrodeSpec

WORK_FUNCTION_V = 3.4  # -1.0 V vs SHE with SHE at 4.4 V on SJM's scale
STEP_ELECTRONS = 0.01


class SjmStandIn(EMT):
    """EMT posing as SJM; every instance appends its starting electron count to ``log``.

    ``calls`` counts calculations over all instances (reset it per test);
    calculation number ``crash_at`` raises ``RuntimeError("node lost")``.
    """

    calls = 0

    def __init__(self, electrode: ElectrodeSpec, log: list[float], crash_at: int | None) -> None:
        super().__init__()
        self.parameters["sj"] = {
            "excess_electrons": electrode.excess_electrons,
            "slope": -5.2,
            "tol": electrode.tolerance_V,
            "always_adjust": False,
        }
        self.crash_at = crash_at
        log.append(electrode.excess_electrons)

    def calculate(self, *args, **kwargs) -> None:
        SjmStandIn.calls += 1
        if SjmStandIn.calls == self.crash_at:
            raise RuntimeError("node lost")
        super().calculate(*args, **kwargs)
        self.parameters["sj"]["excess_electrons"] += STEP_ELECTRONS

    def set(self, **kwargs):
        # SJM merges an ``sj`` dict into its own, key by key
        self.parameters.setdefault("sj", {}).update(kwargs.pop("sj", {}))
        return super().set(**kwargs) if kwargs else {}

    def get_electrode_potential(self) -> float:
        return WORK_FUNCTION_V


def stand_in_electrode(log: list[float], crash_at: int | None = None) -> ElectrodeCalculator:
    """An :class:`ElectrodeCalculator` at −1.0 V SHE around a :class:`SjmStandIn`."""
    return ElectrodeCalculator(
        lambda rung, now: SjmStandIn(now, log, crash_at),
        ElectrodeSpec(potential_V=-1.0, scale="SHE"),
        {},
    )
