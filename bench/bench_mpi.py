"""2-rank speedup of a GPAW CI-NEB through cudiss (CuNebMaker), serial vs MPI.

Cu adatom hop on Cu(100) 2x2x3 (13 atoms), GPAW ``test`` preset (PW(250),
kpts (2,2,1)), 3 interior images, ODE optimizer, fmax 0.05. The endpoints are
relaxed once with EMT (the NEB inputs only need to be identical for both runs);
both NEBs go through ``CuNebMaker.run_ase``: serial in-process, then with
``CUDISS_MPI_LAUNCHER`` set to 2 ranks (3 images on 2 ranks: each image on
both ranks in turn). Prints a table and writes ``bench/mpi_results.json``.

Run: ``.venv/bin/python bench/bench_mpi.py [--ranks 2]`` (about 5-8 minutes
on 2 idle cores).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from ase.build import add_adsorbate, fcc100
from ase.calculators.emt import EMT
from ase.constraints import FixAtoms
from ase.optimize import BFGS

from cudiss.workflows import mpi
from cudiss.workflows.calculators import CalculatorSpec
from cudiss.workflows.makers import CuNebMaker
from cudiss.workflows.neb import NebSettings, interpolate_band

SPEC = CalculatorSpec(code="gpaw", preset="test")
SETTINGS = NebSettings(n_images=3, fmax=0.05, climb=True, optimizer="ode")


def endpoint(hollow: tuple[float, float]):
    """Cu(100) 2x2x3 with a Cu adatom at ``hollow`` (Å), EMT-relaxed, bottom layer fixed."""
    slab = fcc100("Cu", size=(2, 2, 3), vacuum=6.0)
    add_adsorbate(slab, "Cu", 1.7, position=hollow)
    slab.set_constraint(FixAtoms(indices=[a.index for a in slab if a.tag == 3]))
    slab.calc = EMT()
    BFGS(slab, logfile=None).run(fmax=0.03, steps=200)
    slab.calc = None
    return slab


def loadavg() -> list[float]:
    """1, 5 and 15 minute load averages (other users of the 2 cores)."""
    return [round(x, 2) for x in os.getloadavg()]


def run(band: list, ranks: int, root: Path) -> dict:
    """One NEB through CuNebMaker; serial in-process for ``ranks == 1``."""
    folder = root / f"ranks{ranks}"
    folder.mkdir()
    os.chdir(folder)
    if ranks > 1:
        os.environ[mpi.MPI_LAUNCHER_ENV] = mpi.launcher_for_ranks(ranks)
    else:
        os.environ.pop(mpi.MPI_LAUNCHER_ENV, None)
    load_before = loadavg()
    start = time.perf_counter()
    result = CuNebMaker(calculator_spec=SPEC, settings=SETTINGS).run_ase(band)
    wall = time.perf_counter() - start
    info = mpi.last_run if ranks > 1 else None
    return {
        "ranks": info.ranks if info else 1,
        "parallel_images": bool(info and info.parallel_images),
        "wall_s": round(wall, 1),
        "barrier_eV": round(max(result.energies) - result.energies[0], 4),
        "force_calls": result.force_calls,
        "converged": result.converged,
        "load_before": load_before,
        "load_after": loadavg(),
    }


def main() -> None:
    """Measure, print a table, write bench/mpi_results.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ranks", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("mpi_results.json"))
    args = parser.parse_args()
    out = args.out.resolve()

    a = 3.615 / np.sqrt(2)
    band = interpolate_band(
        endpoint((0.5 * a, 0.5 * a)), endpoint((1.5 * a, 0.5 * a)), SETTINGS.n_images
    )
    root = Path(tempfile.mkdtemp(prefix="bench-mpi-"))
    print(f"work dir {root}", flush=True)
    serial = run(band, 1, root)
    parallel = run(band, args.ranks, root)
    ratio = serial["wall_s"] / parallel["wall_s"]

    print(f"{'ranks':>5} {'wall s':>8} {'barrier eV':>11} {'force calls':>12} {'load 1/5/15':>16}")
    for row in (serial, parallel):
        load = "/".join(f"{x:.1f}" for x in row["load_before"])
        print(
            f"{row['ranks']:>5} {row['wall_s']:>8.1f} {row['barrier_eV']:>11.4f} "
            f"{row['force_calls']:>12} {load:>16}"
        )
    print(f"speedup serial/{args.ranks} ranks: {ratio:.2f}")

    record = {
        "system": "Cu(100) 2x2x3 + Cu adatom hop, 13 atoms",
        "calculator": SPEC.model_dump(),
        "neb": SETTINGS.model_dump(),
        "serial": serial,
        "mpi": parallel,
        "speedup": round(ratio, 2),
        "barrier_difference_meV": round(
            1000 * abs(serial["barrier_eV"] - parallel["barrier_eV"]), 2
        ),
        "machine": {
            "host": platform.node(),
            "cpus": os.cpu_count(),
            "processor": platform.processor() or platform.machine(),
            "python": platform.python_version(),
        },
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": shlex.join([Path(sys.executable).name, *sys.argv]),
    }
    out.write_text(json.dumps(record, indent=1) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
