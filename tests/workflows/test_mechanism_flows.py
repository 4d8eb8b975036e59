"""Gas-reference and adsorption flows, their steps and result jobs (EMT, small cells)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from ase import units
from ase.calculators.emt import EMT
from ase.data import atomic_masses
from jobflow import Flow, run_locally
from pymatgen.io.ase import AseAtomsAdaptor

from cudiss.analysis.mechanism_documents import AdsorptionResult, GasResult
from cudiss.structures.molecules import gas_molecule
from cudiss.workflows.calculators import CalculatorSpec
from cudiss.workflows.failures import StepFailure
from cudiss.workflows.flows import SlabSettings
from cudiss.workflows.mechanism_flows import (
    AdsorptionConfig,
    AdsorptionMaker,
    GasReferenceMaker,
    site_labels,
)
from cudiss.workflows.mechanism_results import adsorption_result, gas_result, pick_lowest
from cudiss.workflows.mechanism_store import adsorption_results_in, gas_results_in
from cudiss.workflows.store import open_job_store

SMALL = SlabSettings(size=(2, 2), layers=3, vacuum=6.0, fixed_layers=1)


@pytest.fixture(autouse=True)
def _checkpoints(tmp_path, monkeypatch):
    monkeypatch.setenv("CUDISS_CHECKPOINT_DIR", str(tmp_path / "checkpoints"))


def _run(flows, tmp_path):
    store = open_job_store(tmp_path / "store", create=True)
    run_locally(Flow(flows), store=store, create_folders=True, root_dir=tmp_path, log=False)
    return store


def test_molecule_parameters_follow_the_presets_molecule_rule():
    spec = CalculatorSpec(code="gpaw", preset="production")
    params = spec.molecule_parameters()
    assert params["kpts"] == {"size": [1, 1, 1]}  # Gamma point only
    assert params["symmetry"] == {"point_group": False}
    assert "poissonsolver" not in params  # no slab, no dipole layer
    assert params["mode"] == spec.parameters()["mode"]  # the rest is the preset's
    assert spec.parameters_for("molecule") == params
    assert spec.parameters_for("bulk") == spec.bulk_parameters()
    emt = CalculatorSpec()
    assert emt.molecule_parameters() == emt.parameters() == {}
    assert isinstance(emt.build(kind="molecule"), EMT)


def test_h2_reference_frequency_is_the_emt_bond_curvature(tmp_path):
    store = _run([GasReferenceMaker().make("h2")], tmp_path)
    (gas,) = gas_results_in(store)
    assert gas.state == "successful" and gas.name == "H2" and gas.relax_converged
    assert gas.geometry == "linear" and gas.symmetry_number == 2
    assert len(gas.frequencies_cm) == 6  # 3N modes, N = 2
    # By hand: the stretch is sqrt(k/mu) with k = d2E/dr2 of EMT at the relaxed bond
    # (central difference, h = 0.005 Å) and mu = m_H/2; in cm^-1:
    # nu = sqrt(k [eV/Å^2] / mu [amu]) * (units._hbar * 1e10 * sqrt(units._e / units._amu))
    #      / (h c) -> ase's conversion s = units._hbar * 1e10 / sqrt(units._e * units._amu)
    atoms = gas_molecule("H2")
    atoms.positions[:] = np.array(gas.positions_A)
    atoms.calc = EMT()
    r0 = atoms.get_distance(0, 1)
    h = 0.005
    energies = []
    for d in (-h, 0.0, h):
        atoms.set_distance(0, 1, r0 + d, fix=0.5)
        energies.append(atoms.get_potential_energy())
    k = (energies[0] - 2 * energies[1] + energies[2]) / h**2
    mu = atomic_masses[1] / 2
    s = units._hbar * 1e10 / math.sqrt(units._e * units._amu)  # eV per sqrt(eV/Å^2/amu)
    nu = s * math.sqrt(k / mu) / units.invcm
    assert max(gas.frequencies_cm) == pytest.approx(nu, rel=0.01)


def test_adsorption_flow_tries_every_unique_site_and_keeps_the_lowest(tmp_path):
    config = AdsorptionConfig(campaign="t", facet="Cu(100)", adsorbate="h*", slab=SMALL)
    assert config.facet == "100" and config.adsorbate == "H"
    # Cu(100) 2x2: ontop, bridge, 4-fold hollow; 4 top-layer Cu -> 1/4 ML
    labels = [label for _, _, label in site_labels(config.clean_slab())]
    assert labels == ["ontop", "bridge", "hollow"]
    assert config.n_surface_atoms() == 4
    store = _run([AdsorptionMaker().make(config, 3.6)], tmp_path)
    (result,) = adsorption_results_in(store)
    assert result.state == "successful", result.error
    assert result.coverage_ML == pytest.approx(0.25)
    assert [s.site for s in result.sites] == labels
    lowest = min(result.sites, key=lambda s: s.energy_eV)
    assert result.best_site == lowest.site and result.energy_eV == lowest.energy_eV
    assert result.adsorbate_indices == [12]  # 12 Cu, then the H
    assert result.symbols[12] == "H" and len(result.frequencies_cm) == 3
    assert result.clean_slab_energy_eV is not None


def test_adsorption_without_vibrations_and_restricted_sites(tmp_path):
    config = AdsorptionConfig(facet="100", adsorbate="O", slab=SMALL, sites=["hollow", "ontop"])
    store = _run([AdsorptionMaker(vibrations=False).make(config, 3.6)], tmp_path)
    (result,) = adsorption_results_in(store)
    assert [s.site for s in result.sites] == ["ontop", "hollow"]
    assert result.state == "successful" and result.frequencies_cm == []


def _relaxed(energy: float, converged: bool = True):
    class Output:
        pass

    doc = Output()
    doc.output = Output()
    doc.output.energy = energy
    doc.is_force_converged = converged
    doc.structure = AseAtomsAdaptor().get_structure(gas_molecule("CO"))  # copied through
    return doc


class _Placed:
    adsorbate_indices = (12,)


def test_pick_lowest_prefers_converged_sites_and_reports_failed_ones():
    pick = pick_lowest.original
    failure = StepFailure("relax bridge", "RuntimeError: boom")
    # the lowest converged site wins over a lower unconverged one; a failed site is a row
    out = pick(
        ["ontop", "bridge", "hollow"],
        [_Placed(), failure, _Placed()],
        [_relaxed(-1.0, converged=False), failure, _relaxed(-0.5)],
    )
    assert out.site == "hollow" and out.energy_eV == -0.5 and out.converged
    assert [(s.site, s.energy_eV, s.error) for s in out.sites] == [
        ("ontop", -1.0, None),
        ("bridge", None, "RuntimeError: boom"),
        ("hollow", -0.5, None),
    ]
    # with no converged site the lowest unconverged one is taken
    out = pick(["a", "b"], [_Placed(), _Placed()], [_relaxed(2.0, False), _relaxed(1.0, False)])
    assert out.site == "b" and not out.converged
    # all sites failed -> a failure naming each
    out = pick(["ontop", "bridge"], [failure, _Placed()], [failure, None])
    assert isinstance(out, StepFailure)
    assert "ontop: RuntimeError: boom" in out.error and "bridge: step did not run" in out.error


def test_gas_and_adsorption_results_of_failed_steps_are_failed_documents():
    failure = StepFailure("gas H2: relax", "RuntimeError: SCF did not converge")
    gas = gas_result.original("H2", "gas/H2/emt/x", CalculatorSpec(), failure, failure)
    assert isinstance(gas, GasResult)
    assert gas.state == "failed" and "relaxation" in gas.error and "SCF" in gas.error
    config = AdsorptionConfig(facet="100", adsorbate="CO", slab=SMALL)
    result = adsorption_result.original(
        config, "id", CalculatorSpec(), failure, failure, failure, vibrations_wanted=True
    )
    assert isinstance(result, AdsorptionResult)
    assert result.state == "failed" and result.energy_eV is None
    assert "clean-slab relaxation" in result.error and result.coverage_ML == pytest.approx(0.25)


def test_vibrations_tighten_the_gpaw_scf_only():
    from cudiss.workflows.mechanism_steps import VibrationsStepMaker

    gpaw = CalculatorSpec(code="gpaw", preset="test")
    spec = VibrationsStepMaker(calculator_spec=gpaw, kind="molecule").vibrations_spec()
    # test preset density 1e-4 -> 1e-5; its energy tolerance and the rest are kept
    assert spec.parameters()["convergence"] == {"energy": 5.0e-4, "density": 1.0e-5}
    assert VibrationsStepMaker(calculator_spec=gpaw, scf_density=None).vibrations_spec() == gpaw
    assert VibrationsStepMaker().vibrations_spec() == CalculatorSpec()  # EMT unchanged


def test_vibrations_resume_over_a_displacement_a_killed_run_left_unfinished(tmp_path):
    """A run killed during a displacement leaves ASE's empty claim file; the resumed
    run computes that displacement instead of failing on it (seen on GPAW: TypeError
    'NoneType' object is not subscriptable)."""
    from cudiss.workflows.checkpoint import checkpoint_key, checkpoint_root
    from cudiss.workflows.mechanism_steps import VibrationsStepMaker

    maker = VibrationsStepMaker(kind="molecule")
    h2 = gas_molecule("h2")
    clean = maker.run_vibrations(h2.copy(), [0, 1])
    key = checkpoint_key(
        "vib", h2, maker.calculator_spec.model_dump(), maker.kind, maker.delta, [0, 1]
    )
    cache = checkpoint_root() / f"vib-{key}"
    cache.mkdir(parents=True, exist_ok=True)  # the clean run emptied it
    (cache / "cache.0x+.json").touch()  # the claim of the killed run: an empty file
    resumed = maker.run_vibrations(h2.copy(), [0, 1])
    assert np.allclose(resumed.frequencies_cm, clean.frequencies_cm, atol=1e-6)
    # H2 in EMT has one real stretch; the other five modes are ~0 (translations, rotations)
    assert max(resumed.frequencies_cm) > 1000
