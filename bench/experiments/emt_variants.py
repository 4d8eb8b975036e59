"""Force calls of NEB variants on the EMT cases, and on 'mismatch' copies of them.

The bench's EMT cases use EMT as both the target and the surrogate, so a change to
the surrogate stage can look better there than it can be with DFT. The
*-mismatch cases keep the same geometry but make the target a re-parametrised
EMT (``MismatchEMT``: Cu s0 +1.1 % like EMT's 3.59 vs PBE's 3.63 Å lattice
constant, E0/V0/eta2 changed by 5-15 %, C and O changed too) while the
surrogate stays ASE's EMT: an honest proxy for "surrogate != target".

Usage: .venv/bin/python bench/experiments/emt_variants.py VARIANT [VARIANT ...]
"""

from __future__ import annotations

import json
import os
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import ase.calculators.emt as emt_module
import numpy as np
from ase.calculators.calculator import all_changes
from ase.calculators.emt import EMT
from ase.mep.neb import NEB
from ase.optimize import BFGS, FIRE
from common import bench_neb

from cudiss.structures.removal import build_removal_system
from cudiss.workflows import neb as nebmod
from cudiss.workflows.neb import NebSettings, interpolate_band, run_neb

FMAX = 0.05
MISMATCH = {
    #      E0     s0     V0     eta2   kappa  lambda n0
    "Cu": (-3.51 * 1.05, 2.67 * 1.011, 2.476 * 0.90, 1.652 * 1.05, 2.740, 1.906 * 0.97, 0.00910),
    "C": (-3.50 * 1.15, 1.81 * 1.02, 0.332 * 1.1, 1.652, 2.790 * 1.05, 1.892, 0.01322),
    "O": (-4.60 * 1.10, 1.95 * 0.98, 0.332 * 0.9, 1.652 * 1.05, 2.790, 1.892, 0.00850),
}


MISMATCH2 = {
    #      E0     s0     V0     eta2   kappa  lambda n0
    "Cu": (
        -3.51 * 1.15,
        2.67 * 1.02,
        2.476 * 0.75,
        1.652 * 1.10,
        2.740 * 0.95,
        1.906 * 0.92,
        0.00910,
    ),
    "C": (-3.50 * 1.3, 1.81 * 1.04, 0.332 * 1.3, 1.652 * 0.9, 2.790 * 1.1, 1.892, 0.01322),
    "O": (-4.60 * 1.25, 1.95 * 0.96, 0.332 * 0.7, 1.652 * 1.1, 2.790, 1.892 * 1.05, 0.00850),
}


class MismatchEMT(EMT):
    """EMT with re-parametrised Cu, C, O (a stand-in for 'DFT' != surrogate)."""

    table = MISMATCH

    def initialize(self, atoms):
        saved = dict(emt_module.parameters)
        emt_module.parameters.update(self.table)
        try:
            super().initialize(atoms)
        finally:
            emt_module.parameters.clear()
            emt_module.parameters.update(saved)


class Mismatch2EMT(MismatchEMT):
    """A stronger re-parametrisation (Cu s0 +2 %, E0 +15 %, V0 -25 %...)."""

    table = MISMATCH2


class StiffCOEMT(EMT):
    """EMT plus a harmonic C-O bond of 100 eV/Å² (PBE's CO stretch; EMT's is ~15).

    A cheap stand-in for the GPAW CO case, where EMT's soft C-O stretch makes
    the surrogate preconditioner ask for C-O steps ~7x too long.
    """

    K, R0 = 100.0, 1.15

    def calculate(self, atoms=None, properties=("energy",), system_changes=all_changes):
        super().calculate(atoms, properties, system_changes)
        symbols = self.atoms.get_chemical_symbols()
        c, o = symbols.index("C"), symbols.index("O")
        d = self.atoms.positions[o] - self.atoms.positions[c]
        r = float(np.linalg.norm(d))
        self.results["energy"] += 0.5 * self.K * (r - self.R0) ** 2
        f = -self.K * (r - self.R0) * d / r
        forces = self.results["forces"].copy()
        forces[o] += f
        forces[c] -= f
        self.results["forces"] = forces
        self.results["free_energy"] = self.results["energy"]


def build_case(name: str):
    adsorbates = ["CO"] if "co" in name else []
    target = {"mismatch": MismatchEMT, "mismatch2": Mismatch2EMT, "stiffco": StiffCOEMT}.get(
        name.rsplit("-", 1)[-1], EMT
    )
    a = 3.59 * {EMT: 1.0, MismatchEMT: 1.011, Mismatch2EMT: 1.02, StiffCOEMT: 1.0}[target]
    ends = build_removal_system("100", "adatom", adsorbates, (3, 3), 4, 7.5, 2, a)
    energies = []
    for atoms in (ends.initial, ends.final):
        atoms.calc = target()
        BFGS(atoms, logfile=None).run(fmax=FMAX, steps=300)
        energies.append(float(atoms.get_potential_energy()))
    band = interpolate_band(
        ends.initial, ends.final, 3, "idpp", ends.final.positions - ends.initial.positions
    )
    return target, band, energies


def judge(images, k=0.1):
    band = NEB(images, k=k, climb=True, method="improvedtangent")
    fmax = nebmod.band_fmax(band.get_forces())
    energies = [float(i.get_potential_energy()) for i in images]
    return fmax, max(energies) - energies[0]


def run_baseline(target, band, energies, cls=BFGS):
    meter = bench_neb.Meter()
    images = bench_neb._band_copy(band, energies)
    for image in images[1:-1]:
        image.calc = meter.wrap(target())
    neb = NEB(images, climb=True, method="improvedtangent")
    cls(neb, logfile=None).run(fmax=FMAX, steps=1000)
    fmax, barrier = judge(images)
    return {"calls": meter.force_calls, "barrier": round(barrier, 4), "fmax": round(fmax, 4)}


def run_cudiss(target, band, energies, settings, patch=None):
    meter = bench_neb.Meter()
    images = bench_neb._band_copy(band, energies)
    undo = patch() if patch else None
    try:
        run = run_neb(
            images, lambda i: meter.wrap(target()), settings, tuple(energies), traj_prefix=None
        )
    finally:
        if undo:
            undo()
    fmax, barrier = judge(run.images, settings.spring)
    return {
        "calls": meter.force_calls,
        "surrogate": run.surrogate_force_calls,
        "opt": run.optimizers,
        "barrier": round(barrier, 4),
        "fmax": round(fmax, 4),
        "conv": bool(fmax <= FMAX),
    }


BASE = {"n_images": 3, "fmax": FMAX, "max_steps": 500}
VARIANTS = {}


def variant(name):
    def deco(fn):
        VARIANTS[name] = fn
        return fn

    return deco


def settings_variant(name, **fields):
    VARIANTS[name] = lambda t, b, e: run_cudiss(t, b, e, NebSettings(**{**BASE, **fields}))


settings_variant("default")
settings_variant("fast", surrogate="emt")
settings_variant("fast-bfgs", surrogate="emt", optimizer="bfgs")
settings_variant("fast-fire", surrogate="emt", optimizer="fire")
settings_variant("fast-sclimb", surrogate="emt", surrogate_climb=True)
settings_variant("fast-sf05", surrogate="emt", surrogate_fmax=0.05)
settings_variant("fast-sclimb-sf05", surrogate="emt", surrogate_climb=True, surrogate_fmax=0.05)
settings_variant("fast-stall10", surrogate="emt", stall_steps=10)
settings_variant("fast-dyn", surrogate="emt", dynamic=True)
settings_variant("fast-k05", surrogate="emt", spring=0.5)
settings_variant("fast-k1", surrogate="emt", spring=1.0)


def _shess(floor, maxstep=None, **fields):
    import surrogate_hessian

    def run(t, b, e):
        s = NebSettings(**{**BASE, "surrogate": "emt", "optimizer": "bfgs", **fields})
        return run_cudiss(
            t, b, e, s, patch=lambda: surrogate_hessian.patch(floor=floor, maxstep=maxstep)
        )

    return run


VARIANTS["fast-shess-0.5"] = _shess(0.5)
VARIANTS["fast-shess-0.1"] = _shess(0.1)
VARIANTS["fast-shess-2"] = _shess(2.0)
VARIANTS["default-shess-0.5"] = _shess(0.5, surrogate="none")
VARIANTS["fast-shess-1"] = _shess(1.0)
VARIANTS["fast-shess-0.5-ms0.1"] = _shess(0.5, maxstep=0.1)
VARIANTS["fast-shess-1-ms0.1"] = _shess(1.0, maxstep=0.1)
VARIANTS["fast-shess-2-ms0.1"] = _shess(2.0, maxstep=0.1)


def _pode(floor, h0=None, **fields):
    import surrogate_hessian

    def run(t, b, e):
        s = NebSettings(**{**BASE, "surrogate": "emt", "optimizer": "ode", **fields})
        return run_cudiss(t, b, e, s, patch=lambda: surrogate_hessian.patch_ode(floor=floor, h0=h0))

    return run


for _f in (0.2, 0.5, 1.0, 2.0):
    VARIANTS[f"fast-pode-{_f}"] = _pode(_f)
    VARIANTS[f"fast-pode-{_f}-h1"] = _pode(_f, h0=1.0)
VARIANTS["prop-fast"] = lambda t, b, e: run_cudiss(t, b, e, NebSettings.fast(**BASE))
for _f in (0.5, 1.0, 2.0):
    VARIANTS[f"prop-fast-floor{_f}"] = lambda t, b, e, _f=_f: run_cudiss(
        t, b, e, NebSettings.fast(**BASE, surrogate_precon_floor=_f)
    )
VARIANTS["prop-default-precon"] = lambda t, b, e: run_cudiss(
    t, b, e, NebSettings(**BASE, surrogate_precon=True)
)
VARIANTS["bfgs"] = lambda t, b, e: run_baseline(t, b, e)
VARIANTS["fire"] = lambda t, b, e: run_baseline(t, b, e, FIRE)

CASE_NAMES = [
    "emt-adatom-hop",
    "emt-adatom-co",
    "emt-adatom-hop-mismatch",
    "emt-adatom-co-mismatch",
    "emt-adatom-hop-mismatch2",
    "emt-adatom-co-mismatch2",
]
if os.environ.get("CASES"):
    CASE_NAMES = os.environ["CASES"].split(",")
_cache = {}


def main(names):
    out = defaultdict(dict)
    for case in CASE_NAMES:
        if case not in _cache:
            _cache[case] = build_case(case)
        target, band, energies = _cache[case]
        ref = run_baseline(target, band, energies)
        for name in names:
            r = VARIANTS[name](target, band, energies)
            r["ratio"] = round(r["calls"] / ref["calls"], 2)
            r["dE"] = round(r["barrier"] - ref["barrier"], 4)
            out[name][case] = r
            print(f"{case:26s} {name:22s} {json.dumps(r)}", flush=True)
    return out


if __name__ == "__main__":
    main(sys.argv[1:] or list(VARIANTS))
