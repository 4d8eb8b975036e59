"""Shared helpers for the issue-6 experiments (not part of the package).

Endpoints and IDPP band of each bench case are computed once and cached under
``bench/experiments/cache`` (GPAW endpoints take ~4 min), so every experiment
starts from exactly the same band as ``bench/bench_neb.py``.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np
from ase.io import read, write

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
# While neb.py was being edited by someone else the experiments imported a
# snapshot of the package (/tmp/cudiss-pkg, or /tmp/cudiss-prop with the
# proposal applied; see NOTES.md). The proposal is merged now (4616962,
# ae059a2): by default the package in this repository is used.
if os.environ.get("CUDISS_SNAPSHOT") and Path(os.environ["CUDISS_SNAPSHOT"]).is_dir():
    sys.path.insert(0, os.environ["CUDISS_SNAPSHOT"])

import bench_neb  # noqa: E402

CACHE = HERE / "cache"


def case_band(name: str):
    """(case, band, endpoint energies) for one bench case, cached."""
    case = bench_neb.CASES[name]
    CACHE.mkdir(exist_ok=True)
    traj, meta = CACHE / f"{name}-band.traj", CACHE / f"{name}-band.json"
    if traj.exists() and meta.exists():
        band = read(traj, ":")
        for image in band:
            image.calc = None
        return case, band, json.loads(meta.read_text())["energies"]
    import tempfile

    workdir = Path(tempfile.mkdtemp(prefix=f"exp-{name}-"))
    band, energies, info = bench_neb.relax_endpoints(case, workdir)
    for image in band:
        image.calc = None
    write(traj, band)
    meta.write_text(json.dumps({"energies": energies, "relax": info}, indent=1))
    return case, band, energies


def scf_per_log(workdir: Path, prefix: str) -> dict[str, list[int]]:
    return {log.name: bench_neb.scf_cycles(log) for log in sorted(workdir.glob(f"{prefix}*.txt"))}


def summary(result: dict) -> str:
    keys = (
        "force_calls",
        "scf_iterations",
        "scf_per_call",
        "barrier_eV",
        "final_fmax",
        "converged",
    )
    return json.dumps({k: result.get(k) for k in keys})


__all__ = ["bench_neb", "case_band", "np", "scf_per_log", "summary"]
