"""Bad input to ``cudiss hpc init|check``, ``submit``, ``status``: one line, nothing written.

Each case runs the real ``cudiss`` entry point in this process and asserts
exit code 2, one ``error: ...`` line naming the problem, no traceback, and no
file written, changed or removed under ``tmp_path`` -- which holds the projects
folder, so a name such as ``../evil`` that would escape it is caught too.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cudiss.workflows.hpc.project_files import load_project, write_project
from cudiss.workflows.hpc.projects import hpc_project, local_project
from tests.helpers.corpus import assert_api_refused, assert_refused


@pytest.fixture
def projects(tmp_path: Path) -> Path:
    """A projects folder holding one test project, ``try`` (shell worker)."""
    folder = tmp_path / "projects"
    write_project(local_project("try", tmp_path / "base", scheduler="shell"), folder)
    return folder


# (arguments after `cudiss hpc init`, fragment of the one-line message)
INIT_MISTAKES = [
    (["../evil", "--local"], "project name '../evil' is not allowed"),
    (["", "--local"], "project name is empty"),
    (["a b", "--local"], "project name 'a b' is not allowed"),
    (["sub/dir", "--work-dir", "/w"], "project name 'sub/dir' is not allowed"),
    (["bell\x07", "--local"], "project name 'bell\\x07' is not allowed"),
    ([".hidden", "--local"], "not starting with '.' or '-'"),
    (["cu100.yaml", "--local"], "without .yaml"),
    (["x", "--work-dir", "/w", "--walltime", "99:99:99"], "minutes must be below 60"),
    (["x", "--work-dir", "/w", "--walltime", "10:00:75"], "seconds must be below 60"),
    (["x", "--work-dir", "/w", "--walltime", "1-24:00"], "hours must be below 24"),
    (["x", "--work-dir", "/w", "--walltime", "4h"], "walltime '4h' is not one of MM, MM:SS"),
    (["x", "--work-dir", "/w", "--walltime", "00:00:00"], "walltime '00:00:00' is zero"),
    (["x", "--work-dir", "/w", "--walltime", "400-00"], "longer than 365 days"),
    (["x", "--local", "--walltime", "1:2:3:4"], "is not one of"),
    (["x", "--work-dir", "/w", "--mongo-port", "70000"], "--mongo-port 70000 is not a TCP port"),
    (["x", "--work-dir", "/w", "--mongo-port", "0"], "--mongo-port 0 is not a TCP port"),
    (["x", "--work-dir", "/w", "--mongo-host", "db.org:27017"], "give the port with --mongo-port"),
    (["x", "--work-dir", "/w", "--mongo-host", "mongodb://u:p@db/x"], "connection URI"),
    (["x", "--work-dir", "/w", "--mongo-host", "db host"], "not a host name"),
    (["x", "--work-dir", "/w", "--database", "a/b"], "--database 'a/b' contains '/'"),
    (["x", "--local", "--pre-run", "module load a\nrm -rf ~"], "newline or control character"),
    (["x", "--local", "--pre-run", "echo \r"], "newline or control character"),
    (["x", "--work-dir", "/w", "--pre-run", "echo Cu(100)"], "is not valid shell"),
    (["x", "--work-dir", "/w", "--pre-run", "source 'venv/bin/activate"], "not valid shell"),
    (["x", "--work-dir", "/w", "--pre-run", "module load \\"], "ends with a backslash"),
    (["x", "--work-dir", "/w", "--pre-run", "cat <<EOF"], "here-document"),
    (["x", "--work-dir", "/w", "--pre-run", "if true; then"], "is not valid shell"),
    (["x", "--work-dir", "/w", "--pre-run", " "], "--pre-run is empty"),
    (["x", "--work-dir", "/w", "--ntasks", "0"], "--ntasks must be at least 1, not 0"),
    (["x", "--work-dir", "/w", "--ntasks", "-4"], "--ntasks must be at least 1, not -4"),
    (["x", "--work-dir", "/w", "--nodes", "0"], "--nodes must be at least 1"),
    (["x", "--local", "--nodes", "-1"], "--nodes must be at least 1"),
    (["x", "--work-dir", "/w", "--nodes", "10000000"], "is it a typo"),
    (["x", "--work-dir", "/w", "--mem", "lots"], "memory 'lots' is not a whole number"),
    (["x", "--work-dir", "/w", "--mem", "4.5G"], "memory '4.5G' is not a whole number"),
    (["x", "--work-dir", "/w", "--mem", "0G"], "memory '0G' is zero"),
    (["x", "--work-dir", "/w", "--mem", "99999999T"], "more than 1 PB"),
    (["x", "--scheduler", "sge", "--work-dir", "/w"], "--scheduler must be slurm or pbs"),
    (["x", "--scheduler", "shell", "--work-dir", "/w"], "shell is for --local"),
    (["x", "--local", "--scheduler", "pbs"], "--local needs --scheduler slurm or shell"),
    (["x"], "--work-dir (absolute path on the cluster) is required"),
    (["x", "--work-dir", "scratch/me"], "--work-dir must be an absolute path"),
    (["x", "--work-dir", "/scratch/my runs"], "cannot use unquoted"),
    (["x", "--work-dir", "/scratch/$USER"], "expand variables"),
    (["x", "--work-dir", "/w", "--user", "me"], "--user is the SSH user of --host"),
    (["x", "--work-dir", "/w", "--host", "me@login.org"], "give the user with --user"),
    (["x", "--work-dir", "/w", "--host", "login.org:2222"], "SSH port in ~/.ssh/config"),
    (["x", "--work-dir", "/w", "--host", "login.org", "--user", "m e"], "not a valid user"),
    (["x", "--work-dir", "/w", "--partition", "std;rm"], "--partition 'std;rm'"),
    (["x", "--work-dir", "/w", "--account", "e 123"], "--account 'e 123'"),
    (["x", "--work-dir", "/w", "--mpi-launcher", "mpirun -n {nodes}"], "unknown placeholder"),
    (["x", "--work-dir", "/w", "--mpi-launcher", "mpirun '-n"], "--mpi-launcher"),
    (["x", "--work-dir", "/w", "--mpi-launcher", ""], "--mpi-launcher is empty"),
    (["x", "--local", "--mongo-host", "db.org"], "--mongo-host has no effect with --local"),
    (["x", "--local", "--work-dir", "/w"], "--work-dir has no effect with --local"),
    (["x", "--local", "--mem", "4G"], "--mem has no effect with --local"),
]


@pytest.mark.parametrize(("args", "message"), INIT_MISTAKES)
def test_hpc_init_mistake(tmp_path: Path, args: list[str], message: str) -> None:
    folder = tmp_path / "projects"
    assert_refused(["hpc", "init", *args, "--projects-dir", str(folder)], message, tmp_path)


def test_init_refuses_to_overwrite_without_force(projects: Path, tmp_path: Path) -> None:
    argv = ["hpc", "init", "try", "--local", "--projects-dir", str(projects)]
    assert_refused(argv, "exists; pass --force to replace it", tmp_path)


def test_init_refuses_a_name_another_file_defines(projects: Path, tmp_path: Path) -> None:
    # jobflow-remote would refuse to load any project of a folder with two of one name
    (projects / "try.yaml").rename(projects / "old-try.yaml")
    argv = ["hpc", "init", "try", "--local", "--projects-dir", str(projects)]
    assert_refused(argv, "old-try.yaml already defines project 'try'", tmp_path)


def test_init_refuses_a_projects_dir_that_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x")
    argv = ["hpc", "init", "p", "--local", "--projects-dir", str(tmp_path / "afile")]
    assert_refused(argv, "is a file, not a folder", tmp_path)
    argv[-1] = str(tmp_path / "afile" / "sub")
    assert_refused(argv, "is a file, not a folder", tmp_path)


def test_init_refuses_a_base_dir_that_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x")
    argv = ["hpc", "init", "p", "--local", "--base-dir", str(tmp_path / "afile")]
    assert_refused([*argv, "--projects-dir", str(tmp_path / "p")], "--base-dir", tmp_path)


# --- commands that use a project ---------------------------------------------------------


def test_unknown_project(projects: Path, tmp_path: Path) -> None:
    for argv in (["status"], ["hpc", "check"]):
        assert_refused(
            [*argv, "-p", "nope", "--projects-dir", str(projects)],
            "no project 'nope' in",
            tmp_path,
        )


def test_no_project_and_no_name(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    argv = ["status", "--projects-dir", str(tmp_path / "empty")]
    assert_refused(argv, "no project in", tmp_path)


def test_several_projects_and_no_name(projects: Path, tmp_path: Path) -> None:
    write_project(local_project("two", tmp_path / "b2", scheduler="shell"), projects)
    argv = ["status", "--projects-dir", str(projects)]
    assert_refused(argv, "2 projects in", tmp_path)


def test_missing_projects_folder(tmp_path: Path) -> None:
    argv = ["status", "-p", "x", "--projects-dir", str(tmp_path / "missing")]
    assert_refused(argv, "does not exist", tmp_path)
    assert not (tmp_path / "missing").exists()


def test_projects_folder_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x")
    argv = ["hpc", "check", "-p", "x", "--projects-dir", str(tmp_path / "afile")]
    assert_refused(argv, "is a file, not a folder", tmp_path)


def test_broken_project_file_is_named_with_its_reason(projects: Path, tmp_path: Path) -> None:
    (projects / "bad.yaml").write_text("name: bad\nworkers: [unclosed\n")
    argv = ["status", "-p", "bad", "--projects-dir", str(projects)]
    assert_refused(argv, "bad.yaml cannot be read", tmp_path)
    (projects / "bad.yaml").write_text("name: bad\nqueue:\n  store:\n    type: NoSuchStore\n")
    assert_refused(argv, "bad.yaml: invalid jobflow-remote project (queue.store)", tmp_path)


def test_broken_state_snapshot(projects: Path, tmp_path: Path) -> None:
    (tmp_path / "base" / "job_states.json").parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / "base" / "job_states.json").write_text('[{"name": 1}]')
    argv = ["status", "-p", "try", "--projects-dir", str(projects)]
    assert_refused(argv, "is not a job-state snapshot", tmp_path)


def test_check_with_unknown_worker_or_bad_time_limit(projects: Path, tmp_path: Path) -> None:
    base = ["hpc", "check", "-p", "try", "--projects-dir", str(projects)]
    assert_refused([*base, "--worker", "gpu"], "project 'try' has no worker 'gpu'", tmp_path)
    assert_refused([*base, "--max-seconds", "-1"], "positive number of seconds", tmp_path)
    assert_refused([*base, "--max-seconds", "nan"], "positive number of seconds", tmp_path)


@pytest.fixture
def campaign(tmp_path: Path) -> Path:
    path = tmp_path / "campaign.yaml"
    path.write_text("name: c\ncalculator: emt\n")
    return path


def test_submit_mistakes(projects: Path, tmp_path: Path, campaign: Path) -> None:
    where = ["--projects-dir", str(projects)]
    assert_refused(["submit", str(tmp_path / "nope.yaml"), *where], "not found", tmp_path)
    assert_refused(["submit", str(projects), *where], "is a folder", tmp_path)
    # a test project's queue lives in memory: only --in-process can run it
    assert_refused(["submit", str(campaign), "-p", "try", *where], "--in-process", tmp_path)
    assert_refused(
        ["submit", str(campaign), "-p", "try", "--max-seconds", "5", *where],
        "--max-seconds only applies with --in-process",
        tmp_path,
    )
    assert_refused(
        ["submit", str(campaign), "-p", "try", "--in-process", "-w", "gpu", *where],
        "has no worker 'gpu'",
        tmp_path,
    )
    assert_refused(
        ["submit", str(campaign), "-p", "try", "--in-process", "--max-seconds", "0", *where],
        "positive number of seconds",
        tmp_path,
    )


# --- the Python API refuses the same mistakes ----------------------------------------------


def test_api_refusals(tmp_path: Path) -> None:
    def slurm(**kwargs):
        return lambda: hpc_project(kwargs.pop("name", "p"), "slurm", work_dir="/w", **kwargs)

    assert_api_refused(slurm(name="../evil"), "project name '../evil'")
    assert_api_refused(slurm(walltime="99:99:99"), "minutes must be below 60")
    assert_api_refused(slurm(pre_run=["a\nb"]), "newline")
    assert_api_refused(slurm(memory="1.5G"), "memory '1.5G'")
    assert_api_refused(slurm(user="me"), "give the cluster's host")
    assert_api_refused(lambda: hpc_project("p", "slurm", work_dir="/a b"), "unquoted")
    assert_api_refused(lambda: local_project("", tmp_path), "project name is empty")
    assert_api_refused(lambda: local_project("p", tmp_path, scheduler="pbs"), "'slurm' or 'shell'")
    assert_api_refused(lambda: local_project("p", tmp_path, ntasks=0), "at least 1")
    assert_api_refused(
        lambda: write_project({"name": "../evil", "queue": {"store": {"type": "MemoryStore"}}}),
        "project name '../evil'",
    )
    assert_api_refused(lambda: load_project("x", tmp_path / "none"), "does not exist")
    assert not list(tmp_path.iterdir())
