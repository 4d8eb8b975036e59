"""Batch workers: `cudiss hpc init --batch` writes them checked; `cudiss hpc check` runs them.

A batch worker (jobflow-remote ``BatchConfig``) runs many Jobs in one queue
allocation. ``hpc init NAME --batch`` writes it next to the plain worker, for
``--local`` projects (the local SLURM) and production ones, with the defaults
of :mod:`cudiss.workflows.hpc.batch`, and the routing short Jobs -> batch, GPAW
Jobs -> the plain worker. Mistakes are one line, exit code 2, nothing written.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from jobflow_remote.config.base import Project
from jobflow_remote.remote.host.local import LocalHost
from jobflow_remote.remote.queue import QueueManager
from qtoolkit.io.slurm import SlurmIO

from cudiss.structures.errors import CudissInputError
from cudiss.workflows.hpc.batch import LOCAL_BATCH, PRODUCTION_BATCH, check_batch_workers
from cudiss.workflows.hpc.project_files import load_project
from cudiss.workflows.hpc.schedulers import BatchSlurmIO, QuotedShellIO
from tests.helpers.corpus import assert_refused, run_cli


def _init(folder: Path, *args: str) -> Project:
    code, out, err = run_cli("hpc", "init", *args, "--projects-dir", str(folder))
    assert code == 0, out + err
    return Project.model_validate(yaml.safe_load((folder / f"{args[0]}.yaml").read_text()))


def test_local_batch_project(tmp_path: Path) -> None:
    project = _init(tmp_path, "try", "--local", "--batch")
    assert list(project.workers) == ["local", "batch"]
    batch = project.workers["batch"]
    assert batch.is_batch and not project.workers["local"].is_batch
    assert isinstance(batch.get_scheduler_io(), BatchSlurmIO)
    assert batch.max_jobs == LOCAL_BATCH.queue_limit == 1
    base = tmp_path / "try"
    assert batch.batch.jobs_handle_dir == base / "batch" / "handle"
    assert batch.batch.work_dir == base / "batch" / "processes"
    assert batch.work_dir == project.workers["local"].work_dir  # the same Job folders
    assert (batch.batch.max_jobs_per_batch, batch.batch.max_wait) == (500, 15)
    assert (batch.batch.parallel_jobs, batch.batch.max_time) == (1, 1200)  # half of 30 min
    assert batch.resources == {"nodes": 1, "ntasks": 1, "time": "00:30:00"}
    # an allocation runs `jf -fe execution run-batch` by name: this venv's jf first
    assert any(line.startswith("export PATH=") for line in batch.pre_run.splitlines())
    assert project.metadata == {"cudiss": {"routing": {"short": "batch", "gpaw": "local"}}}
    assert project.runner.delay_update_batch == 1  # not jobflow-remote's 60 s
    assert check_batch_workers(load_project("try", tmp_path)) == ["batch"]


def test_production_batch_project(tmp_path: Path) -> None:
    project = _init(
        tmp_path, "cu", "--batch", "--work-dir", "/scratch/me/c", "--ntasks", "64",
        "--partition", "std", "--account", "e1", "--pre-run", "module load gpaw",
    )  # fmt: skip
    assert list(project.workers) == ["slurm", "local", "batch"]
    batch = project.workers["batch"]
    assert batch.resources == {
        "nodes": 1,
        "ntasks_per_node": PRODUCTION_BATCH.parallel,
        "cpus_per_task": 1,
        "time": "01:00:00",
        "partition": "std",
        "account": "e1",
    }
    assert str(batch.batch.jobs_handle_dir) == "/scratch/me/c/batch/cu/handle"
    assert str(batch.batch.work_dir) == "/scratch/me/c/batch/cu/processes"
    assert (batch.max_jobs, batch.batch.max_wait, batch.batch.max_time) == (2, 300, 3000)
    assert (batch.batch.parallel_jobs, batch.batch.sleep_time) == (4, 10)
    lines = batch.pre_run.splitlines()
    assert "export CUDISS_MPI_LAUNCHER='gpaw python'" in lines  # short Jobs: one rank
    assert lines[-1] == "module load gpaw"
    assert project.metadata["cudiss"]["routing"] == {"short": "batch", "gpaw": "slurm"}
    script = batch.get_scheduler_io().get_submission_script(["true"], batch.resources)
    assert "#SBATCH --ntasks-per-node=4" in script and "#SBATCH --time=01:00:00" in script


def test_batch_options(tmp_path: Path) -> None:
    project = _init(
        tmp_path, "pbs", "--batch", "--scheduler", "pbs", "--work-dir", "/w", "--queue", "q",
        "--batch-queue-limit", "3", "--batch-max-jobs", "50", "--batch-max-wait", "120",
        "--batch-max-time", "3600", "--batch-parallel", "8", "--batch-walltime", "2-00",
        "--batch-handle-dir", "/w/handles/pbs",
    )  # fmt: skip
    batch = project.workers["batch"]
    assert batch.max_jobs == 3
    assert batch.batch.max_jobs_per_batch == 50
    assert (batch.batch.max_wait, batch.batch.max_time, batch.batch.parallel_jobs) == (
        120,
        3600,
        8,
    )
    assert str(batch.batch.jobs_handle_dir) == "/w/handles/pbs"
    assert batch.resources["select"] == "select=1:ncpus=8:mpiprocs=8"
    assert batch.resources["walltime"] == "48:00:00"


BATCH_MISTAKES = [
    (["x", "--local", "--batch-max-wait", "60"], "--batch-max-wait needs --batch"),
    (["x", "--local", "--scheduler", "shell", "--batch"], "--batch needs --scheduler slurm"),
    (["x", "--local", "--batch", "--batch-parallel", "0"], "--batch-parallel must be at least 1"),
    (["x", "--local", "--batch", "--batch-queue-limit", "0"], "--batch-queue-limit must be at"),
    (["x", "--local", "--batch", "--batch-max-jobs", "-1"], "--batch-max-jobs must be at least"),
    (["x", "--local", "--batch", "--batch-max-wait", "0"], "--batch-max-wait must be a positive"),
    (["x", "--local", "--batch", "--batch-max-wait", "inf"], "--batch-max-wait must be a positive"),
    (["x", "--local", "--batch", "--batch-walltime", "4h"], "--batch-walltime: walltime '4h'"),
    (["x", "--local", "--batch", "--batch-max-time", "1800"], "is not below the batch walltime"),
    (["x", "--work-dir", "/w", "--batch", "--batch-handle-dir", "rel/h"], "must be an absolute"),
    (["x", "--work-dir", "/w", "--batch", "--batch-handle-dir", "/a b"], "cannot use unquoted"),
]


@pytest.mark.parametrize(("args", "expected"), BATCH_MISTAKES)
def test_batch_mistakes_are_one_line(tmp_path: Path, args: list[str], expected: str) -> None:
    folder = tmp_path / "projects"
    argv = ["hpc", "init", *args, "--projects-dir", str(folder)]
    assert_refused(argv, expected, tmp_path)


def test_a_jobs_handle_folder_is_never_shared(tmp_path: Path) -> None:
    folder = tmp_path / "projects"
    _init(folder, "a", "--work-dir", "/w", "--batch", "--batch-handle-dir", "/w/h")
    argv = ["hpc", "init", "b", "--work-dir", "/w", "--batch", "--batch-handle-dir", "/w/h",
            "--projects-dir", str(folder)]  # fmt: skip
    assert_refused(argv, "is the one of worker 'batch' in", tmp_path)


def test_hand_edited_batch_workers_are_checked(tmp_path: Path) -> None:
    path = tmp_path / "try.yaml"
    _init(tmp_path, "try", "--local", "--batch")
    data = yaml.safe_load(path.read_text())
    del data["workers"]["batch"]["max_jobs"]  # the Runner fails on a batch worker without it
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(CudissInputError, match="has no max_jobs"):
        check_batch_workers(load_project("try", tmp_path))
    code, _, err = run_cli("hpc", "check", "-p", "try", "--projects-dir", str(tmp_path))
    assert code == 2 and err.count("\n") == 1 and "has no max_jobs" in err


def test_batch_job_scripts_quote_cudiss_job_names(tmp_path: Path) -> None:
    # jobflow-remote writes each batched Job's script with this shell manager
    manager = QueueManager(scheduler_io=SlurmIO(), host=LocalHost()).get_shell_manager()
    assert isinstance(manager.scheduler_io, QuotedShellIO)
    script = manager.scheduler_io.get_submission_script(
        ["echo ran"], {"job_name": "Cu(100)_adatom_bare:_relax_initial"}
    )
    (tmp_path / "submit.sh").write_text(script)
    run = subprocess.run(["bash", "submit.sh"], cwd=tmp_path, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == ["Cu(100)_adatom_bare:_relax_initial", "ran"]


@pytest.mark.slurm
def test_hpc_check_runs_the_batch_worker(local_slurm: Path, tmp_path: Path) -> None:
    folder = str(tmp_path / "projects")
    code, _, err = run_cli("hpc", "init", "try", "--local", "--batch", "--projects-dir", folder)
    assert code == 0, err
    code, out, err = run_cli("hpc", "check", "-p", "try", "--projects-dir", folder)
    assert code == 0, out + err
    assert out.count("COMPLETED") == 6, out
    # three Jobs in one allocation on the batch worker, three SLURM jobs on the plain one
    assert "batch worker batch: 3 Jobs in 1 queue job(s)" in out, out
    assert "worker local: 3 Jobs in 3 queue job(s)" in out, out


def test_loading_a_batch_project_installs_the_quoting(tmp_path: Path) -> None:
    # what `jf runner start` does: load the project in a fresh interpreter (no cudiss import)
    _init(tmp_path, "try", "--local", "--batch")
    code = (
        "from jobflow_remote.config import ConfigManager\n"
        "from jobflow_remote.remote.queue import QueueManager\n"
        "ConfigManager().get_project('try')\n"
        "print(getattr(QueueManager.get_shell_manager, 'cudiss_quoted', False))\n"
    )
    env = {**os.environ, "JFREMOTE_PROJECTS_FOLDER": str(tmp_path)}
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip().splitlines()[-1] == "True"
