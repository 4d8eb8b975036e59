"""GPAW's SJM through CalculatorSpec on the smallest Cu slab: the potential it reaches.

Cu(111) 1x1x3 (three atoms) in a 16 Å cell, the sjm-test preset (FD h 0.2 Å,
k 2x2x1), serial. First a constant-charge solvated calculation with no excess
electrons gives the potential of zero charge (PZC) of this cell; an SJM
calculation asked for that potential, started 0.05 e away, must find the
neutral slab again: |N| small, potential within the tolerance, and the grand
potential equal to the neutral solvated energy (Ω = E − μN with N ≈ 0).
Measured here (docs/constant-potential.md): PZC 3.15 V on SJM's scale,
dU/dN ≈ −5.2 V per electron.
"""

from __future__ import annotations

import pytest
from ase.build import fcc111

from cudiss.analysis.electrode import potential_from_absolute
from cudiss.workflows.calculators import CalculatorSpec

pytestmark = pytest.mark.gpaw

SLOPE = -5.2  # V per electron, measured on this cell
TOLERANCE = 0.005  # V


def slab():
    atoms = fcc111("Cu", size=(1, 1, 3), a=3.63)
    atoms.cell[2][2] = 16.0
    atoms.translate([0, 0, 6.0 - min(atoms.positions[:, 2])])
    atoms.pbc = True  # as cudiss builds slabs: SJM's calculator opens z itself
    return atoms


def electrode_spec(**electrode) -> CalculatorSpec:
    common = {"jellium_bottom_A": 13.5, "jellium_top_A": 15.5, "slope_V_per_electron": SLOPE}
    return CalculatorSpec(code="gpaw", preset="sjm-test", electrode={**common, **electrode})


@pytest.fixture(scope="module")
def neutral(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sjm")
    atoms = slab()
    atoms.calc = electrode_spec(potential_V=None, excess_electrons=0.0).build(
        txt=str(folder / "neutral.txt")
    )
    energy = atoms.get_potential_energy()
    return folder, energy, atoms.calc.results


def test_the_neutral_solvated_slab_has_a_pzc_near_the_one_measured(neutral):
    _, _, results = neutral
    assert results["excess_electrons"] == 0.0
    assert 2.9 < results["electrode_potential"] < 3.4  # 3.15 V measured


def test_sjm_at_the_pzc_finds_the_neutral_slab_and_its_energy(neutral):
    folder, energy, results = neutral
    pzc = results["electrode_potential"]
    spec = electrode_spec(
        potential_V=potential_from_absolute(pzc, "SHE"),
        scale="SHE",
        excess_electrons=0.05,  # start away from the answer
        tolerance_V=TOLERANCE,
    )
    assert spec.electrode.target_absolute_V() == pytest.approx(pzc, abs=1e-12)
    atoms = slab()
    atoms.calc = spec.build(txt=str(folder / "sjm.txt"))
    omega = atoms.get_potential_energy()
    got = atoms.calc.results
    assert abs(got["electrode_potential"] - pzc) <= TOLERANCE
    # within the tolerance, N = ΔU / (dU/dN): |N| <= 0.005 / 5.2 ~ 0.001 e
    assert abs(got["excess_electrons"]) < 0.003
    # Ω = E − μN differs from the neutral E by ~ N·ΔU-sized terms: a few meV at most
    assert omega == pytest.approx(energy, abs=0.005)
    assert atoms.get_forces().shape == (3, 3)


def test_a_loose_band_step_searches_the_count_once_and_tightening_reaches_the_target(neutral):
    # What an NEB band's early steps ask (workflows/neb/scf.py): rough forces.
    # SJM then needs the potential within 0.05 V only and corrects the count
    # after every geometry (always_adjust); tightening re-converges in place.
    folder, _, results = neutral
    pzc = results["electrode_potential"]
    target = pzc - 0.1  # V, SJM's absolute scale: more electrons on the slab
    spec = electrode_spec(
        potential_V=potential_from_absolute(target, "SHE"),
        scale="SHE",
        excess_electrons=0.0,
        tolerance_V=TOLERANCE,
    )
    atoms = slab()
    calc = atoms.calc = spec.build(txt=str(folder / "loose.txt"))
    calc.set_force_tolerance(1.0)
    atoms.get_potential_energy()
    loose = dict(calc.results)
    assert calc.inner.parameters["sj"]["tol"] == pytest.approx(0.05)
    assert abs(loose["electrode_potential"] - target) <= 0.05
    # the count of the state computed, not SJM's guess for the next geometry
    assert calc.inner.parameters["sj"]["excess_electrons"] != loose["excess_electrons"]
    assert loose["excess_electrons"] == calc.inner.density.background_charge.charge
    calc.set_force_tolerance(None)
    assert calc.discard_loose_results()
    atoms.get_potential_energy()
    tight = calc.results
    assert calc.inner.parameters["sj"]["tol"] == pytest.approx(TOLERANCE)
    assert abs(tight["electrode_potential"] - target) <= TOLERANCE
    # N = ΔU / (dU/dN) = -0.1 V / -5.2 V/e (measured slope) = +0.019 e
    assert tight["excess_electrons"] == pytest.approx(0.1 / 5.2, rel=0.25)
    assert not calc.loose
