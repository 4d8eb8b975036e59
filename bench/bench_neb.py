"""NEB cost benchmark: plain ASE vs atomate2 vs cudiss on the same endpoints.

Every method of a case starts from the same relaxed endpoints (computed once per
case) and the same IDPP band (ase.mep IDPP via :func:`interpolate_band`), uses
the same calculator parameters, and is judged by the same criterion afterwards:
the largest per-atom norm of the NEB force (climbing image included) <= fmax.

Force calls are counted identically for all methods by wrapping every calculator
the methods get (:class:`Meter`): one call = one new geometry evaluated by one
calculator instance (cache hits are free). SCF iterations are summed from GPAW's
``get_number_of_iterations()`` after each new geometry.

Usage::

    .venv/bin/python bench/bench_neb.py                 # everything (~25 min, 2 cores)
    .venv/bin/python bench/bench_neb.py --skip-gpaw     # EMT cases only (seconds)
    .venv/bin/python bench/bench_neb.py --cases emt-adatom-hop --methods ase-bfgs,cudiss-fast

Results go to ``bench/results.json`` and ``bench/RESULTS.md``; ``--out DIR/x.json``
writes ``DIR/x.json`` and ``DIR/RESULTS.md`` instead, ``--no-write`` nothing. How
the measured numbers shaped the NEB engine: ``docs/neb.md``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from ase import Atoms
from ase.calculators.emt import EMT
from ase.calculators.singlepoint import SinglePointCalculator
from ase.mep.neb import NEB
from ase.optimize import BFGS, FIRE

from cudiss.structures.removal import build_removal_system
from cudiss.workflows.calculators import CalculatorSpec
from cudiss.workflows.neb import NebSettings, band_fmax, interpolate_band, run_neb

HERE = Path(__file__).resolve().parent
FMAX = 0.05
N_IMAGES = 3
MAX_STEPS = 500


# --------------------------------------------------------------------------- metering


@dataclass
class Meter:
    """Counts real evaluations (new geometries) and GPAW SCF iterations of many calculators."""

    force_calls: int = 0
    scf_iterations: int = 0
    per_call_scf: list[int] = field(default_factory=list)

    def wrap(self, calc: Any) -> Any:
        """Instrument ``calc`` in place (energy and forces) and return it.

        A geometry counts once per calculator instance, whichever of energy or
        forces is asked first; GPAW's SCF iteration count of that evaluation is
        read right after it. A calculator that dropped its results (cudiss's
        adaptive SCF re-converging a loose band in place) counts again at the
        same geometry: that is another SCF cycle and force evaluation.
        """
        last: list[np.ndarray | None] = [None]
        meter = self

        def instrument(name: str) -> None:
            original = getattr(calc, name)

            def metered(atoms: Atoms | None = None, *args: Any, **kwargs: Any) -> Any:
                atoms_ = atoms if atoms is not None else calc.atoms
                positions = None if atoms_ is None else atoms_.get_positions()
                results = getattr(calc, "results", None)
                stale = isinstance(results, dict) and not results
                new = positions is not None and (
                    last[0] is None or not np.array_equal(positions, last[0]) or stale
                )
                result = original(atoms, *args, **kwargs)
                if new:
                    meter.force_calls += 1
                    last[0] = positions.copy()
                    if hasattr(calc, "get_number_of_iterations"):
                        niter = int(calc.get_number_of_iterations())
                        meter.scf_iterations += niter
                        meter.per_call_scf.append(niter)
                return result

            setattr(calc, name, metered)

        instrument("get_forces")
        instrument("get_potential_energy")
        return calc


class FreshOnDeepcopy:
    """Stand-in calculator whose ``deepcopy`` is a fresh metered calculator.

    atomate2's ``AseNebInterface`` gives each image (endpoints included)
    ``deepcopy(self.calculator)`` and never uses the prototype itself. GPAW's
    calculator cannot be deep-copied (open log file, MPI communicator), so for the
    atomate2 baseline the prototype hands out fresh calculators from a factory.
    """

    def __init__(self, factory: Callable[[], Any]) -> None:
        self.factory = factory

    def __deepcopy__(self, memo: dict) -> Any:
        return self.factory()


# --------------------------------------------------------------------------- cases


@dataclass
class Case:
    """One NEB problem: endpoints from :func:`build_removal_system` and a calculator."""

    name: str
    spec: CalculatorSpec
    facet: str
    site: str
    adsorbates: list[str]
    size: tuple[int, int]
    layers: int
    vacuum: float
    fixed_layers: int
    a: float
    methods: list[str]
    target: Callable[[], Any] | None = None
    """Calculator factory used instead of ``spec`` (the surrogate-mismatch cases)."""

    def build(self, txt: str) -> Any:
        """A fresh calculator of this case."""
        return self.target() if self.target is not None else self.spec.build(txt=txt)


EMT_METHODS = [
    "ase-bfgs",
    "ase-fire",
    "atomate2-default",
    "atomate2-0.05",
    "cudiss-default",
    "cudiss-fast",
]


class MismatchEMT(EMT):
    """EMT with re-parametrised Cu, C and O: a target the EMT surrogate does not equal.

    On the plain EMT cases the fast path's surrogate *is* the target. Here Cu's
    s0 is 1.1 % larger (EMT's 3.59 vs PBE's 3.63 Å lattice constant) and
    E0/V0/eta2/lambda and C/O's parameters differ by 2-15 %, so the surrogate
    stage and its Hessian are only approximations, as with DFT (docs/neb.md).

    ASE's ``EMT`` reads its parameters from the module-level table
    ``ase.calculators.emt.parameters`` in ``initialize``; the table is swapped for
    the duration of that call only. The cutoff comes from the largest s0 of the
    whole table (Ag), which the changed values do not reach.
    """

    # (E0 eV, s0 bohr, V0 eV, eta2, kappa, lambda in 1/bohr, n0 in 1/bohr^3), scaled
    PARAMETERS: ClassVar[dict[str, tuple[float, ...]]] = {
        "Cu": (-3.6855, 2.69937, 2.2284, 1.7346, 2.740, 1.84882, 0.00910),
        "C": (-4.025, 1.8462, 0.3652, 1.652, 2.9295, 1.892, 0.01322),
        "O": (-5.06, 1.911, 0.2988, 1.7346, 2.790, 1.892, 0.00850),
    }

    def initialize(self, atoms):
        import ase.calculators.emt as emt_module

        saved = dict(emt_module.parameters)
        emt_module.parameters.update(self.PARAMETERS)
        try:
            super().initialize(atoms)
        finally:
            emt_module.parameters.clear()
            emt_module.parameters.update(saved)


# Four GPAW NEB runs at most, so the whole script stays under ~30 min on 2 cores.
GPAW_METHODS = ["ase-bfgs", "cudiss-fast", "cudiss-default", "atomate2-default"]

CASES = {
    "emt-adatom-hop": Case(
        "emt-adatom-hop",
        CalculatorSpec(code="emt"),
        "100",
        "adatom",
        [],
        (3, 3),
        4,
        7.5,
        2,
        3.59,
        EMT_METHODS,
    ),
    "emt-adatom-co": Case(
        "emt-adatom-co",
        CalculatorSpec(code="emt"),
        "100",
        "adatom",
        ["CO"],
        (3, 3),
        4,
        7.5,
        2,
        3.59,
        EMT_METHODS,
    ),
    "emt-adatom-co-mismatch": Case(
        "emt-adatom-co-mismatch",
        CalculatorSpec(code="emt"),
        "100",
        "adatom",
        ["CO"],
        (3, 3),
        4,
        7.5,
        2,
        3.59 * 1.011,
        ["ase-bfgs", "cudiss-default", "cudiss-fast"],
        target=MismatchEMT,
    ),
    "gpaw-adatom-hop": Case(
        "gpaw-adatom-hop",
        CalculatorSpec(code="gpaw", preset="test"),
        "100",
        "adatom",
        [],
        (2, 2),
        3,
        6.0,
        1,
        3.63,
        GPAW_METHODS,
    ),
}


def settings_for(method: str, case: Case) -> NebSettings:
    """cudiss's settings: the defaults, or the fast path chosen from the measurements."""
    base = {"n_images": N_IMAGES, "fmax": FMAX, "max_steps": MAX_STEPS}
    if method == "cudiss-default":
        return NebSettings(**base)
    return NebSettings.fast(**base)


def relax_endpoints(case: Case, workdir: Path) -> tuple[list[Atoms], list[float], dict]:
    """Relax both endpoints once (BFGS, fmax 0.05 eV/Å) and build the shared IDPP band."""
    ends = build_removal_system(
        case.facet,
        case.site,
        case.adsorbates,
        case.size,
        case.layers,
        case.vacuum,
        case.fixed_layers,
        case.a,
    )
    meter = Meter()
    start = time.perf_counter()
    energies = []
    for label, atoms in (("initial", ends.initial), ("final", ends.final)):
        atoms.calc = meter.wrap(case.build(txt=str(workdir / f"relax-{label}.txt")))
        BFGS(atoms, logfile=None).run(fmax=FMAX, steps=300)
        energies.append(float(atoms.get_potential_energy()))
    # Per-atom displacement of the unrelaxed endpoints: says which periodic image
    # of each atom the final state means (as the cudiss flow does).
    displacement = ends.final.positions - ends.initial.positions
    band = interpolate_band(ends.initial, ends.final, N_IMAGES, "idpp", displacement)
    info = {
        "force_calls": meter.force_calls,
        "scf_iterations": meter.scf_iterations,
        "wall_s": round(time.perf_counter() - start, 2),
        "energies_eV": energies,
        "n_atoms": len(ends.initial),
    }
    return band, energies, info


def _band_copy(band: list[Atoms], energies: list[float]) -> list[Atoms]:
    images = [image.copy() for image in band]
    for index, energy in ((0, energies[0]), (-1, energies[1])):
        images[index].calc = SinglePointCalculator(
            images[index], energy=energy, forces=np.zeros((len(images[index]), 3))
        )
    return images


def _judge(images: list[Atoms], k: float) -> tuple[float, list[float]]:
    """Final NEB fmax (per-atom norm, CI on) and energies; uses cached results only."""
    band = NEB(images, k=k, climb=True, method="improvedtangent")
    fmax = band_fmax(band.get_forces())
    return fmax, [float(image.get_potential_energy()) for image in images]


def run_method(method: str, case: Case, band: list[Atoms], energies: list[float], workdir: Path):
    """Run one method on the shared band; return its metered cost and result."""
    meter = Meter()
    counter = iter(range(1, 1000))

    def factory(tag: str = "") -> Any:
        return meter.wrap(case.build(txt=str(workdir / f"{method}{tag}-{next(counter)}.txt")))

    images = _band_copy(band, energies)
    start = time.perf_counter()
    extra: dict[str, Any] = {}
    k = 0.1
    if method in ("ase-bfgs", "ase-fire"):
        for image in images[1:-1]:
            image.calc = factory()
        neb = NEB(images, climb=True, method="improvedtangent")
        cls = BFGS if method == "ase-bfgs" else FIRE
        opt = cls(neb, logfile=None)
        opt.run(fmax=FMAX, steps=MAX_STEPS)
        extra["steps"] = opt.nsteps
    elif method.startswith("atomate2"):
        from atomate2.ase.neb import AseNebFromImagesMaker

        proto = FreshOnDeepcopy(factory)

        @dataclass
        class BenchNebMaker(AseNebFromImagesMaker):
            # atomate2's documented hook ("to be implemented by the user", AseMaker)
            def _get_calculator(self) -> Any:
                return proto

        # atomate2's maker passes its own ``neb_kwargs`` field (default: empty) to
        # ase's NEB, so by default it runs ase's defaults: k=0.1, no climbing
        # image, 'aseneb' tangent; DEFAULT_NEB_KWARGS (k=5, climb) only applies to
        # AseNebInterface.run_neb called directly. Its fmax defaults to 0.1.
        if method == "atomate2-default":
            maker = BenchNebMaker()
        else:
            maker = BenchNebMaker(
                relax_kwargs={"fmax": FMAX},
                neb_kwargs={"climb": True, "method": "improvedtangent"},
            )
        images_in = [image.copy() for image in images]
        cwd = os.getcwd()
        os.chdir(workdir)
        try:
            doc = maker.run_ase(images_in)
        finally:
            os.chdir(cwd)
        images = images_in
        extra["atomate2_state"] = str(doc.state)
        extra["atomate2_tags"] = [t for t in doc.tags if "converged" in t]
        extra["atomate2_defaults"] = {
            "optimizer": "FIRE (fixed by AseNebInterface)",
            "fmax": maker.relax_kwargs.get("fmax", 0.1),
            "steps": maker.steps,
            "neb_kwargs": maker.neb_kwargs or "ase defaults: k=0.1, climb=False, method=aseneb",
        }
    else:
        settings = settings_for(method, case)
        cwd = os.getcwd()
        os.chdir(workdir)
        try:
            run = run_neb(
                images,
                lambda i: meter.wrap(case.build(txt=str(workdir / f"{method}-image-{i}.txt"))),
                settings,
                endpoint_energies=tuple(energies),
                traj_prefix=None,
            )
        finally:
            os.chdir(cwd)
        images = run.images
        k = settings.spring
        extra.update(
            steps=run.steps,
            optimizers=run.optimizers,
            settings=settings.model_dump(exclude_defaults=True),
            run_neb_force_calls=run.force_calls,
            surrogate_force_calls=getattr(run, "surrogate_force_calls", 0),
        )
    wall = time.perf_counter() - start
    fmax, final_energies = _judge(images, k)
    result = {
        "force_calls": meter.force_calls,
        "scf_iterations": meter.scf_iterations,
        "scf_per_call": round(meter.scf_iterations / meter.force_calls, 2)
        if meter.scf_iterations
        else None,
        "wall_s": round(wall, 2),
        "barrier_eV": round(max(final_energies) - final_energies[0], 4),
        "final_fmax": round(fmax, 4),
        "converged": bool(fmax <= FMAX),
        **extra,
    }
    return result, images


def cold_start_control(case: Case, images: list[Atoms], workdir: Path) -> dict:
    """SCF iterations of the final interior images recomputed by brand-new calculators.

    Compared with the per-call SCF count of a run that keeps one calculator per
    image, this shows what the wavefunction restart saves.
    """
    meter = Meter()
    for index, image in enumerate(images[1:-1], start=1):
        atoms = image.copy()
        atoms.calc = meter.wrap(case.build(txt=str(workdir / f"cold-{index}.txt")))
        atoms.get_forces()
    return {
        "force_calls": meter.force_calls,
        "scf_iterations": meter.scf_iterations,
        "scf_per_call": round(meter.scf_iterations / max(meter.force_calls, 1), 2),
    }


def scf_cycles(log: Path) -> list[int]:
    """SCF iterations of each calculation in one GPAW text log (``iter:`` lines).

    A calculation's iteration counter restarts at 1, which separates them.
    """
    cycles: list[int] = []
    for line in log.read_text(errors="replace").splitlines():
        if line.startswith("|iter:") or line.startswith("iter:"):
            number = int(line.split(":", 1)[1].split("|")[0].split()[0])
            if number == 1 or not cycles:
                cycles.append(0)
            cycles[-1] = max(cycles[-1], number)
    return cycles


def scf_log_stats(workdir: Path, method: str) -> dict[str, Any] | None:
    """Cold (first call of each image's calculator) vs warm (later calls) SCF counts.

    Every image's calculator starts from scratch on its first call and from the
    previous wavefunctions afterwards; the logs tell the two apart exactly.
    """
    logs = sorted(workdir.glob(f"{method}-*.txt"))
    if not logs:
        return None
    cold, warm = [], []
    for log in logs:
        cycles = scf_cycles(log)
        cold += cycles[:1]
        warm += cycles[1:]
    return {
        "logs": len(logs),
        "cold_calls": len(cold),
        "cold_scf_per_call": round(float(np.mean(cold)), 2) if cold else None,
        "warm_calls": len(warm),
        "warm_scf_per_call": round(float(np.mean(warm)), 2) if warm else None,
        "scf_total_from_logs": int(sum(cold) + sum(warm)),
    }


# --------------------------------------------------------------------------- report


def machine_info() -> dict:
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


def _add_ratios(entry: dict) -> None:
    """Ratios of every method to the plain-ASE BFGS row of the same case."""
    ref = entry["methods"].get("ase-bfgs")
    if ref:
        for result in entry["methods"].values():
            result["force_call_ratio"] = round(result["force_calls"] / ref["force_calls"], 3)
            result["wall_ratio"] = round(result["wall_s"] / ref["wall_s"], 3)
            result["barrier_diff_eV"] = round(result["barrier_eV"] - ref["barrier_eV"], 4)
            if ref.get("scf_per_call") and result.get("scf_per_call"):
                result["scf_per_call_ratio"] = round(
                    result["scf_per_call"] / ref["scf_per_call"], 3
                )
                result["scf_ratio"] = round(result["scf_iterations"] / ref["scf_iterations"], 3)


def _fmt(value: Any, digits: int = 2) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "**no**"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def render_markdown(results: dict) -> str:
    """RESULTS.md from results.json: one table per case, ratios to plain-ASE BFGS."""
    m = results["machine"]
    lines = [
        "# NEB cost benchmark",
        "",
        "Generated by `bench/bench_neb.py` from `bench/results.json`; do not edit by hand.",
        "",
        f"- Date: {m['date']}; git commit `{m['git_commit']}`",
        f"- Machine: {m['nproc']} cores, {m['cpu']}; load average (1, 5, 15 min) "
        f"{m['load_start']} at start, {m.get('load_end')} at end. Other engineers ran GPAW "
        "jobs at the same time, so wall times are inflated and noisy; force calls and SCF "
        "iterations do not depend on load.",
        f"- Command: `OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 {m['command']}` "
        "(then `bench/bench_overhead.py` for the overhead section).",
        f"- Criterion for every row: per-atom norm of the NEB force <= {results['fmax']} eV/Å "
        f"on every interior image, climbing image on, improved tangent, k = 0.1 eV/Å², "
        f"{results['n_images']} interior images, judged after the run from the final band "
        "(column *conv.*). All methods of a case share the relaxed endpoints and the IDPP band.",
        "- *calls*: real calculator evaluations (new geometry per calculator instance), "
        "counted by the same wrapper for every method. *SCF*: sum of GPAW's "
        "`get_number_of_iterations()` after each of those calls.",
        "",
    ]
    for name, entry in results["cases"].items():
        relax = entry["endpoint_relax"]
        lines += [
            f"## {name}",
            "",
            f"{relax['n_atoms']} atoms; endpoints relaxed once (BFGS, fmax 0.05): "
            f"{relax['force_calls']} calls, {relax['scf_iterations']} SCF iterations, "
            f"{relax['wall_s']} s (not in the rows below).",
            "",
            "| method | calls | calls / BFGS | surrogate (EMT) calls | SCF iter. | SCF / call "
            "| SCF / call vs BFGS | SCF total vs BFGS | wall s | wall / BFGS | barrier eV "
            "| Δ vs BFGS eV | final fmax | conv. |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for method, r in entry["methods"].items():
            lines.append(
                "| "
                + " | ".join(
                    [
                        method,
                        _fmt(r["force_calls"]),
                        _fmt(r.get("force_call_ratio")),
                        _fmt(r.get("surrogate_force_calls") or None),
                        _fmt(r["scf_iterations"] or None),
                        _fmt(r.get("scf_per_call")),
                        _fmt(r.get("scf_per_call_ratio")),
                        _fmt(r.get("scf_ratio")),
                        _fmt(r["wall_s"], 1),
                        _fmt(r.get("wall_ratio")),
                        _fmt(r["barrier_eV"], 3),
                        _fmt(r.get("barrier_diff_eV"), 3),
                        _fmt(r["final_fmax"], 3),
                        _fmt(r["converged"]),
                    ]
                )
                + " |"
            )
        logged = {m: r["scf_logs"] for m, r in entry["methods"].items() if r.get("scf_logs")}
        if logged:
            lines += [
                "",
                "SCF iterations per call from the GPAW logs: *cold* = first call of each "
                "image's calculator (starts from atomic densities), *warm* = later calls "
                "(restart from that image's previous wavefunctions).",
                "",
                "| method | cold calls | SCF / cold call | warm calls | SCF / warm call "
                "| warm / cold |",
                "|---|---|---|---|---|---|",
            ]
            for method, st in logged.items():
                ratio = (
                    st["warm_scf_per_call"] / st["cold_scf_per_call"]
                    if st["warm_scf_per_call"] and st["cold_scf_per_call"]
                    else None
                )
                lines.append(
                    f"| {method} | {st['cold_calls']} | {_fmt(st['cold_scf_per_call'])} | "
                    f"{st['warm_calls']} | {_fmt(st['warm_scf_per_call'])} | {_fmt(ratio)} |"
                )
        cold = entry.get("cold_start_control")
        if cold:
            lines += [
                "",
                f"Cold-start control: the {cold['force_calls']} final interior images of the "
                f"BFGS run recomputed by brand-new calculators took {cold['scf_iterations']} "
                f"SCF iterations, {cold['scf_per_call']} per call (a fresh calculator per "
                "evaluation), against the per-call numbers above for calculators kept alive "
                "per image.",
            ]
        fast, ref = entry["methods"].get("cudiss-fast"), entry["methods"].get("ase-bfgs")
        if fast and ref and fast.get("force_call_ratio") is not None:
            checks = [
                f"calls {fast['force_call_ratio']:.2f}x BFGS (target <= 0.4x: "
                f"{'met' if fast['force_call_ratio'] <= 0.4 else 'NOT met'})",
                f"barrier {fast['barrier_diff_eV']:+.3f} eV from BFGS (target within 0.02: "
                f"{'met' if abs(fast['barrier_diff_eV']) <= 0.02 else 'NOT met'})",
            ]
            cold = entry.get("cold_start_control")
            if fast.get("scf_per_call") and cold:
                # The 0.5x SCF-per-call target, read two ways: against a fresh
                # calculator per evaluation (what keeping calculators alive saves)
                # and against BFGS's own per-call number (its calculators are
                # kept alive too). Together with the 0.4x call target it bounds
                # the total SCF at 0.2x, the number that is the cost.
                ratio = fast["scf_per_call"] / cold["scf_per_call"]
                own = fast["scf_per_call"] / ref["scf_per_call"]
                checks += [
                    f"SCF per call {ratio:.2f}x a fresh calculator per evaluation and "
                    f"{own:.2f}x BFGS's own (target <= 0.5x: "
                    f"{'met' if max(ratio, own) <= 0.5 else 'NOT met'})",
                    f"total SCF {fast['scf_ratio']:.2f}x BFGS (0.4 x 0.5 = 0.2x: "
                    f"{'met' if fast['scf_ratio'] <= 0.2 else 'NOT met'})",
                ]
            lines += ["", "cudiss-fast vs targets: " + "; ".join(checks) + "."]
        lines.append("")
    lines += NOTES
    lines += render_overhead(results.get("overhead"))
    return "\n".join(lines) + "\n"


# What NebSettings.fast() adds to the surrogate stage (docs/neb.md).
_FAST = NebSettings.fast()
FAST_PATH_NOTES = [
    note
    for enabled, note in (
        (
            _FAST.surrogate_precon,
            "- *cudiss-fast*, real stage: ODE preconditioned by the surrogate's NEB Hessian "
            "(finite-difference Jacobian of the EMT band's NEB force, |eigenvalues| floored at "
            f"{_FAST.surrogate_precon_floor} eV/Å²); its first step is at "
            "most the Newton step (h <= 1; ASE's own estimate was ~3 Newton steps on the GPAW "
            "hop and that trial band was rejected); an unconverged surrogate band is "
            "discarded.",
        ),
        (
            _FAST.scf_force_fraction is not None,
            "- *cudiss-fast*, GPAW: the first band's SCF stops at a loose density criterion "
            "(1e-3), later bands use the preset's criteria below "
            f"{_FAST.scf_tight_factor} x fmax (else "
            f"{_FAST.scf_force_fraction} x the band's fmax as force tolerance); "
            "a band converged on loose forces is re-converged in place, and such in-place "
            "SCF runs count as calls.",
        ),
    )
    if enabled
]

NOTES = [
    "## Notes on the methods",
    "",
    "- *ase-bfgs* / *ase-fire*: plain ASE, one calculator per image created once "
    "(GPAW then restarts each image from its previous wavefunctions, as in cudiss).",
    "- *atomate2-default*: `AseNebFromImagesMaker().run_ase(images)` (0.1.5) with its "
    "defaults: FIRE (fixed by `AseNebInterface`), fmax 0.1, 500 steps, and an empty "
    "`neb_kwargs` field, so ASE's NEB defaults apply: **no climbing image**, 'aseneb' "
    "tangent, k = 0.1 (`DEFAULT_NEB_KWARGS` with climb only applies when "
    "`AseNebInterface.run_neb` is called directly). It re-evaluates both endpoints "
    "(2 calls, counted). Judged by the common criterion it is not converged to 0.05; its "
    "own document says state 'successful' and tag 'forces not converged' (the tag tests "
    "raw, unprojected forces). *atomate2-0.05*: `relax_kwargs={'fmax': 0.05}`, "
    "`neb_kwargs={'climb': True, 'method': 'improvedtangent'}` (EMT only; the GPAW part "
    "is limited to four NEB runs). atomate2 deep-copies one calculator per image, which "
    "GPAW's calculator does not support: the bench hands it a stand-in whose "
    "`__deepcopy__` returns a fresh metered GPAW (`FreshOnDeepcopy`).",
    "- *cudiss-default*: `run_neb` with default `NebSettings` (ODE, CI, improved tangent). "
    "*cudiss-fast*: `NebSettings.fast()`: the band is first relaxed with EMT whose forces "
    "are shifted so the given endpoints are EMT minima (no climbing, fmax 0.1), then ODE "
    "with the real calculator and CI. On the EMT cases the surrogate is the target "
    "potential itself, so those rows only show the mechanism works; the DFT saving is the "
    "GPAW row, and *emt-adatom-co-mismatch* (target = EMT with Cu/C/O re-parametrised by "
    "2-15 %, `MismatchEMT`; surrogate = plain EMT) shows the surrogate is not just "
    "copying the target. Surrogate (EMT) calls are listed apart; they cost milliseconds.",
    *FAST_PATH_NOTES,
    "- Wall times: the atomate2-default EMT row includes importing atomate2 (~2 s).",
    "- GPAW with CO, not in the table (docs/neb.md): on the 2x2x3 Cu(100) "
    "adatom + CO cell plain BFGS took 90 calls and the EMT-surrogate paths crawled past "
    "200 (measured before commit 0c4552e, when the adatom and CO ate the slab's top vacuum, "
    "O 1.3 Å below the cell's top face; PW mode, so a 7.3 Å gap to the next slab image, "
    "not a wall). A finite-difference DFT Hessian of the relaxed initial state has tilt "
    "curvatures of -3.1 and -2.8 eV/Å²: the symmetric upright CO is a ridge, and the NEB "
    "images slide off it (their energies drop while C and O carry the largest forces). "
    "On the corrected cell the main job's CO NEB (EMT stage + plain ODE) took 99 calls. "
    "Not yet tried: breaking the endpoints' symmetry before relaxing them.",
    "",
]


def render_overhead(overhead: dict | None) -> list[str]:
    """The section written from ``bench/bench_overhead.py``'s results."""
    if not overhead:
        return ["## Workflow overhead", "", "Not measured yet: run `bench/bench_overhead.py`.", ""]
    lines = ["## Workflow overhead (bench/bench_overhead.py)", ""]
    relax = overhead.get("relax")
    if relax:
        lines += [
            f"Relax: {relax['system']}, at most {relax['max_steps']} BFGS steps, same process.",
            "",
            "| | wall s |",
            "|---|---|",
            f"| AseRelaxer directly | {relax['direct_wall_s']} |",
            f"| CuRelaxMaker + run_locally into the on-disk store | {relax['jobflow_wall_s']} |",
            f"| ... of which inside the maker's run_ase (DFT) | "
            f"{relax['jobflow_inside_run_ase_s']} |",
            f"| opening the store (once per campaign) | {relax['store_open_s']} |",
            "",
            f"Overhead of jobflow + store: {relax['overhead_s']} s = "
            f"{100 * relax['overhead_fraction']:.1f} % of the relax itself (target <= 5 %: "
            f"{'met' if relax['overhead_fraction'] <= 0.05 else 'NOT met'}). Wall-time ratio "
            f"of the two runs: {relax['wall_ratio_jobflow_over_direct']:.3f} (includes DFT "
            "timing noise from the machine's load, which is why the in-run split is the "
            f"number to quote). Energies: {relax['direct_energy_eV']} vs "
            f"{relax['jobflow_energy_eV']} eV.",
            "",
        ]
    camp = overhead.get("campaign")
    if camp:
        how = (
            f"timed on {camp['geometry_checks_timed']} geometries and extrapolated"
            if camp["geometry_check_extrapolated"]
            else "all timed"
        )
        lines += [
            f"Campaign: {camp['configurations']} configurations "
            f"({camp['distinct_geometries']} distinct geometries: 4 facets x terrace/adatom x "
            "125 adsorbate sets, EMT).",
            "",
            "| step | s |",
            "|---|---|",
            f"| pydantic validation | {camp['pydantic_validate_s']} |",
            f"| geometry checks in parse_campaign ({how}; "
            f"{camp['geometry_check_s_per_geometry']} s each) | "
            f"{camp['geometry_check_s_all']} |",
            f"| campaign_flow expansion ({camp['flow_jobs_total']} jobs) | "
            f"{camp['campaign_flow_s']} |",
            "",
            f"Target < 10 s: flow expansion "
            f"{'met' if camp['campaign_flow_s'] < 10 else 'NOT met'}; parse_campaign with its "
            f"geometry checks {'met' if camp['parse_campaign_s_estimate'] < 10 else 'NOT met'} "
            f"(~{camp['parse_campaign_s_estimate']} s). Failures found by the checks: "
            f"{camp['geometry_check_failures'] or 'none'}.",
            "",
        ]
    return lines


def _write(out: Path, results: dict) -> None:
    """Write ``results``, keeping sections other scripts own (``overhead``)."""
    previous = json.loads(out.read_text()) if out.exists() else {}
    keep = {key: value for key, value in previous.items() if key == "overhead"}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({**results, **keep}, indent=1) + "\n")


def report_path(out: str | Path) -> Path:
    """RESULTS.md next to the JSON results (``bench/`` by default)."""
    return Path(out).with_name("RESULTS.md")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default=",".join(CASES))
    parser.add_argument("--methods", default=None, help="comma-separated subset")
    parser.add_argument("--skip-gpaw", action="store_true")
    parser.add_argument("--out", default=str(HERE / "results.json"))
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument(
        "--report-only", action="store_true", help="rewrite RESULTS.md from results.json"
    )
    parser.add_argument(
        "--logs", action="append", help="with --report-only: CASE=WORKDIR of its GPAW logs"
    )
    args = parser.parse_args(argv)
    if args.report_only:
        data = json.loads(Path(args.out).read_text())
        for spec in args.logs or []:
            # Log-derived SCF statistics for a run made before they were recorded.
            name, _, folder = spec.partition("=")
            for method, result in data["cases"][name]["methods"].items():
                result.setdefault("scf_logs", scf_log_stats(Path(folder), method))
        for entry in data["cases"].values():
            _add_ratios(entry)
        Path(args.out).write_text(json.dumps(data, indent=1) + "\n")
        report_path(args.out).write_text(render_markdown(data))
        return 0

    info = machine_info()
    results: dict[str, Any] = {"machine": info, "fmax": FMAX, "n_images": N_IMAGES, "cases": {}}
    for name in args.cases.split(","):
        case = CASES[name]
        if args.skip_gpaw and case.spec.code == "gpaw":
            continue
        methods = (
            case.methods
            if args.methods is None
            else [m for m in args.methods.split(",") if m in case.methods]
        )
        workdir = Path(tempfile.mkdtemp(prefix=f"bench-{name}-"))
        print(f"== {name} (work dir {workdir})", flush=True)
        band, energies, relax = relax_endpoints(case, workdir)
        print(f"   endpoints relaxed: {relax}", flush=True)
        entry: dict[str, Any] = {"endpoint_relax": relax, "methods": {}}
        last_images = None
        for method in methods:
            load = [round(x, 2) for x in os.getloadavg()]
            result, images = run_method(method, case, band, energies, workdir)
            result["load_1min_before"] = load[0]
            if case.spec.code == "gpaw":
                result["scf_logs"] = scf_log_stats(workdir, method)
            entry["methods"][method] = result
            if method == "ase-bfgs":
                last_images = images
            print(f"   {method:18s} {json.dumps(result)}", flush=True)
            _add_ratios(entry)
            results["cases"][name] = entry
            if not args.no_write:  # partial results survive a crash or a kill
                _write(Path(args.out), results)
        if case.spec.code == "gpaw" and last_images is not None:
            entry["cold_start_control"] = cold_start_control(case, last_images, workdir)
            print(f"   cold-start control {entry['cold_start_control']}", flush=True)
        _add_ratios(entry)
        results["cases"][name] = entry
    info["load_end"] = [round(x, 2) for x in os.getloadavg()]
    if not args.no_write:
        _write(Path(args.out), results)
        report_path(args.out).write_text(render_markdown(results))
        print(f"wrote {args.out} and {report_path(args.out)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
