"""Vibrations on two MPI ranks: every rank reads the displacement cache only once it is written.

ASE's ``Vibrations.run`` saves each displacement's forces on rank 0 after the
calculation and has no barrier at its end, so rank 1 could read the last cache
file before rank 0 had written it (an empty file: a JSON error on rank 1, the
step failed). Seen once in CI on a loaded machine (the H2 gas vibrations of
tests/workflows/test_mechanism_gpaw.py). Here rank 0 is made slow to save,
which turns that rare race into a certain one.
"""

from __future__ import annotations

import os
import subprocess
import textwrap
from pathlib import Path

import pytest
from ase import Atoms

from cudiss.workflows import mpi
from cudiss.workflows.calculators import CalculatorSpec
from cudiss.workflows.mechanism_steps import VibrationsStepMaker

pytestmark = pytest.mark.mpi

SCRIPT = textwrap.dedent(
    """
    import sys, time
    from ase import Atoms
    from ase.parallel import world
    from ase.utils import filecache

    from cudiss.workflows.calculators import CalculatorSpec
    from cudiss.workflows.mechanism_steps import VibrationsStepMaker

    save = filecache.CacheLock.save

    def slow_save(self, value):
        time.sleep(0.5)  # rank 0 (the only one that saves) lags behind rank 1
        save(self, value)

    filecache.CacheLock.save = slow_save
    co = Atoms("CO", positions=[(0, 0, 0), (0, 0, 1.15)], cell=[8, 8, 8])
    maker = VibrationsStepMaker(calculator_spec=CalculatorSpec(code="emt"), kind="molecule")
    result = maker.run_vibrations(co, [0, 1])
    print(f"rank {world.rank} of {world.size}: {max(result.frequencies_cm):.3f}")
    """
)


def test_every_rank_reads_the_vibrations_written_by_rank_0(tmp_path: Path, monkeypatch) -> None:
    script = tmp_path / "vib_ranks.py"
    script.write_text(SCRIPT)
    command = [*mpi.launcher_for_ranks(2).split(), str(script)]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "CUDISS_CHECKPOINT_DIR": str(tmp_path / "ck")}
    done = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = sorted(line for line in done.stdout.splitlines() if line.startswith("rank"))
    assert [line.split(":")[0] for line in lines] == ["rank 0 of 2", "rank 1 of 2"]
    # both ranks hold the C-O stretch a serial run of the same step gives
    serial = VibrationsStepMaker(calculator_spec=CalculatorSpec(code="emt"), kind="molecule")
    co = Atoms("CO", positions=[(0, 0, 0), (0, 0, 1.15)], cell=[8, 8, 8])
    monkeypatch.setenv("CUDISS_CHECKPOINT_DIR", str(tmp_path / "serial"))
    stretch = max(serial.run_vibrations(co, [0, 1]).frequencies_cm)
    for line in lines:
        assert float(line.split(": ")[1]) == pytest.approx(stretch, abs=1e-3)
