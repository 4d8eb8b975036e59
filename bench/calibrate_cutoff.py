"""Plane-wave cutoff for C, O and H: gas reaction energy and frequencies vs cutoff.

Relaxes H2, H2O, CO and CO2 in a box (4 Å vacuum each side, Γ point, PBE,
fmax 0.02 eV/Å) at each cutoff, runs finite-difference vibrations, and prints
ΔE of CO2 + H2 → CO + H2O, the vibrational frequencies and the ZPEs. The
numbers behind docs/calibration.md ("Plane-wave cutoff for C, O and H") and the
``test-co2er`` preset. Serial, ~2-4 min per cutoff on one core::

    OMP_NUM_THREADS=1 .venv/bin/python bench/calibrate_cutoff.py 250 400 500
"""

from __future__ import annotations

import sys
import tempfile
import time

import numpy as np
from ase.build import molecule
from ase.optimize import BFGS
from ase.units import invcm
from ase.vibrations import Vibrations

MODES = {"H2": 1, "CO": 1, "H2O": 3, "CO2": 4}


def gas(name: str, ecut: float):
    """Relaxed energy (eV) and the 3N-5/3N-6 frequencies (cm^-1) of ``name`` at ``ecut``."""
    from gpaw import GPAW, PW

    atoms = molecule(name)
    atoms.center(vacuum=4.0)
    atoms.pbc = True
    atoms.calc = GPAW(
        mode=PW(ecut),
        xc="PBE",
        kpts=(1, 1, 1),
        txt=None,
        occupations={"name": "fermi-dirac", "width": 0.1},
        convergence={"energy": 5e-4, "density": 1e-4},
        symmetry={"point_group": False},
    )
    BFGS(atoms, logfile=None).run(fmax=0.02)
    energy = atoms.get_potential_energy()
    with tempfile.TemporaryDirectory() as tmp:
        vib = Vibrations(atoms, name=f"{tmp}/vib", delta=0.01)
        vib.run()
        modes = np.sort(np.abs(vib.get_energies()))[::-1][: MODES[name]].real
    return energy, modes / invcm


def main(cutoffs: list[float]) -> None:
    for ecut in cutoffs:
        start = time.perf_counter()
        energies, lines = {}, []
        for name in MODES:
            energies[name], freqs = gas(name, ecut)
            zpe = 0.5 * float(np.sum(freqs)) * invcm
            lines.append(f"  {name}: ZPE {zpe:.3f} eV, modes {np.round(freqs).tolist()} cm^-1")
        reaction = energies["CO"] + energies["H2O"] - energies["CO2"] - energies["H2"]
        wall = time.perf_counter() - start
        print(f"PW({ecut:g}): dE(CO2 + H2 -> CO + H2O) = {reaction:.3f} eV  ({wall:.0f} s)")
        print("\n".join(lines), flush=True)


if __name__ == "__main__":
    main([float(x) for x in sys.argv[1:]] or [250.0, 400.0, 500.0])
