"""Trace the EMT CO case: fmax per step of cudiss-fast's real stage."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import bench_neb, case_band

from cudiss.workflows.neb import NebSettings, run_neb

name = sys.argv[1] if len(sys.argv) > 1 else "emt-adatom-co"
case, band, energies = case_band(name)
images = bench_neb._band_copy(band, energies)
hist = []
s = NebSettings.fast(n_images=3, fmax=0.05, max_steps=500)
meter = bench_neb.Meter()
run = run_neb(
    images,
    lambda i: meter.wrap(case.spec.build()),
    s,
    tuple(energies),
    traj_prefix=None,
    progress=lambda step, f: hist.append((step, meter.force_calls, round(f, 3))),
)
print(run.optimizers, run.steps, meter.force_calls, run.surrogate_force_calls, run.converged)
print(hist)
