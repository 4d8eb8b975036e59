"""jobflow-remote's Runner drives real SLURM jobs on a local single-node cluster.

The session fixture starts the cluster with ``scripts/slurm-local.sh`` (which
installs SLURM with apt when missing: CI is root on a fresh machine) and stops
it at the end if it started it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from ase.build import add_adsorbate, fcc100
from ase.calculators.emt import EMT
from ase.constraints import FixAtoms
from ase.optimize import BFGS
from typer.testing import CliRunner

from cudiss.structures.errors import CudissInputError
from cudiss.workflows import cli_hpc
from cudiss.workflows.cli import app
from cudiss.workflows.hpc.project_files import write_project
from cudiss.workflows.hpc.projects import local_project
from cudiss.workflows.hpc.smoke import smoke_test_flow
from cudiss.workflows.hpc.status import job_states
from cudiss.workflows.hpc.submit import run_flow_in_process
from tests.helpers.slurm import scontrol

pytestmark = pytest.mark.slurm


# local_slurm: the session fixture in tests/conftest.py


@pytest.fixture
def project(tmp_path: Path, local_slurm: Path) -> tuple[str, Path]:
    """A local test project (SLURM worker, memory queue, MontyStore outputs)."""
    folder = tmp_path / "projects"
    write_project(local_project("slurmtest", tmp_path / "base"), folder)
    return "slurmtest", folder


def _expected_energies() -> tuple[float, float]:
    # the same EMT numbers, computed here without any queue
    slab = fcc100("Cu", size=(2, 2, 3), vacuum=6.0)
    slab.calc = EMT()
    e_slab = slab.get_potential_energy()
    ad = fcc100("Cu", size=(2, 2, 3), vacuum=6.0)
    add_adsorbate(ad, "Cu", 1.8, "hollow")
    ad.set_constraint(FixAtoms(indices=list(range(len(ad) - 1))))
    ad.calc = EMT()
    BFGS(ad, logfile=None).run(fmax=0.05, steps=100)
    return e_slab, ad.get_potential_energy()


def test_flow_runs_as_slurm_jobs_and_outputs_persist(project: tuple[str, Path]) -> None:
    name, folder = project
    flow = smoke_test_flow()
    rows = run_flow_in_process(flow, name, directory=folder, max_seconds=180)

    assert [r.name for r in rows] == [
        "smoke_slab_energy",
        "smoke_adatom_energy",
        "smoke_adatom_binding",
    ]
    assert all(r.state == "COMPLETED" for r in rows), rows
    job_ids = [r.process_id for r in rows]
    assert all(job_ids) and len(set(job_ids)) == 3
    for job_id in job_ids:
        info = scontrol(job_id)  # SLURM itself knows the job, and it finished well
        assert info["JobState"] == "COMPLETED"
        assert info["ExitCode"] == "0:0"

    # read the outputs from another process: the MontyStore is on disk
    reader = (
        "import json, sys\n"
        "from cudiss.workflows.hpc.results import open_jobstore\n"
        "store = open_jobstore(sys.argv[1], sys.argv[2])\n"
        "print(json.dumps({u: store.get_output(u) for u in sys.argv[3:]}))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", reader, name, str(folder), *[r.uuid for r in rows]],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    outputs = json.loads(proc.stdout.strip().splitlines()[-1])
    for row in rows:
        # each Job saw the SLURM job id the runner recorded for it
        assert outputs[row.uuid]["slurm_job_id"] == row.process_id
    e_slab, e_ad = _expected_energies()
    slab_out, ad_out, bind_out = (outputs[r.uuid] for r in rows)
    assert slab_out["energy"] == pytest.approx(e_slab, abs=1e-8)
    assert ad_out["energy"] == pytest.approx(e_ad, abs=1e-6)
    assert bind_out["delta_e"] == pytest.approx(e_ad - e_slab, abs=1e-6)


def test_failed_job_is_reported_with_its_error(project: tuple[str, Path]) -> None:
    name, folder = project
    rows = run_flow_in_process(smoke_test_flow(fail=True), name, directory=folder, max_seconds=180)
    by_name = {r.name: r for r in rows}
    assert by_name["smoke_fail"].state == "FAILED"
    assert "RuntimeError: deliberate failure" in by_name["smoke_fail"].error
    assert by_name["smoke_fail"].process_id  # it did reach SLURM
    # a child of the failed Job never runs
    assert by_name["smoke_adatom_binding"].state == "WAITING"
    assert by_name["smoke_slab_energy"].state == "COMPLETED"
    assert by_name["smoke_slab_energy"].error is None

    # later, from the snapshot: what `cudiss status` shows
    assert job_states(name, folder) == rows
    result = CliRunner().invoke(
        app, ["status", "--project", name, "--projects-dir", str(folder)], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines() if "smoke_fail" in x)
    assert "FAILED" in line and "RuntimeError: deliberate failure" in line


def test_cli_submit_in_process(
    project: tuple[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name, folder = project
    campaign = tmp_path / "campaign.yaml"
    campaign.write_text("name: smoke\n")
    seen: list[Path] = []

    def fake_campaign_to_flow(path: Path):  # the campaign layer is tested elsewhere
        seen.append(path)
        return smoke_test_flow()

    monkeypatch.setattr(cli_hpc, "campaign_to_flow", fake_campaign_to_flow)
    args = ["submit", str(campaign), "-p", name, "--projects-dir", str(folder), "--in-process"]
    result = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert seen == [campaign]
    assert result.output.count("COMPLETED") == 3

    # without --in-process a memory-queue project cannot take the Flow
    result = CliRunner().invoke(app, args[:-1])
    assert isinstance(result.exception, CudissInputError)
    assert "--in-process" in str(result.exception)
