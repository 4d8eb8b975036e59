"""The independent reference NEB of the engine's tests: plain ASE, counted EMT calls."""

from __future__ import annotations

import numpy as np
from ase import Atoms
from ase.build import add_adsorbate, fcc100
from ase.calculators.emt import EMT
from ase.constraints import FixAtoms
from ase.mep import NEB
from ase.optimize import BFGS

A_EMT = 3.59  # ASE EMT's own fcc Cu lattice constant


class CountedEMT(EMT):
    """EMT counting its own evaluations (the target's force calls of plain ASE)."""

    calls = 0

    def calculate(self, *args, **kwargs):
        CountedEMT.calls += 1
        super().calculate(*args, **kwargs)


def plain_ase_barrier(initial: Atoms, final: Atoms, fmax: float = 0.05) -> tuple[float, int]:
    """ASE NEB, 3 images, linear interpolation, BFGS, improved tangent, climbing image.

    Returns the barrier (eV) and the EMT calls it took (endpoints included).
    """
    images = [initial.copy() for _ in range(4)] + [final.copy()]
    CountedEMT.calls = 0
    for image in images:
        image.calc = CountedEMT()
    band = NEB(images, climb=True, method="improvedtangent")
    band.interpolate()
    BFGS(band, logfile=None).run(fmax=fmax, steps=500)
    energies = [image.get_potential_energy() for image in images]
    return max(energies) - energies[0], CountedEMT.calls


def relaxed_hop_endpoints() -> tuple[Atoms, Atoms, list[float]]:
    """Cu adatom in a 4-fold hollow of Cu(100) and in the neighbouring hollow, relaxed."""
    slab = fcc100("Cu", (3, 3, 3), a=A_EMT, vacuum=6.0)
    slab.set_constraint(FixAtoms(mask=slab.get_tags() == 3))
    add_adsorbate(slab, "Cu", 1.8, "hollow")
    initial, final = slab.copy(), slab.copy()
    final.positions[-1, 0] += A_EMT / np.sqrt(2)
    energies = []
    for atoms in (initial, final):
        atoms.calc = EMT()
        BFGS(atoms, logfile=None).run(fmax=0.01)
        energies.append(atoms.get_potential_energy())
    return initial, final, energies
