"""Relaxations whose SCF accuracy follows the forces (workflows/relax_scf.py)."""

from __future__ import annotations

import numpy as np
import pytest
from ase.build import add_adsorbate, fcc100
from ase.calculators.calculator import Calculator, all_changes
from ase.calculators.emt import EMT
from ase.constraints import FixAtoms
from ase.optimize import BFGS

from cudiss.workflows.calculators import CalculatorSpec
from cudiss.workflows.errors import SettingsError
from cudiss.workflows.makers import CuRelaxMaker
from cudiss.workflows.relax_scf import scf_following


class LooseEMT(Calculator):
    """EMT whose forces, asked to a tolerance, come out 40 % too small (a loose SCF).

    Shrinking them makes a loose geometry look converged too early: the
    optimizer must re-converge it before stopping.
    """

    implemented_properties = ("energy", "free_energy", "forces")

    def __init__(self) -> None:
        super().__init__()
        self.exact = EMT()
        self.tolerance: float | None = None
        self.asked: list[float | None] = []
        self.loose = False
        self.discards = 0

    def set_force_tolerance(self, tolerance: float | None) -> None:
        self.tolerance = tolerance
        self.asked.append(tolerance)

    def discard_loose_results(self) -> bool:
        if not self.loose:
            return False
        self.results, self.loose = {}, False
        self.discards += 1
        return True

    def calculate(self, atoms=None, properties=("energy",), system_changes=all_changes):
        super().calculate(atoms, properties, system_changes)
        copy = self.atoms.copy()
        copy.calc = self.exact
        forces = copy.get_forces()
        self.loose = self.tolerance is not None
        self.results = {
            "energy": copy.get_potential_energy(),
            "free_energy": copy.get_potential_energy(),
            "forces": 0.6 * forces if self.loose else forces,
        }


def _adatom():
    slab = fcc100("Cu", size=(2, 2, 3), a=3.59, vacuum=6.0)
    add_adsorbate(slab, "Cu", 2.2, "hollow")
    slab.set_constraint(FixAtoms(indices=list(range(4))))
    slab.positions[-1, 2] += 0.3  # start well away from the minimum
    return slab


def test_early_steps_are_loose_and_the_last_geometry_is_exact():
    atoms = _adatom()
    calc = atoms.calc = LooseEMT()
    optimizer = scf_following(BFGS)(atoms, logfile=None, scf_force_fraction=0.5)
    assert optimizer.run(fmax=0.02, steps=200)
    assert not calc.loose
    exact = atoms.copy()
    exact.calc = EMT()
    assert np.linalg.norm(exact.get_forces(), axis=1).max() < 0.02
    assert calc.asked[0] == np.inf  # the first evaluation: the loosest
    loose = [t for t in calc.asked[1:] if t is not None]
    assert loose and all(t > 3 * 0.02 * 0.5 for t in loose)  # only while fmax > 3 x 0.02
    assert calc.asked[-1] is None


def test_a_geometry_passing_on_loose_forces_is_reconverged_before_stopping():
    atoms = _adatom()
    calc = atoms.calc = LooseEMT()
    # tight only below fmax: loose forces (40 % small) pass the threshold first
    optimizer = scf_following(BFGS)(atoms, logfile=None, scf_tight_factor=1.0)
    assert optimizer.run(fmax=0.05, steps=200)
    assert calc.discards >= 1 and not calc.loose
    exact = atoms.copy()
    exact.calc = EMT()
    assert np.linalg.norm(exact.get_forces(), axis=1).max() < 0.05


def test_calculators_without_tolerances_relax_as_before():
    plain, following = _adatom(), _adatom()
    plain.calc, following.calc = EMT(), EMT()
    BFGS(plain, logfile=None).run(fmax=0.02)
    scf_following(BFGS)(following, logfile=None).run(fmax=0.02)
    assert np.allclose(plain.positions, following.positions)


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"scf_force_fraction": 0.0}, "scf_force_fraction must be None or in (0, 1]"),
        ({"scf_force_fraction": True}, "scf_force_fraction must be None or in (0, 1]"),
        ({"scf_tight_factor": 0.5}, "scf_tight_factor must be >= 1"),
    ],
)
def test_bad_scf_following_settings_are_one_line(kwargs, fragment):
    with pytest.raises(SettingsError, match=fragment.replace("(", r"\(").replace("]", r"\]")):
        CuRelaxMaker(calculator_spec=CalculatorSpec(code="emt"), **kwargs)
