"""Force error per SCF iteration (GPAW test preset, adatom hop band after the EMT stage).

Every SCF is run to a tight criterion while each iteration's density error,
eigenstate error, energy and forces are recorded (scf_step hook). From the trace
one reads, for any candidate criterion, at which iteration GPAW would have
stopped and how far its forces then are from the converged ones.

Scenarios on the middle image (2) and image 1:
  cold      fresh calculator at the surrogate band's image 2
  warm-big  same calculator moved by a large NEB-like step (adatom 0.15 Å + 0.03 Å noise)
  warm-small moved again by a small step (adatom 0.03 Å + 0.01 Å noise)
  seeded    image 1 on a fresh calculator seeded with image 2's converged state (gpw)
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import numpy as np
from ase.units import Bohr, Ha

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import bench_neb, case_band

from cudiss.workflows.calculators import CalculatorSpec, make_calculator
from cudiss.workflows.neb import NebSettings, surrogate_band

TIGHT = {"energy": 1e-7, "density": 1e-7, "eigenstates": 1e-12}
workdir = Path(tempfile.mkdtemp(prefix="scftrace-"))
case, band, energies = case_band("gpaw-adatom-hop")
sband, _ = surrogate_band(bench_neb._band_copy(band, energies), NebSettings.fast(n_images=3))
params = CalculatorSpec(code="gpaw", preset="test").parameters()
params["convergence"] = TIGHT


def traced(calc, atoms, label):
    rows = []

    def hook(ctx):
        forces = ctx.calculate_forces() * (Ha / Bohr)
        calc.dft.results.pop("forces", None)
        nv = ctx.wfs.nvalence
        rows.append(
            {
                "it": ctx.niter,
                "dens": float(ctx.dens.error / nv) if np.isfinite(ctx.dens.error) else None,
                "eig": float(ctx.wfs.eigensolver.error * Ha**2 / nv),
                "e": float(ctx.ham.e_total_extrapolated * Ha),
                "f": forces.copy(),
            }
        )

    calc.hooks["scf_step"] = hook
    atoms.calc = calc
    final = atoms.get_forces(apply_constraint=False)
    nv = calc.dft.density.nvalence
    out = []
    for r in rows:
        err = np.linalg.norm(r["f"] - final, axis=1).max()
        out.append({k: r[k] for k in ("it", "dens", "eig", "e")} | {"ferr": float(err)})
    print(
        label, json.dumps({"nvalence": nv, "fmax_raw": float(np.linalg.norm(final, axis=1).max())})
    )
    for r in out:
        dens = "-" if r["dens"] is None else f"{r['dens']:.1e}"
        print(
            f"  {r['it']:3d} dens {dens} eig {r['eig']:.1e} E {r['e']:.5f} ferr {r['ferr']:.4f}",
            flush=True,
        )
    return out


results = {}
rng = np.random.default_rng(0)
free = (
    ~np.isin(np.arange(len(sband[2])), sband[2].constraints[0].index)
    if sband[2].constraints
    else np.ones(len(sband[2]), bool)
)
adatom = len(sband[2]) - 1

calc2 = make_calculator("gpaw", params, txt=str(workdir / "img2.txt"))
a2 = sband[2].copy()
results["cold"] = traced(calc2, a2, "cold")

step = rng.normal(scale=0.03, size=(len(a2), 3)) * free[:, None]
step[adatom] += [0.15 / np.sqrt(2), 0.15 / np.sqrt(2), 0.0]
a2b = a2.copy()
a2b.positions += step
results["warm-big"] = traced(calc2, a2b, "warm-big")

step = rng.normal(scale=0.01, size=(len(a2), 3)) * free[:, None]
step[adatom] += [0.03, 0.0, 0.0]
a2c = a2b.copy()
a2c.positions += step
results["warm-small"] = traced(calc2, a2c, "warm-small")

gpw = workdir / "img2.gpw"
calc2.write(gpw, mode="all")
from gpaw import GPAW  # noqa: E402

seeded = GPAW(str(gpw), txt=str(workdir / "img1-seeded.txt"))
a1 = sband[1].copy()
results["seeded"] = traced(seeded, a1, "seeded (img1 from img2 state)")

calc1 = make_calculator("gpaw", params, txt=str(workdir / "img1.txt"))
results["cold-img1"] = traced(calc1, sband[1].copy(), "cold img1")
(Path(__file__).parent / "scf_trace.json").write_text(json.dumps(results, indent=0))
print("workdir", workdir)
