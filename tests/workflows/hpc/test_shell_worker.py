"""The ``--local --scheduler shell`` route: Jobs run as background shell scripts, no SLURM.

jobflow-remote writes each Job's name into its script (``echo NAME`` in
qtoolkit's shell template); cudiss's names carry parentheses and colons
(``Cu(100) adatom bare: relax initial``), which broke every Job of the route
before ``jf execution run`` started. cudiss's shell worker quotes them
(:class:`cudiss.workflows.hpc.schedulers.QuotedShellIO`), and when a Job's
script does fail, ``cudiss status`` names the cause from its stderr.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from cudiss.workflows.hpc.project_files import write_project
from cudiss.workflows.hpc.projects import local_project
from cudiss.workflows.hpc.results import removal_results
from cudiss.workflows.hpc.smoke import smoke_test_flow
from cudiss.workflows.hpc.status import job_states
from cudiss.workflows.hpc.submit import run_flow_in_process
from tests.helpers.corpus import run_cli

NAME = "Cu(100) adatom bare: relax initial"
CAMPAIGN = {
    "name": "shell-emt",
    "calculator": "emt",
    "facets": ["100"],
    "sites": ["adatom"],
    "adsorbates": [[]],
    "slab": {"size": [2, 2], "layers": 3, "vacuum": 6.0, "fixed_layers": 1},
    "neb": {"n_images": 1, "fmax": 0.1},
    "dissolution": False,
}


def _smoke_with_parentheses():
    flow = smoke_test_flow()
    flow.jobs[0].name = NAME
    return flow


def test_a_parenthesised_job_name_runs(tmp_path: Path) -> None:
    folder = tmp_path / "projects"
    write_project(local_project("sh", tmp_path / "base", scheduler="shell"), folder)
    rows = run_flow_in_process(_smoke_with_parentheses(), "sh", directory=folder, max_seconds=300)
    assert [r.state for r in rows] == ["COMPLETED"] * 3, rows
    assert rows[0].name == NAME
    (queue_out,) = (tmp_path / "base" / "runs").rglob(f"{rows[0].uuid}_*/queue.out")
    assert queue_out.read_text().splitlines()[0] == NAME.replace(" ", "_")


def test_status_names_the_error_of_a_failed_job_script(tmp_path: Path, monkeypatch) -> None:
    # a project as cudiss wrote it before: qtoolkit's own shell template, name unquoted
    folder = tmp_path / "projects"
    path = write_project(local_project("old", tmp_path / "base", scheduler="shell"), folder)
    data = yaml.safe_load(path.read_text())
    data["workers"]["local"]["scheduler_type"] = "shell"
    path.write_text(yaml.safe_dump(data))
    rows = run_flow_in_process(_smoke_with_parentheses(), "old", directory=folder, max_seconds=300)
    failed = rows[0]
    assert failed.state == "FAILED"
    assert "jfremote_out.json was not present" in failed.error
    last = failed.error.splitlines()[-1]
    assert last.startswith("the Job's script stopped before the Job ran: submit.sh: line ")
    assert "syntax error near unexpected token `('" in last
    # what `cudiss status` shows in its error column: that last line
    assert job_states("old", folder) == rows
    monkeypatch.setenv("COLUMNS", "400")  # one table row per Job
    code, out, err = run_cli("status", "-p", "old", "--projects-dir", str(folder))
    assert code == 0, err
    row = next(line for line in out.splitlines() if "Cu(100)" in line)
    assert "FAILED" in row and "syntax error near unexpected token" in row


def test_emt_campaign_through_the_cli(tmp_path: Path, monkeypatch) -> None:
    # the documented route, end to end: hpc init --local --scheduler shell, submit --in-process
    monkeypatch.setenv("COLUMNS", "250")
    folder = str(tmp_path / "projects")
    campaign = tmp_path / "campaign.yaml"
    campaign.write_text(yaml.safe_dump(CAMPAIGN))
    code, _, err = run_cli("hpc", "init", "sh", "--local", "--scheduler", "shell",
                           "--projects-dir", folder)  # fmt: skip
    assert code == 0, err
    code, out, err = run_cli("submit", str(campaign), "-p", "sh", "--in-process",
                             "--projects-dir", folder)  # fmt: skip
    assert code == 0, out + err
    rows = job_states("sh", folder)
    assert {r.state for r in rows} == {"COMPLETED"}, rows
    assert any("(100)" in r.name and ":" in r.name for r in rows)
    (result,) = removal_results("sh", folder)
    assert result.state in ("successful", "unconverged") and result.error is None
    assert result.calculator.code == "emt"
    assert 0.05 < result.forward_barrier_eV < 2.0
