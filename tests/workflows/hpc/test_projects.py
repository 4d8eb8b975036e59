"""``cudiss hpc init`` writes projects that jobflow-remote's own model accepts."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from jobflow_remote.config.base import LocalWorker, Project, RemoteWorker
from typer.testing import CliRunner

from cudiss.structures.errors import CudissInputError
from cudiss.workflows import cli_hpc  # noqa: F401  (registers the commands)
from cudiss.workflows.cli import app
from cudiss.workflows.hpc.project_files import load_project, write_project
from cudiss.workflows.hpc.projects import is_memory_queue


def _init(tmp_path: Path, *args: str):
    return CliRunner().invoke(app, ["hpc", "init", *args, "--projects-dir", str(tmp_path)])


def _load(path: Path) -> Project:
    return Project.model_validate(yaml.safe_load(path.read_text()))


def test_slurm_project(tmp_path: Path) -> None:
    result = _init(
        tmp_path,
        "cu-slurm",
        "--scheduler", "slurm",
        "--work-dir", "/scratch/me/cudiss",
        "--partition", "standard",
        "--nodes", "2",
        "--ntasks", "64",
        "--walltime", "1-04:00:00",
        "--account", "e123",
        "--pre-run", "module load openmpi/4.1",
        "--pre-run", "source /home/me/cudiss/.venv/bin/activate",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    project = _load(tmp_path / "cu-slurm.yaml")
    worker = project.workers["slurm"]
    assert isinstance(worker, LocalWorker)
    assert worker.scheduler_type == "slurm"
    assert worker.resources == {
        "nodes": 2,
        "ntasks_per_node": 64,
        "cpus_per_task": 1,
        "time": "1-04:00:00",
        "partition": "standard",
        "account": "e123",
    }
    lines = worker.pre_run.splitlines()
    assert "export OMP_NUM_THREADS=1" in lines
    # 2 nodes x 64 ranks, gpaw python (plain python under mpiexec raises for GPAW)
    assert "export CUDISS_MPI_LAUNCHER='mpiexec -np 128 gpaw python'" in lines
    # a Job rerun after a walltime kill resumes from checkpoints on the cluster's scratch
    assert any(
        line.startswith("export CUDISS_CHECKPOINT_DIR=${CUDISS_CHECKPOINT_DIR:-")
        and line.endswith("/checkpoints}")
        for line in lines
    )
    assert lines[-2:] == ["module load openmpi/4.1", "source /home/me/cudiss/.venv/bin/activate"]
    assert project.queue.store["type"] == "MongoStore"
    assert project.jobstore["docs_store"]["type"] == "MongoStore"
    assert project.workers["local"].scheduler_type == "shell"
    assert project.base_dir == str(tmp_path / "cu-slurm")
    # the qtoolkit template really renders these resources into #SBATCH lines
    script = worker.get_scheduler_io().get_submission_script(["echo hi"], worker.resources)
    assert "#SBATCH --ntasks-per-node=64" in script
    assert "#SBATCH --time=1-04:00:00" in script
    assert "#SBATCH --account=e123" in script


def test_pbs_project_over_ssh(tmp_path: Path) -> None:
    result = _init(
        tmp_path,
        "cu-pbs",
        "--scheduler", "pbs",
        "--work-dir", "/lustre/me/runs",
        "--queue", "workq",
        "--nodes", "1",
        "--ntasks", "32",
        "--walltime", "12:00:00",
        "--mpi-launcher", "mpirun -n {ntasks} gpaw python",
        "--host", "login.cluster.org",
        "--user", "me",
        "--mongo-host", "db.example.org",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    project = load_project("cu-pbs", tmp_path)  # through jobflow-remote's ConfigManager
    worker = project.workers["pbs"]
    assert isinstance(worker, RemoteWorker)
    assert (worker.host, worker.user) == ("login.cluster.org", "me")
    assert worker.resources["select"] == "select=1:ncpus=32:mpiprocs=32"
    assert worker.resources["queue"] == "workq"
    assert "export CUDISS_MPI_LAUNCHER='mpirun -n 32 gpaw python'" in worker.pre_run
    assert project.queue.store["host"] == "db.example.org"
    script = worker.get_scheduler_io().get_submission_script(["echo hi"], worker.resources)
    assert "#PBS -l select=1:ncpus=32:mpiprocs=32" in script
    assert "#PBS -l walltime=12:00:00" in script
    assert "#PBS -q workq" in script


def test_local_project(tmp_path: Path) -> None:
    result = _init(tmp_path, "try", "--local", "--base-dir", str(tmp_path / "b"))
    assert result.exit_code == 0, result.output
    project = _load(tmp_path / "try.yaml")
    assert is_memory_queue(project)
    assert project.jobstore["docs_store"]["type"] == "MontyStore"
    assert project.jobstore["docs_store"]["database_path"] == str(tmp_path / "b" / "outputs")
    assert project.runner.delay_checkout == 1.0
    worker = project.workers["local"]
    assert worker.scheduler_type == "slurm"
    assert worker.execution_cmd.endswith("jf -fe execution run {}")
    assert Path(worker.execution_cmd.split()[0]).is_file()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["x", "--scheduler", "sge", "--work-dir", "/w"], "scheduler must be"),
        (["x", "--walltime", "4h", "--work-dir", "/w"], "walltime '4h'"),
        (["x", "--work-dir", "relative/dir"], "absolute path"),
        (["x"], "--work-dir"),
        (["x", "--nodes", "0", "--work-dir", "/w"], "at least 1"),
        (["x", "--local", "--scheduler", "pbs"], "--local needs"),
    ],
)
def test_bad_input_is_one_line_error(tmp_path: Path, args: list[str], message: str) -> None:
    result = _init(tmp_path, *args)
    assert isinstance(result.exception, CudissInputError)
    assert message in str(result.exception)
    assert "\n" not in str(result.exception)
    assert not (tmp_path / "x.yaml").exists()


def test_existing_project_needs_force(tmp_path: Path) -> None:
    args = ("p", "--work-dir", "/w")
    assert _init(tmp_path, *args).exit_code == 0
    again = _init(tmp_path, *args)
    assert isinstance(again.exception, CudissInputError)
    assert "--force" in str(again.exception)
    assert _init(tmp_path, *args, "--force").exit_code == 0


def test_jobflow_remote_rejects_invalid_store(tmp_path: Path) -> None:
    # a queue store maggma cannot build is caught by jobflow-remote's model, as one line
    with pytest.raises(CudissInputError, match=r"project \(queue\.store\)") as info:
        write_project({"name": "x", "queue": {"store": {"type": "NoSuchStore"}}}, tmp_path)
    assert "\n" not in str(info.value)


def test_unknown_project_and_missing_campaign(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["status", "-p", "nope", "--projects-dir", str(tmp_path)])
    assert isinstance(result.exception, CudissInputError)
    result = CliRunner().invoke(app, ["submit", str(tmp_path / "missing.yaml")])
    assert isinstance(result.exception, CudissInputError)
    assert "campaign file not found" in str(result.exception)


def test_jobs_queued_before_the_split_still_load() -> None:
    # jobflow-remote stores a Job's function by import path; Flows queued when
    # the smoke Jobs lived in cudiss.workflows.hpc must still find them there
    from jobflow import Job

    from cudiss.workflows import hpc, hpc_smoke

    assert set(hpc.__all__) <= set(dir(hpc))
    now = hpc_smoke.smoke_slab_energy().as_dict()
    queued = {**now, "function": {**now["function"], "@module": "cudiss.workflows.hpc"}}
    assert Job.from_dict(queued).function is Job.from_dict(now).function
