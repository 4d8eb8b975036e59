"""GPAW under MPI in this venv gives the serial energy (docs/calibration.md recipe)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.mpi

# 4-atom Cu(100) slab, PW(200), kpts (2,2,1): ~2 s serial on 2 cores
SCRIPT = """\
import json, sys, time
from ase.build import fcc100
from gpaw import GPAW, PW
from gpaw.mpi import world

t0 = time.time()
slab = fcc100("Cu", size=(1, 1, 4), vacuum=5.0)
slab.calc = GPAW(mode=PW(200), kpts=(2, 2, 1), xc="PBE", txt=None)
energy = slab.get_potential_energy()
if world.rank == 0:
    with open(sys.argv[1], "w") as f:
        json.dump({"energy": energy, "ranks": world.size, "seconds": time.time() - t0}, f)
"""


def _env() -> dict[str, str]:
    # one thread per rank: OpenBLAS threads would oversubscribe the 2 cores
    return {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}


def _run(cmd: list[str], cwd: Path) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=_env(), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return time.perf_counter() - t0


def test_gpaw_mpi_two_ranks_matches_serial(tmp_path: Path) -> None:
    script = tmp_path / "single_point.py"
    script.write_text(SCRIPT)
    gpaw = Path(sys.executable).with_name("gpaw")
    mpiexec = shutil.which("mpiexec")
    assert mpiexec, "openmpi-bin (mpiexec) is not installed"

    t_serial = _run([sys.executable, str(script), "serial.json"], tmp_path)
    cmd = [mpiexec, "-np", "2"]
    if os.geteuid() == 0:
        cmd.append("--allow-run-as-root")
    # `gpaw python`, not `python`: GPAW under mpiexec needs its own interpreter wrapper
    t_mpi = _run([*cmd, str(gpaw), "python", str(script), "mpi.json"], tmp_path)

    serial = json.loads((tmp_path / "serial.json").read_text())
    mpi = json.loads((tmp_path / "mpi.json").read_text())
    print(f"serial {t_serial:.1f} s wall, 2 ranks {t_mpi:.1f} s wall")
    assert serial["ranks"] == 1
    assert mpi["ranks"] == 2  # really ran in parallel, not two serial copies
    assert serial["energy"] < -1.0  # a real Cu slab energy, not a default
    assert abs(mpi["energy"] - serial["energy"]) < 1e-3
