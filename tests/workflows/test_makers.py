"""The atomate2-based makers with EMT: bulk a0, slab relaxation, vibrations."""

from __future__ import annotations

import numpy as np
import pytest
from ase.build import add_adsorbate, fcc100, molecule
from ase.constraints import FixAtoms
from ase.io import read
from jobflow import run_locally
from pymatgen.io.ase import AseAtomsAdaptor

from cudiss.workflows.calculators import CalculatorSpec
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
