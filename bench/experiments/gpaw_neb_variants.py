"""cudiss's fast NEB path on the GPAW adatom hop with different settings.

Same cached endpoints and IDPP band as bench/bench_neb.py (common.case_band),
same metering (bench_neb.Meter, bench_neb.run_method). One GPAW process.

Usage (neb.py from HEAD + bench/experiments/neb_proposed.py with CUDISS_PROPOSAL=1):
    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 CUDISS_PROPOSAL=1 \\
        .venv/bin/python bench/experiments/gpaw_neb_variants.py LABEL '{"scf_force_fraction": 0.5}'
Appends one JSON line per run to bench/experiments/gpaw_variants.jsonl.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import bench_neb, case_band

from cudiss.workflows import neb as nebmod
from cudiss.workflows.neb import NebSettings

OUT = Path(__file__).resolve().parent / "gpaw_variants.jsonl"


def main(label: str, overrides: dict, method: str = "cudiss-fast", case_name="gpaw-adatom-hop"):
    overrides = dict(overrides)
    patch = overrides.pop("_patch", None)  # e.g. "pode:1.0" (surrogate_hessian.patch_ode floor)
    if patch:
        import surrogate_hessian

        kind, _, arg = patch.partition(":")
        if kind == "pode":
            surrogate_hessian.patch_ode(floor=float(arg or 1.0))
        elif kind == "shess":
            surrogate_hessian.patch(floor=float(arg or 1.0))
    case, band, energies = case_band(case_name)
    workdir = Path(tempfile.mkdtemp(prefix=f"gpawvar-{label}-"))
    base = {
        "n_images": bench_neb.N_IMAGES,
        "fmax": bench_neb.FMAX,
        "max_steps": bench_neb.MAX_STEPS,
    }
    fast = method == "cudiss-fast"
    bench_neb.settings_for = lambda m, c: (
        NebSettings.fast(**base, **overrides) if fast else NebSettings(**base, **overrides)
    )
    trace = []
    original = bench_neb.run_neb

    def traced_run_neb(*args, **kwargs):
        kwargs["progress"] = lambda step, fmax: trace.append(round(fmax, 4))
        return original(*args, **kwargs)

    bench_neb.run_neb = traced_run_neb
    # every evaluated geometry of every calculator, in call order (for replays)
    geometries: dict[int, list] = {}
    wrap = bench_neb.Meter.wrap

    def recording_wrap(self, calc):
        calc = wrap(self, calc)
        key = len(geometries)
        geometries[key] = []
        for name in ("get_forces", "get_potential_energy"):
            inner = getattr(calc, name)

            def recorded(atoms=None, *a, _inner=inner, **k):
                pos = (atoms if atoms is not None else calc.atoms).get_positions()
                if not geometries[key] or not np.array_equal(geometries[key][-1], pos):
                    geometries[key].append(pos.copy())
                return _inner(atoms, *a, **k)

            setattr(calc, name, recorded)
        return calc

    bench_neb.Meter.wrap = recording_wrap
    start = time.time()
    result, _images = bench_neb.run_method(method, case, band, energies, workdir)
    result["scf_logs"] = bench_neb.scf_log_stats(workdir, method)
    per_log = {
        log.name: bench_neb.scf_cycles(log) for log in sorted(workdir.glob(f"{method}-*.txt"))
    }
    record = {
        "label": label,
        "method": method,
        "overrides": overrides,
        "patch": patch,
        "neb_module": nebmod.__file__,
        "load": os.getloadavg()[0],
        "wall_total_s": round(time.time() - start, 1),
        "fmax_trace": trace,
        "scf_per_log": per_log,
        "workdir": str(workdir),
        **{k: v for k, v in result.items() if k not in ("settings",)},
    }
    np.savez(workdir / "geometries.npz", **{f"calc{k}": np.array(v) for k, v in geometries.items()})
    with OUT.open("a") as fh:
        fh.write(json.dumps(record) + "\n")
    keys = (
        "force_calls",
        "scf_iterations",
        "scf_per_call",
        "barrier_eV",
        "final_fmax",
        "converged",
    )
    print(label, json.dumps({k: record[k] for k in keys}), per_log, trace, flush=True)


if __name__ == "__main__":
    label = sys.argv[1]
    overrides = json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
    method = sys.argv[3] if len(sys.argv) > 3 else "cudiss-fast"
    main(label, overrides, method)
