"""``cudiss hpc init`` writes projects that jobflow-remote's own model accepts."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from jobflow_remote.config.base import LocalWorker, Project, RemoteWorker
from typer.testing import CliRunner

from cudiss.structures.errors import CudissInputError
from cudiss.workflows import cli_hpc  # noqa: F401  (registers the commands)
from cudiss.workflows.cli import app
from cudiss.workflows.hpc.checks import pbs_walltime, walltime_seconds
from cudiss.workflows.hpc.project_files import load_project, write_project
from cudiss.workflows.hpc.projects import hpc_project, is_memory_queue, local_project
from cudiss.workflows.hpc.schedulers import QuotedShellIO
from cudiss.workflows.hpc.status import _error_text
from cudiss.workflows.hpc.stores import MONGO_TIMEOUT_MS


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
    # the shell worker quotes Job names such as "Cu(100) adatom bare: relax initial"
    assert isinstance(project.workers["local"].get_scheduler_io(), QuotedShellIO)
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


@pytest.mark.parametrize(
    ("walltime", "seconds", "pbs"),
    [
        ("90", 5400, "01:30:00"),  # MM: SLURM reads a bare number as minutes
        ("5:30", 330, "00:05:30"),  # MM:SS
        ("04:00:00", 14400, "04:00:00"),  # HH:MM:SS
        ("48:00:00", 172800, "48:00:00"),  # hours may pass 24 without a day count
        ("2-12", 216000, "60:00:00"),  # D-HH
        ("1-00:30", 88200, "24:30:00"),  # D-HH:MM
        ("1-04:00:00", 100800, "28:00:00"),  # D-HH:MM:SS
    ],
)
def test_walltime_forms(walltime: str, seconds: int, pbs: str) -> None:
    assert walltime_seconds(walltime) == seconds
    assert pbs_walltime(walltime) == pbs


def test_pbs_gets_hh_mm_ss_and_memory(tmp_path: Path) -> None:
    project = hpc_project("p", "pbs", work_dir="/w", walltime="1-12", memory="64G")
    worker = project.workers["pbs"]
    assert worker.resources["walltime"] == "36:00:00"
    assert worker.resources["select"] == "select=1:ncpus=1:mpiprocs=1:mem=64gb"
    slurm = hpc_project("s", "slurm", work_dir="/w", memory="500M").workers["slurm"]
    script = slurm.get_scheduler_io().get_submission_script(["true"], slurm.resources)
    assert "#SBATCH --mem=500M" in script


def test_mongo_stores_time_out_in_seconds(tmp_path: Path) -> None:
    result = _init(tmp_path, "db", "--work-dir", "/w", "--mongo-host", "db.example.org")
    assert result.exit_code == 0, result.output
    project = _load(tmp_path / "db.yaml")
    for store in (project.queue.store, project.jobstore["docs_store"]):
        kwargs = store["mongoclient_kwargs"]
        assert kwargs == {
            "serverSelectionTimeoutMS": MONGO_TIMEOUT_MS,
            "connectTimeoutMS": MONGO_TIMEOUT_MS,
        }
    # maggma builds the store with them
    assert project.get_queue_store().mongoclient_kwargs == kwargs


def test_shell_project_quotes_job_names(tmp_path: Path) -> None:
    project = local_project("sh", tmp_path, scheduler="shell")
    io = project.workers["local"].get_scheduler_io()
    assert isinstance(io, QuotedShellIO)
    options = {"job_name": "Cu(100)_adatom_bare:_relax_initial", "qout_path": "/r/queue.out"}
    script = io.get_submission_script(["true"], options)
    assert "echo 'Cu(100)_adatom_bare:_relax_initial'" in script
    assert "exec > /r/queue.out" in script


def test_the_only_project_is_the_default(tmp_path: Path) -> None:
    write_project(local_project("one", tmp_path / "b"), tmp_path / "p")
    assert load_project(None, tmp_path / "p").name == "one"


def _failed_info(error: str, queue_err: str | None) -> SimpleNamespace:
    remote = SimpleNamespace(error=None, queue_err=queue_err)
    return SimpleNamespace(error=error, remote=remote, run_dir="/runs/ab/cd")


def test_a_failed_job_script_is_reported_by_its_stderr() -> None:
    missing = "The output file jfremote_out.json was not present in the download folder /x"
    syntax = (
        "/runs/ab/cd/submit.sh: line 5: syntax error near unexpected token `('\n"
        "/runs/ab/cd/submit.sh: line 5: `echo Cu(100)_adatom'"
    )
    text = _error_text(_failed_info(missing, syntax))
    assert text.startswith(missing)
    assert "queue.err:" in text
    # the last line, which `cudiss status` shows, names the cause
    assert text.splitlines()[-1] == (
        "the Job's script stopped before the Job ran: submit.sh: line 5: syntax error near "
        "unexpected token `(' (see /runs/ab/cd/queue.err)"
    )
    assert "nothing on its stderr" in _error_text(_failed_info(missing, None)).splitlines()[-1]
    # a Job that raised keeps its traceback's last line
    raised = "Traceback ...\nRuntimeError: deliberate failure"
    assert _error_text(_failed_info(raised, "log")) == raised
