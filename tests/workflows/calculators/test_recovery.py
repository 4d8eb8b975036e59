"""SCF failure recovery with real GPAW: an injected non-convergence is recovered and recorded."""

from __future__ import annotations

import pytest
from ase.build import bulk
from gpaw import KohnShamConvergenceError

from cudiss.workflows.calculators import CalculatorSpec
from cudiss.workflows.calculators.recovery import RecoveringCalculator

pytestmark = pytest.mark.gpaw

# A small, fast GPAW setup: primitive fcc Cu, PW(200), 4x4x4 k-points.
TINY = {"mode": {"name": "pw", "ecut": 200}, "kpts": {"size": [4, 4, 4]}, "symmetry": {}}


def _cu():
    return bulk("Cu", "fcc", a=3.63)


def test_injected_non_convergence_is_recovered_and_recorded(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    reference = _cu()
    reference.calc = CalculatorSpec(code="gpaw", overrides=TINY).build(txt=None)
    e_ref = reference.get_potential_energy()
    assert reference.calc.recoveries == []
    # the free energy (what GPAW's forces are the gradient of) passes through,
    # not a copy of the extrapolated energy: with 0.1 eV smearing they differ
    free = reference.get_potential_energy(force_consistent=True)
    assert free == reference.calc.inner.get_potential_energy(force_consistent=True)
    assert abs(free - e_ref) > 1e-3

    # Three SCF iterations cannot converge: the first rung (more iterations,
    # gentler mixing) must.
    atoms = _cu()
    atoms.calc = CalculatorSpec(code="gpaw", overrides={**TINY, "maxiter": 3}).build(txt=None)
    energy = atoms.get_potential_energy()
    assert len(atoms.calc.recoveries) == 1
    assert "rung 1" in atoms.calc.recoveries[0]
    assert atoms.calc.rung == 1
    assert energy == pytest.approx(e_ref, abs=2e-3)
    # GPAW's own queries still reach the live calculator.
    assert atoms.calc.get_number_of_iterations() > 3


def test_exhausted_ladder_fails_with_a_clear_reason(tmp_path, monkeypatch):
    from cudiss.workflows.calculators import make_calculator
    from cudiss.workflows.calculators.parameters import merge_parameters

    monkeypatch.chdir(tmp_path)
    params = CalculatorSpec(code="gpaw", overrides={**TINY, "maxiter": 2}).parameters()
    calc = RecoveringCalculator(
        lambda rung: make_calculator("gpaw", merge_parameters(params, rung), txt=None),
        ladder=[{"maxiter": 3}],
    )
    atoms = _cu()
    atoms.calc = calc
    with pytest.raises(KohnShamConvergenceError, match="after 1 recovery steps"):
        atoms.get_potential_energy()
    assert len(calc.recoveries) == 1


def test_recovery_is_recorded_in_the_relaxation_document(tmp_path):
    from jobflow import run_locally
    from pymatgen.io.ase import AseAtomsAdaptor

    from cudiss.workflows.makers import CuStaticMaker

    spec = CalculatorSpec(code="gpaw", overrides={**TINY, "maxiter": 3})
    job = CuStaticMaker(calculator_spec=spec).make(AseAtomsAdaptor().get_structure(_cu()))
    responses = run_locally(job, create_folders=True, root_dir=tmp_path, log=False)
    doc = responses[job.uuid][1].output
    (line,) = doc.scf_recoveries
    assert "rung 1" in line
