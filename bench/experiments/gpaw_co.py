"""GPAW check of the proposal on a case with CO (EMT describes C and O poorly).

Cu(100) 2x2x3 + Cu adatom carrying CO (15 atoms), test preset, same protocol as
bench_neb (relaxed endpoints cached, IDPP band, Meter). Methods from argv, e.g.
    CUDISS_PROPOSAL=1 gpaw_co.py ase-bfgs cudiss-fast
Appends to gpaw_variants.jsonl with label gpaw-co:<method>.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import bench_neb, case_band

from cudiss.workflows import neb as nebmod
from cudiss.workflows.calculators import CalculatorSpec

NAME = "gpaw-adatom-co"
bench_neb.CASES[NAME] = bench_neb.Case(
    NAME,
    CalculatorSpec(code="gpaw", preset="test"),
    "100",
    "adatom",
    ["CO"],
    (2, 2),
    3,
    6.0,
    1,
    3.63,
    ["ase-bfgs", "cudiss-fast", "cudiss-default"],
)

if __name__ == "__main__":
    case, band, energies = case_band(NAME)
    trace: list[float] = []
    original = bench_neb.run_neb

    def traced_run_neb(*args, **kwargs):
        kwargs["progress"] = lambda step, fmax: trace.append(round(fmax, 4))
        return original(*args, **kwargs)

    bench_neb.run_neb = traced_run_neb
    for method in sys.argv[1:]:
        trace.clear()
        workdir = Path(tempfile.mkdtemp(prefix=f"gpawco-{method}-"))
        result, images = bench_neb.run_method(method, case, band, energies, workdir)
        result["scf_logs"] = bench_neb.scf_log_stats(workdir, method)
        per_log = {
            log.name: bench_neb.scf_cycles(log) for log in sorted(workdir.glob(f"{method}-*.txt"))
        }
        record = {
            "label": f"gpaw-co:{method}",
            "neb_module": nebmod.__file__,
            "load": os.getloadavg()[0],
            "workdir": str(workdir),
            "scf_per_log": per_log,
            "fmax_trace": list(trace),
            **{k: v for k, v in result.items() if k != "settings"},
        }
        with (Path(__file__).parent / "gpaw_variants.jsonl").open("a") as fh:
            fh.write(json.dumps(record) + "\n")
        keys = ("force_calls", "scf_iterations", "scf_per_call", "barrier_eV", "final_fmax")
        print(method, json.dumps({k: record.get(k) for k in keys}), per_log, trace, flush=True)
        if method == "ase-bfgs":
            cold = bench_neb.cold_start_control(case, images, workdir)
            print("cold-start control", cold, flush=True)
