"""A real campaign through jobflow-remote's Runner and the local SLURM, GPAW on 2 MPI ranks.

One Flow: an EMT campaign (Cu(100) adatom, bare and O-bound) whose O-bound
CI-NEB is given a GPAW calculator with an unknown functional, so that
configuration fails at the NEB -- inside the MPI worker -- and its result row
must say so; plus a tiny GPAW single point that must succeed on 2 ranks.
"""

from __future__ import annotations

import pickle
import re
import sys
from pathlib import Path

import pytest
from ase.build import fcc100
from jobflow import Flow
from pymatgen.io.ase import AseAtomsAdaptor

from cudiss.workflows.calculators import CalculatorSpec
from cudiss.workflows.campaign import campaign_flow, parse_campaign
from cudiss.workflows.hpc.project_files import write_project
from cudiss.workflows.hpc.projects import local_project
from cudiss.workflows.hpc.results import open_jobstore, removal_results
from cudiss.workflows.hpc.submit import run_flow_in_process
from cudiss.workflows.makers import CuNebMaker, CuStaticMaker
from tests.helpers.slurm import scontrol

pytestmark = pytest.mark.slurm

CAMPAIGN = {
    "name": "hpc-emt",
    "calculator": "emt",
    "facets": ["100"],
    "sites": ["adatom"],
    "adsorbates": [[], ["O"]],
    "slab": {"size": [2, 2], "layers": 3, "vacuum": 6.0, "fixed_layers": 1},
    "neb": {"n_images": 1, "fmax": 0.1},
    "dissolution": False,
}
TINY_GPAW = CalculatorSpec(
    code="gpaw", overrides={"mode": {"ecut": 200}, "kpts": {"size": [1, 1, 1]}}
)
# fails when GPAW initialises, on every rank of the MPI worker
BROKEN_GPAW = CalculatorSpec(code="gpaw", overrides={"xc": "NO-SUCH-XC"})


def _tiny_slab():
    return AseAtomsAdaptor().get_structure(fcc100("Cu", size=(1, 1, 2), vacuum=4.0))


def test_campaign_and_gpaw_job_run_as_slurm_jobs(local_slurm: Path, tmp_path: Path) -> None:
    folder = tmp_path / "projects"
    # 2 ranks per Job: GPAW steps go through `mpiexec -np 2 gpaw python`; the
    # venv's bin first on PATH so that the job finds this `gpaw`
    venv_bin = Path(sys.executable).parent
    project = local_project(
        "campaign", tmp_path / "base", ntasks=2, pre_run=[f"export PATH={venv_bin}:$PATH"]
    )
    write_project(project, folder)

    campaign = parse_campaign(CAMPAIGN)
    flow = campaign_flow(campaign)
    flow.update_maker_kwargs(
        {"calculator_spec": BROKEN_GPAW}, name_filter="+O: CI-NEB", class_filter=CuNebMaker
    )
    gpaw_job = CuStaticMaker(calculator_spec=TINY_GPAW).make(_tiny_slab())
    gpaw_job.name = "tiny GPAW single point"
    rows = run_flow_in_process(
        Flow([flow, gpaw_job]), "campaign", directory=folder, max_seconds=600
    )

    by_name = {r.name: r for r in rows}
    assert by_name["Cu(100) adatom +O: CI-NEB"].state == "FAILED"
    error = by_name["Cu(100) adatom +O: CI-NEB"].error
    assert "MpiTaskError" in error and "Unknown functional: NO-SUCH-XC" in error
    others = [r for r in rows if r.name != "Cu(100) adatom +O: CI-NEB"]
    assert all(r.state == "COMPLETED" for r in others), rows
    for row in rows:  # every Job went through sbatch and SLURM finished it
        assert row.process_id, row
        assert scontrol(row.process_id)["JobState"] in ("COMPLETED", "FAILED")

    # the results, read back with the store's loaders from the on-disk store
    results = {tuple(r.adsorbates): r for r in removal_results("campaign", folder)}
    assert set(results) == {(), ("O",)}
    bare, oxo = results[()], results[("O",)]
    assert bare.state in ("successful", "unconverged") and bare.error is None
    assert bare.calculator.code == "emt"
    assert 0.05 < bare.forward_barrier_eV < 2.0
    assert oxo.state == "failed" and "NEB" in oxo.error

    # the GPAW single point ran on 2 ranks and gave the serial energy
    store = open_jobstore("campaign", folder)
    doc = store.get_output(gpaw_job.uuid)  # the TaskDoc, as a dict
    (task_dir,) = Path(doc["dir_name"]).glob("mpi-relax-*")  # the MPI worker's files
    with (task_dir / "result.pkl").open("rb") as f:
        assert pickle.load(f)["ranks"] == 2
    log = (Path(doc["dir_name"]) / "gpaw.txt").read_text()
    assert re.search(r"^  domain: 2$", log, re.MULTILINE)  # GPAW split the cell over 2 ranks
    serial = TINY_GPAW.build(txt=None)
    atoms = AseAtomsAdaptor().get_atoms(_tiny_slab())
    atoms.calc = serial
    assert doc["output"]["energy"] == pytest.approx(atoms.get_potential_energy(), abs=1e-4)
