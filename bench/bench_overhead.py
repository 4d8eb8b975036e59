"""Workflow overhead: jobflow + on-disk store around a GPAW relax, and campaign expansion.

(i) The same small GPAW relaxation (Cu(100) 2x2x3 + adatom, ``test`` preset,
    BFGS, fmax 0.05 eV/Å, at most ``--relax-steps`` steps) run twice in one
    process: directly through atomate2's ``AseRelaxer`` (what ``CuRelaxMaker``
    calls inside its job), and as ``CuRelaxMaker().make()`` under
    ``jobflow.run_locally`` into the on-disk store (``open_job_store``). The
    overhead is reported two ways: the ratio of the two wall times (sensitive to
    machine load, as the DFT dominates), and the wall time of the jobflow run
    minus the time spent inside the maker's ``run_ase`` (the DFT part of that
    same run, timed by the subclass :class:`TimedRelaxMaker`), which does not
    depend on how fast the DFT happened to be.
(ii) A 1000-configuration campaign, timed the way ``cudiss run`` meets it:
    ``parse_campaign`` (pydantic validation + ``check_configurations``, which
    builds every configuration's removal geometry so impossible ones fail before
    anything runs) and ``campaign_flow`` (expansion into one jobflow Flow). The
    campaign is what the schema allows: one calculator (EMT), 4 facets (111,
    100, 110, 211) x 2 target sites (terrace, adatom; step and kink exist on 211
    only) x 125 adsorbate sets on the moving Cu: bare, the 10 species, the 85
    ordered pairs that fit around one Cu (formate next to CO2, COOH or CHO does
    not) and 29 ordered triples of H, OH, O, CO, H2O. For comparison, the
    uncached build (``RemovalConfig.build``, what the check did before and the
    endpoint job does) is timed on ``--uncached-sample`` configurations.

Results are merged into ``bench/results.json`` under ``"overhead"``.

Usage::

    OMP_NUM_THREADS=1 .venv/bin/python bench/bench_overhead.py
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import tempfile
import time
from pathlib import Path
from typing import Any, ClassVar

from atomate2.ase.utils import AseRelaxer
from jobflow import run_locally
from pymatgen.io.ase import AseAtomsAdaptor

from cudiss.structures.adsorbates import ADSORBATES
from cudiss.structures.removal import build_removal_system
from cudiss.workflows.calculators import CalculatorSpec
from cudiss.workflows.campaign import Campaign, campaign_flow, parse_campaign
from cudiss.workflows.makers import CuRelaxMaker
from cudiss.workflows.store import open_job_store

HERE = Path(__file__).resolve().parent
SPEC = CalculatorSpec(code="gpaw", preset="test")
FACETS = ["111", "100", "110", "211"]
SITES = ["terrace", "adatom"]


class TimedRelaxMaker(CuRelaxMaker):
    """``CuRelaxMaker`` that records the wall time of each ``run_ase`` (the DFT part)."""

    seconds: ClassVar[list[float]] = []

    def run_ase(self, *args, **kwargs):
        begin = time.perf_counter()
        try:
            return super().run_ase(*args, **kwargs)
        finally:
            TimedRelaxMaker.seconds.append(time.perf_counter() - begin)


def relax_structure():
    """The unrelaxed initial state of the GPAW adatom-hop case as a pymatgen Structure."""
    ends = build_removal_system("100", "adatom", [], (2, 2), 3, 6.0, 1, 3.63)
    return AseAtomsAdaptor().get_structure(ends.initial)


def relax_overhead(steps: int) -> dict[str, Any]:
    """Same relax directly and through jobflow + store; see the module docstring."""
    structure = relax_structure()
    work = Path(tempfile.mkdtemp(prefix="bench-overhead-"))
    cwd = os.getcwd()

    # Warm-up single point: the first GPAW calculation of a process also loads
    # PAW setups and compiles; neither of the two timed runs should pay for it.
    atoms = AseAtomsAdaptor().get_atoms(structure)
    atoms.calc = SPEC.build(txt=str(work / "warmup.txt"))
    atoms.get_potential_energy()

    direct_dir = work / "direct"
    direct_dir.mkdir()
    os.chdir(direct_dir)
    try:
        start = time.perf_counter()
        relaxer = AseRelaxer(SPEC.build(), optimizer="BFGS", relax_cell=False)
        direct = relaxer.relax(structure.copy(), steps=steps, fmax=0.05, traj_file="relax.traj")
        t_direct = time.perf_counter() - start
    finally:
        os.chdir(cwd)

    TimedRelaxMaker.seconds.clear()
    inside = TimedRelaxMaker.seconds
    try:
        begin_store = time.perf_counter()
        store = open_job_store(work / "store", create=True)
        t_store_open = time.perf_counter() - begin_store
        start = time.perf_counter()
        maker = TimedRelaxMaker(calculator_spec=SPEC, fmax=0.05, steps=steps)
        job = maker.make(structure.copy())
        responses = run_locally(
            job, store=store, create_folders=True, root_dir=str(work / "runs"), log=False
        )
        t_jobflow = time.perf_counter() - start
    finally:
        os.chdir(cwd)
    output = responses[job.uuid][1].output
    return {
        "system": "Cu(100) 2x2x3 + adatom, gpaw test preset, BFGS fmax 0.05",
        "max_steps": steps,
        "direct_wall_s": round(t_direct, 2),
        "jobflow_wall_s": round(t_jobflow, 2),
        "jobflow_inside_run_ase_s": round(inside[0], 2),
        "store_open_s": round(t_store_open, 3),
        "overhead_s": round(t_jobflow - inside[0], 2),
        "overhead_fraction": round((t_jobflow - inside[0]) / inside[0], 4),
        "wall_ratio_jobflow_over_direct": round(t_jobflow / t_direct, 4),
        "direct_energy_eV": _last_energy(direct),
        "jobflow_energy_eV": _last_energy(output),
        "load_1min_end": round(os.getloadavg()[0], 2),
    }


def _last_energy(result: Any) -> float | None:
    """Final energy of an atomate2 ASE result or task document, wherever it keeps it."""
    for getter in (
        lambda r: r.final_energy,
        lambda r: r.output.energy,
        lambda r: r.trajectory.frame_properties[-1]["energy"],
        lambda r: r.objects["trajectory"].frame_properties[-1]["energy"],
    ):
        try:
            value = getter(result)
        except (AttributeError, KeyError, IndexError, TypeError):
            continue
        if value is not None:
            return round(float(value), 5)
    return None


# Pairs with formate (bidentate, two O on the Cu) that leave no room for the other one.
NO_ROOM = {("CO2", "OCHO"), ("COOH", "OCHO"), ("OCHO", "CO2"), ("OCHO", "COOH"), ("OCHO", "CHO")}


def adsorbate_sets(n: int = 125) -> list[list[str]]:
    """Bare, the ten singles, the 85 ordered pairs that fit, then triples of small species."""
    names = list(ADSORBATES)
    pairs = [list(p) for p in itertools.permutations(names, 2) if p not in NO_ROOM]
    triples = [list(t) for t in itertools.permutations(["H", "OH", "O", "CO", "H2O"], 3)]
    return ([[]] + [[a] for a in names] + pairs + triples)[:n]


def campaign_data(sets: list[list[str]]) -> dict[str, Any]:
    return {
        "name": "bench-1000",
        "calculator": "emt",
        "facets": FACETS,
        "sites": SITES,
        "adsorbates": sets,
        "slab": {"size": [3, 3], "layers": 4},
    }


def campaign_overhead(uncached_sample: int) -> dict[str, Any]:
    """Time parse (validation + geometry check) and flow expansion of 1000 configurations."""
    data = campaign_data(adsorbate_sets())
    start = time.perf_counter()
    campaign = Campaign.model_validate(data)
    t_validate = time.perf_counter() - start
    configs = campaign.configurations()
    n_geometries = len({(c.facet, c.site_class, c.adsorbates) for c in configs})

    start = time.perf_counter()
    campaign = parse_campaign(data, "bench")
    t_parse = time.perf_counter() - start
    start = time.perf_counter()
    flow = campaign_flow(campaign)
    t_flow = time.perf_counter() - start
    n_jobs = sum(1 for _ in flow.iterflow()) if hasattr(flow, "iterflow") else len(flow.jobs)

    # The uncached build on a fixed random sample of the configurations.
    sample = random.Random(0).sample(configs, min(uncached_sample, len(configs)))
    start = time.perf_counter()
    for config in sample:
        config.build()
    per_uncached = (time.perf_counter() - start) / max(1, len(sample))
    t_check = t_parse - t_validate
    return {
        "configurations": len(configs),
        "distinct_geometries": n_geometries,
        "pydantic_validate_s": round(t_validate, 3),
        "geometry_checks_timed": n_geometries,
        "geometry_check_s_per_geometry": round(t_check / n_geometries, 4),
        "geometry_check_s_all": round(t_check, 2),
        "geometry_check_extrapolated": False,
        "geometry_check_failures": [],
        "parse_campaign_s": round(t_parse, 2),
        "parse_campaign_s_estimate": round(t_parse, 2),
        "campaign_flow_s": round(t_flow, 2),
        "parse_check_expand_s": round(t_parse + t_flow, 2),
        "flow_top_level_jobs": len(flow.jobs),
        "flow_jobs_total": n_jobs,
        "uncached_build_timed": len(sample),
        "uncached_build_s_per_geometry": round(per_uncached, 4),
        "uncached_check_s_all_estimate": round(per_uncached * n_geometries, 1),
        "load_1min_end": round(os.getloadavg()[0], 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--relax-steps", type=int, default=6)
    parser.add_argument("--uncached-sample", type=int, default=40)
    parser.add_argument("--skip-relax", action="store_true")
    parser.add_argument("--skip-campaign", action="store_true")
    parser.add_argument("--out", default=str(HERE / "results.json"))
    args = parser.parse_args(argv)

    result: dict[str, Any] = {"load_1min_start": round(os.getloadavg()[0], 2)}
    if not args.skip_campaign:
        camp = result["campaign"] = campaign_overhead(args.uncached_sample)
        print(json.dumps(camp, indent=1))
        print(
            f"{camp['configurations']} configurations: parse + check {camp['parse_campaign_s']} s"
            f" + flow expansion {camp['campaign_flow_s']} s = {camp['parse_check_expand_s']} s"
            f" (uncached check ~{camp['uncached_check_s_all_estimate']} s)",
            flush=True,
        )
    if not args.skip_relax:
        result["relax"] = relax_overhead(args.relax_steps)
        print(json.dumps(result["relax"], indent=1), flush=True)
    out = Path(args.out)
    data = json.loads(out.read_text()) if out.exists() else {}
    data["overhead"] = {**data.get("overhead", {}), **result}
    out.write_text(json.dumps(data, indent=1) + "\n")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
