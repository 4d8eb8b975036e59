"""Constant-potential relaxations: their documents and resumes carry SJM's electron count.

GPAW-free: an EMT stand-in poses as SJM (tests/helpers/sjm_stand_in.py) behind
the real :class:`ElectrodeCalculator`.
The GPAW SJM relaxation killed with SIGKILL is in test_electrode_resume_gpaw.py.
"""

from __future__ import annotations

import pytest
from ase.build import fcc111
from ase.constraints import FixAtoms

from cudiss.workflows.calculators import CalculatorSpec
from cudiss.workflows.checkpoint import CHECKPOINT_ENV
from cudiss.workflows.makers import CuRelaxMaker
from tests.helpers.sjm_stand_in import (
    STEP_ELECTRONS,
    WORK_FUNCTION_V,
    SjmStandIn,
    stand_in_electrode,
)


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    """Checkpoints and atomate2's output files in this test's folder."""
    monkeypatch.setenv(CHECKPOINT_ENV, str(tmp_path))
    monkeypatch.chdir(tmp_path)


def slab():
    atoms = fcc111("Cu", (2, 2, 3), vacuum=6.0, a=3.6)
    atoms.set_constraint(
        FixAtoms(indices=[i for i, z in enumerate(atoms.positions[:, 2]) if z < 8])
    )
    atoms.positions[-1, 2] += 0.15  # a few BFGS steps from the minimum
    atoms.pbc = True
    return atoms


def relax(log: list[float], crash_at: int | None = None):
    maker = CuRelaxMaker(calculator_spec=CalculatorSpec(), fmax=0.02)
    maker._calculator = stand_in_electrode(log, crash_at)
    return maker.run_ase(slab())


def test_the_relaxation_document_says_where_the_electrode_ended():
    SjmStandIn.calls = 0
    log: list[float] = []
    result = relax(log)
    record = result.electrode
    assert record is not None
    assert record.scale == "SHE" and record.target_V == -1.0
    assert record.potential_absolute_V == WORK_FUNCTION_V
    assert record.potential_V == pytest.approx(WORK_FUNCTION_V - 4.4, abs=1e-12)
    # one calculation per force call, each moving the count by STEP_ELECTRONS from 0
    assert record.excess_electrons == pytest.approx(STEP_ELECTRONS * result.force_calls)
    assert result.force_calls >= 3


def test_a_resumed_relaxation_starts_from_the_saved_electron_count():
    SjmStandIn.calls = 0
    log: list[float] = []
    with pytest.raises(RuntimeError, match="node lost"):
        relax(log, crash_at=4)
    # calls 1-3 done, each checkpointed after its step: the file holds 3 x 0.01 electrons
    SjmStandIn.calls = 0
    resumed_log: list[float] = []
    result = relax(resumed_log)
    assert result.resumed is not None and "step 3" in result.resumed
    # built once from the spec (0 e), then rebuilt from the checkpoint
    assert resumed_log == [0.0, pytest.approx(3 * STEP_ELECTRONS)]
    assert result.electrode.excess_electrons == pytest.approx(
        STEP_ELECTRONS * (3 + result.force_calls)
    )


def test_without_an_electrode_the_document_has_none():
    result = CuRelaxMaker(calculator_spec=CalculatorSpec(), fmax=0.05).run_ase(slab())
    assert result.electrode is None
