"""Loose SCF then in-place refinement to the preset's criteria, on the GPAW hop's middle image.

Checks (1) how many SCF iterations the refinement takes, (2) that the refined
forces and energy equal a calculation run directly with the preset's criteria,
(3) whether GPAW's mixer misbehaves when restarted from a converged density.
Usage: gpaw_refine.py [force_tolerance ...]   (default 0.05 0.1)
"""

import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import bench_neb, case_band

from cudiss.workflows.calculators import CalculatorSpec
from cudiss.workflows.neb import NebSettings, surrogate_band

workdir = Path(tempfile.mkdtemp(prefix="refine-"))
case, band, energies = case_band("gpaw-adatom-hop")
sband, _ = surrogate_band(bench_neb._band_copy(band, energies), NebSettings.fast(n_images=3))
spec = CalculatorSpec(code="gpaw", preset="test")

ref = sband[2].copy()
ref.calc = spec.build(txt=str(workdir / "ref.txt"))
fref = ref.get_forces(apply_constraint=False)
eref = ref.get_potential_energy()
print("preset directly:", ref.calc.get_number_of_iterations(), "SCF", flush=True)
for tol in [float(x) for x in sys.argv[1:]] or [0.05, 0.1]:
    atoms = sband[2].copy()
    atoms.calc = calc = spec.build(txt=str(workdir / f"loose-{tol}.txt"))
    calc.set_force_tolerance(tol)
    f1 = atoms.get_forces(apply_constraint=False)
    n1 = calc.get_number_of_iterations()
    calc.set_force_tolerance(None)
    f2 = atoms.get_forces(apply_constraint=False)
    n2 = calc.get_number_of_iterations()
    print(
        f"tol {tol}: loose {n1} SCF, force error {np.abs(f1 - fref).max():.4f}; refine {n2} SCF, "
        f"force diff to preset {np.abs(f2 - fref).max():.4f}, energy diff "
        f"{atoms.get_potential_energy() - eref:+.2e} eV",
        flush=True,
    )
print(workdir)
