"""NEB cost benchmark: plain ASE vs atomate2 vs cudiss on the same endpoints.

Every method of a case starts from the same relaxed endpoints (plain ASE BFGS,
fmax 0.05 eV/Å, computed once per case) and the same IDPP band, uses the same
calculator parameters, and is judged by the same criterion afterwards: the
largest per-atom norm of the NEB force (climbing image included) <= fmax. The
methods: plain ASE BFGS and FIRE, atomate2's NEB maker, cudiss's ``run_neb``
with default settings, with the EMT fast path (``cudiss-fast``) and with the
MLIP fast paths (``cudiss-sevennet``, ``cudiss-chgnet``:
``NebSettings.fast(surrogate=...)``).

Per case, an endpoint relaxation study relaxes the same unrelaxed endpoints
again through ``CuRelaxMaker(prerelax="sevennet").run_ase`` (MLIP stage, then
BFGS from the MLIP Hessian) and compares real calls and final energies with
plain BFGS's; the issue's targets (#15) are judged in RESULTS.md.

Force calls are counted identically for all methods by wrapping every calculator
the methods get (``nebbench.metering.Meter``): one call = one new geometry
evaluated by one calculator instance (cache hits are free); surrogate calls
(EMT, MLIP: band stage and NEB Hessian) are counted apart by the same wrapper.
SCF iterations are summed from GPAW's ``get_number_of_iterations()`` after each
new geometry. The parts live in ``bench/nebbench/``.

Usage::

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/bench_neb.py
        # everything: ~6 h of one core (4 GPAW cases, 13 GPAW NEBs)
    .venv/bin/python bench/bench_neb.py --skip-gpaw     # EMT cases only (~40 min: MLIP rows)
    .venv/bin/python bench/bench_neb.py --cases emt-adatom-hop --methods ase-bfgs,cudiss-fast
    .venv/bin/python bench/bench_neb.py --cases gpaw-adatom-co \\
        --methods ase-bfgs,cudiss-fast,cudiss-sevennet,cudiss-chgnet   # CHGNet on request
    .venv/bin/python bench/bench_neb.py --prerelax sevennet,chgnet      # both in the study

Results go to ``bench/results.json`` and ``bench/RESULTS.md`` (rewritten after
every method, so partial results survive a kill); ``--out DIR/x.json`` writes
``DIR/x.json`` and ``DIR/RESULTS.md`` instead, ``--no-write`` nothing. GPAW logs
and the geometries a restart needs go to ``DIR/x-state/``; the same command with
``--resume`` carries on a killed run at the same commit, skipping what it did
(``nebbench/resume.py``); ``--endpoints-from A.json`` reuses another run's
plain-BFGS endpoints (a new variant measured against the same minima).
``--report-only`` rewrites RESULTS.md from the JSON; ``--merge A.json B.json:CASE ...``
merges several runs (e.g. one GPAW case per core) into ``--out``
(``nebbench/merge.py``: each row names its run; ``A.json@OLD=NEW`` merges A's
rows of method OLD as NEW, for a ``cudiss-auto`` row whose path is now another
method's). How the measured numbers
shaped the NEB engine: ``docs/neb.md``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from nebbench.cases import CASES, Case
from nebbench.endpoints import (
    endpoint_study,
    geometry_record,
    relax_endpoints,
    restored_endpoints,
    shared_band,
    study_variant,
)
from nebbench.merge import MergeError, merge_runs
from nebbench.metering import dip_from_logs, scf_log_stats
from nebbench.methods import FMAX, N_IMAGES, cold_start_control, resumable, run_method
from nebbench.ratios import add_ratios
from nebbench.report import render_markdown
from nebbench.resume import (
    BFGS_BAND_FILE,
    ENDPOINTS_FILE,
    ResumeError,
    borrowed_endpoints,
    load_band,
    previous_results,
    save_band,
    state_dir,
)

from cudiss.workflows.errors import SettingsError
from cudiss.workflows.prerelax import check_prerelax

HERE = Path(__file__).resolve().parent


def machine_info() -> dict[str, Any]:
    """CPU, load, Python, date, git commit and command line of this run."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            cwd=HERE.parent,
            check=False,
        ).stdout.strip()
    except OSError:
        commit = "unknown"
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "load_start": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "git_commit": commit,
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
    }


def write(out: Path, results: dict) -> None:
    """Write ``results`` and RESULTS.md, keeping sections other scripts own (``overhead``)."""
    previous = json.loads(out.read_text()) if out.exists() else {}
    keep = {key: value for key, value in previous.items() if key == "overhead"}
    merged = {**results, **keep}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(merged, indent=1) + "\n")
    report_path(out).write_text(render_markdown(merged))


def report_path(out: str | Path) -> Path:
    """RESULTS.md next to the JSON results (``bench/`` by default)."""
    return Path(out).with_name("RESULTS.md")


def report_only(out: Path, logs: list[str]) -> None:
    """Recompute ratios and verdicts in ``out`` and rewrite RESULTS.md from it."""
    data = json.loads(out.read_text())
    for spec in logs:
        # Log-derived SCF statistics for a run made before they were recorded.
        name, _, folder = spec.partition("=")
        case = data["cases"][name]
        for method, result in case["methods"].items():
            result.setdefault("scf_logs", scf_log_stats(Path(folder), method))
            ends = case["endpoint_relax"]["energies_eV"]
            result.setdefault("dip_below_endpoints_eV", dip_from_logs(Path(folder), method, ends))
    for entry in data["cases"].values():
        add_ratios(entry)
    out.write_text(json.dumps(data, indent=1) + "\n")
    report_path(out).write_text(render_markdown(data))


def selected_methods(case: Case, methods: str | None) -> list[str]:
    """The case's default methods, or those of ``methods`` (comma-separated) it allows."""
    if methods is None:
        return case.methods
    asked = [m for m in methods.split(",") if m]
    skipped = [m for m in asked if m not in case.allowed()]
    if skipped:  # said, not silent: a run asked for them
        print(
            f"   {case.name}: not run here: {', '.join(skipped)} "
            f"(this case runs {', '.join(case.allowed())})",
            flush=True,
        )
    return [m for m in asked if m in case.allowed()]


def run_case(
    case: Case,
    methods: list[str],
    prerelax: list[str],
    save,
    workdir: Path,
    done: dict,
    resume: bool = False,
) -> dict[str, Any]:
    """Endpoints, endpoint study, then every NEB method of one case.

    ``save(entry)`` is called after every step, so a killed run keeps what it did;
    ``done`` is what an earlier start of this run finished for the case (empty
    without ``--resume``): those steps are not run again. ``workdir`` keeps the
    GPAW logs (one folder per method) and the geometries a restart needs;
    ``resume`` lets a method killed mid-way go on from its folder.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"== {case.name} (work dir {workdir})", flush=True)
    ends = case.endpoints()
    entry: dict[str, Any] = {"geometry": geometry_record(ends), "methods": {}}
    saved_ends = load_band(workdir / ENDPOINTS_FILE)
    if "endpoint_relax" in done and saved_ends is not None:
        relaxed = restored_endpoints(ends, saved_ends, done["endpoint_relax"])
        entry = {**done, "methods": dict(done.get("methods", {}))}
    else:
        relaxed = relax_endpoints(case, ends, workdir)
        save_band([ends.initial, ends.final], workdir / ENDPOINTS_FILE)
        entry["endpoint_relax"] = relaxed.info
    band = shared_band(ends)
    print(f"   endpoints relaxed: {relaxed.info}", flush=True)
    save(entry)
    # the maker without an MLIP is a control: it must repeat plain BFGS (EMT: cheap)
    studies = (["none"] if not case.is_gpaw and prerelax else []) + prerelax
    for mlip in studies:
        if mlip in entry.get("endpoint_study", {}):
            continue
        study = endpoint_study(case, mlip, relaxed, workdir)
        entry.setdefault("endpoint_study", {})[mlip] = study
        add_ratios(entry)
        print(f"   endpoints, maker prerelax={mlip}: {json.dumps(study)}", flush=True)
        save(entry)
    for method in methods:
        if method in entry["methods"]:
            continue
        entry["methods"][method] = run_one_method(
            case, method, band, relaxed.energies, workdir, resume
        )
        print(f"   {method:18s} {json.dumps(entry['methods'][method])}", flush=True)
        add_ratios(entry)
        save(entry)
    bfgs_images = load_band(workdir / BFGS_BAND_FILE)
    if case.cold_start and bfgs_images is not None and "cold_start_control" not in entry:
        entry["cold_start_control"] = cold_start_control(case, bfgs_images, workdir)
        print(f"   cold-start control {entry['cold_start_control']}", flush=True)
    add_ratios(entry)
    save(entry)
    return entry


def run_one_method(
    case: Case,
    method: str,
    band: list,
    energies: list[float],
    workdir: Path,
    resume: bool = False,
) -> dict[str, Any]:
    """One NEB method on the shared band, its GPAW logs in a folder of its own.

    The folder is emptied first: logs of a start that was killed mid-method
    would otherwise enter its SCF statistics. With ``resume``, cudiss's
    methods keep theirs: their band checkpoint and the cost of the earlier
    parts are in it (:func:`~nebbench.methods.resumable`), so a killed run goes
    on from its last band step.
    """
    folder = workdir / method
    if not (resume and resumable(method)):
        shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    load = [round(x, 2) for x in os.getloadavg()]
    result, images = run_method(method, case, band, energies, folder)
    result["load_1min_before"] = load[0]
    if case.is_gpaw:
        result["scf_logs"] = scf_log_stats(folder, method)
    if method == "ase-bfgs":
        save_band(images, workdir / BFGS_BAND_FILE)
    return result


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default=",".join(CASES))
    parser.add_argument(
        "--methods", default=None, help="comma-separated; default: each case's own list"
    )
    parser.add_argument("--skip-gpaw", action="store_true")
    parser.add_argument(
        "--prerelax",
        default="sevennet",
        help=(
            "MLIPs of the endpoint relaxation study, comma-separated, each as the maker's "
            "default (sevennet) or relaxing with the MLIP first (sevennet-geometry); "
            "'none': no study"
        ),
    )
    parser.add_argument("--out", default=str(HERE / "results.json"))
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument(
        "--endpoints-from",
        default=None,
        help="results.json files (comma-separated) whose plain-BFGS endpoints this run reuses",
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="carry on the killed run in --out (same command, same commit): skip what it did",
    )
    parser.add_argument(
        "--report-only", action="store_true", help="rewrite RESULTS.md from results.json"
    )
    parser.add_argument(
        "--logs", action="append", help="with --report-only: CASE=WORKDIR of its GPAW logs"
    )
    parser.add_argument(
        "--merge",
        nargs="+",
        metavar="RUN.json[:CASE,...]",
        help="merge these runs' results (in order, optionally only some cases) into --out",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    out = Path(args.out)
    if args.report_only:
        report_only(out, args.logs or [])
        return 0
    if args.merge:
        try:
            merged = merge_runs(args.merge)
        except (MergeError, OSError) as error:
            print(f"--merge: {error}", file=sys.stderr)
            return 2
        for entry in merged["cases"].values():
            add_ratios(entry)
        arguments = sys.argv[1:] if argv is None else argv
        merged["machine"]["merge_command"] = shlex.join(
            ["python", "bench/bench_neb.py", *arguments]
        )
        write(out, merged)
        print(f"merged {len(args.merge)} runs into {out} and {report_path(out)}")
        return 0
    prerelax = [m for m in args.prerelax.split(",") if m and m != "none"]
    try:
        for study in prerelax:
            check_prerelax(study_variant(study)[0], "--prerelax")
    except (ValueError, SettingsError) as error:
        print(error, file=sys.stderr)
        return 2
    info = machine_info()
    results: dict[str, Any] = {"machine": info, "fmax": FMAX, "n_images": N_IMAGES, "cases": {}}
    if args.resume:
        try:
            results = previous_results(out, info)
        except ResumeError as error:
            print(error, file=sys.stderr)
            return 2
        info = results["machine"]
    states = state_dir(out) if not args.no_write else Path(tempfile.mkdtemp(prefix="bench-"))
    for name in args.cases.split(","):
        case = CASES[name]
        if args.skip_gpaw and case.is_gpaw:
            continue

        def save(entry: dict, name: str = name) -> None:
            results["cases"][name] = entry
            if not args.no_write:  # partial results survive a crash or a kill
                write(out, results)

        done = results["cases"].get(name, {})
        if args.endpoints_from and "endpoint_relax" not in done:
            sources = [Path(path) for path in args.endpoints_from.split(",")]
            try:
                done = borrowed_endpoints(sources, name, states / name)
            except ResumeError as error:
                print(error, file=sys.stderr)
                return 2
        methods = selected_methods(case, args.methods)
        run_case(case, methods, prerelax, save, states / name, done, args.resume)
    info["load_end"] = [round(x, 2) for x in os.getloadavg()]
    if not args.no_write:
        write(out, results)
        print(f"wrote {out} and {report_path(out)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
