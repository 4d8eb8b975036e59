"""Cold SCF starts: seeded from a neighbouring image's converged state (gpw), or a dzp LCAO guess.

Prints SCF iterations per first call (fresh calculator: 16 on the GPAW hop).
"""

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import bench_neb, case_band
from gpaw import GPAW

from cudiss.workflows.calculators import CalculatorSpec, make_calculator
from cudiss.workflows.neb import NebSettings, surrogate_band

w = Path(tempfile.mkdtemp(prefix="seed-"))
case, band, energies = case_band("gpaw-adatom-hop")
sband, _ = surrogate_band(bench_neb._band_copy(band, energies), NebSettings.fast(n_images=3))
params = CalculatorSpec(code="gpaw", preset="test").parameters()
a2 = sband[2].copy()
c2 = make_calculator("gpaw", params, txt=str(w / "c2.txt"))
a2.calc = c2
a2.get_forces()
print("img2 cold", c2.get_number_of_iterations(), flush=True)
c2.write(w / "c2.gpw", mode="all")
s = GPAW(str(w / "c2.gpw"), txt=str(w / "s-same.txt"))
b = sband[2].copy()
b.positions[-1, 0] += 0.001
b.calc = s
b.get_forces()
print("seed same geom (+0.001)", s.get_number_of_iterations(), flush=True)
for i in (1, 3):
    s = GPAW(str(w / "c2.gpw"), txt=str(w / f"s-{i}.txt"))
    b = sband[i].copy()
    b.calc = s
    b.get_forces()
    print(f"img{i} seeded from img2", s.get_number_of_iterations(), flush=True)
pb = dict(params, basis="dzp")
for i in (1, 2):
    c = make_calculator("gpaw", pb, txt=str(w / f"dzp-{i}.txt"))
    b = sband[i].copy()
    b.calc = c
    b.get_forces()
    print(f"img{i} cold dzp initial guess", c.get_number_of_iterations(), flush=True)
print(w)
