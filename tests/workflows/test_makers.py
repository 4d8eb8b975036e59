"""The atomate2-based makers with EMT: bulk a0, slab relaxation, vibrations."""

from __future__ import annotations

import numpy as np
import pytest
from ase.build import add_adsorbate, bulk, fcc100, molecule
from ase.calculators.emt import EMT
from ase.constraints import FixAtoms
from ase.io import read
from jobflow import run_locally
from pymatgen.io.ase import AseAtomsAdaptor

from cudiss.workflows.calculators import CalculatorSpec
from cudiss.workflows.errors import SettingsError
from cudiss.workflows.makers import (
    BulkResult,
    CuBulkMaker,
    CuRelaxMaker,
    CuVibrationsMaker,
)


def _run(job, tmp_path):
    responses = run_locally(job, create_folders=True, root_dir=tmp_path, log=False)
    return responses[job.uuid][1].output


def test_bulk_maker_fits_the_emt_lattice_constant(tmp_path):
    result = _run(CuBulkMaker().make(), tmp_path)
    assert isinstance(result, BulkResult)
    # ASE's EMT is fitted to Cu with a0 = 3.59 Å and E_coh referenced to ~0.
    assert result.lattice_constant_A == pytest.approx(3.59, abs=0.005)
    assert abs(result.energy_per_atom_eV) < 0.02
    # Experimental bulk modulus of Cu: 140 GPa; EMT gives the same order.
    assert 100 < result.bulk_modulus_GPa < 200


def test_bulk_parameters_adapt_slab_presets():
    params = CalculatorSpec(code="gpaw", preset="production").bulk_parameters()
    assert "poissonsolver" not in params
    assert params["symmetry"] == {"point_group": True}
    assert params["kpts"]["density"] == 4.0
    test = CalculatorSpec(code="gpaw", preset="test").bulk_parameters()
    assert test["kpts"] == {"size": [8, 8, 8]}


def test_relax_maker_relaxes_free_atoms_only_and_writes_a_trajectory(tmp_path):
    slab = fcc100("Cu", (2, 2, 3), a=3.59, vacuum=6.0)
    slab.set_constraint(FixAtoms(mask=slab.get_tags() == 3))
    add_adsorbate(slab, "Cu", 2.2, "hollow")  # too high: must come down
    structure = AseAtomsAdaptor().get_structure(slab)
    job = CuRelaxMaker(fmax=0.02).make(structure)
    doc = _run(job, tmp_path)
    relaxed = AseAtomsAdaptor().get_atoms(doc.output.structure)
    fixed = slab.get_tags() == 3
    assert np.allclose(relaxed.positions[fixed], slab.positions[fixed])
    assert relaxed.positions[-1, 2] < slab.positions[-1, 2] - 0.2
    assert doc.is_force_converged
    frames = read(f"{doc.dir_name}/relax.traj", ":")
    assert len(frames) > 2
    assert frames[-1].get_potential_energy() == pytest.approx(doc.output.energy)


def test_run_ase_takes_ase_atoms_as_atomate2_does(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    slab = fcc100("Cu", (2, 2, 3), a=3.59, vacuum=6.0)
    slab.set_constraint(FixAtoms(mask=slab.get_tags() == 3))
    add_adsorbate(slab, "O", 1.6, "hollow")
    maker = CuRelaxMaker(fmax=0.02)
    from_atoms = maker.run_ase(slab.copy())  # raised AttributeError: no is_ordered
    from_structure = maker.run_ase(AseAtomsAdaptor().get_structure(slab))
    assert from_atoms.force_calls > 2 and from_atoms.resumed is None
    # the same relaxation whichever type it was given: one checkpoint, found again
    assert from_structure.resumed.startswith("resumed from checkpoint")
    assert from_atoms.final_energy == pytest.approx(from_structure.final_energy, abs=1e-9)


def test_vibrations_maker_gives_3n_modes_and_zpe(tmp_path):
    slab = fcc100("Cu", (2, 2, 3), a=3.59, vacuum=6.0)
    slab.set_constraint(FixAtoms(mask=slab.get_tags() >= 2))
    co = molecule("CO")
    add_adsorbate(slab, co, 1.9, "ontop", mol_index=0)
    indices = [len(slab) - 2, len(slab) - 1]
    structure = AseAtomsAdaptor().get_structure(slab)
    result = _run(CuVibrationsMaker().make(structure, indices), tmp_path)
    assert result.indices == indices
    assert len(result.frequencies_cm) == 6
    assert result.zpe_eV == pytest.approx(0.5 * sum(result.energies_eV))
    assert result.zpe_eV > 0


def test_bulk_maker_keeps_a_given_lattice_constant(tmp_path):
    # A campaign with lattice_constant: 3.615 builds its slabs at 3.615 Å, so mu_Cu
    # must be bulk Cu's energy per atom at 3.615 Å too, not at EMT's own 3.59 Å.
    maker = CuBulkMaker(a_guess=3.615, keep_lattice_constant=True)
    result = _run(maker.make(3.615), tmp_path)
    reference = bulk("Cu", "fcc", a=3.615)  # independent: ASE's EMT on ASE's fcc cell
    reference.calc = EMT()
    assert result.lattice_constant_A == 3.615
    assert result.energy_per_atom_eV == pytest.approx(reference.get_potential_energy(), abs=1e-12)
    # 3.615 Å is 0.7 % above EMT's minimum: the energy there lies above the minimum's
    fitted = _run(CuBulkMaker().make(), tmp_path / "fit")
    assert result.energy_per_atom_eV > fitted.energy_per_atom_eV
    # the scan around 3.615 Å still gives EMT's bulk modulus (same order as Cu's 140 GPa)
    assert result.bulk_modulus_GPa == pytest.approx(fitted.bulk_modulus_GPa, rel=0.05)
    assert len(result.volumes_A3) == 7


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"strain": 0.0, "points": 1}, "strain must be in (0, 0.2]"),
        ({"points": 3}, "points must be an integer >= 5"),
        ({"points": 6, "keep_lattice_constant": True}, "points must be odd"),
        ({"a_guess": 361.5}, "a_guess: Cu lattice constant must be between 3.0 and 4.5 Å"),
        ({"calculator_spec": "emt"}, "calculator_spec must be a CalculatorSpec"),
    ],
)
def test_bulk_maker_refuses_a_scan_that_cannot_be_fitted(kwargs, fragment):
    with pytest.raises(SettingsError) as info:
        CuBulkMaker(**kwargs)
    assert fragment in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize("fmax", [0.0, -0.05, 0.6, float("inf"), float("nan"), "0.05"])
def test_relax_maker_refuses_a_force_threshold_that_relaxes_nothing(fmax):
    with pytest.raises(SettingsError, match=r"^CuRelaxMaker: fmax must be"):
        CuRelaxMaker(fmax=fmax)
