"""The independent reference NEB of the engine's tests: plain ASE, counted EMT calls."""

from __future__ import annotations

from ase import Atoms
from ase.calculators.emt import EMT
from ase.mep import NEB
from ase.optimize import BFGS


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
