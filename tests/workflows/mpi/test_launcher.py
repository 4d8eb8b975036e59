"""When GPAW steps go through the MPI worker, and how `cudiss run --ranks` asks for it."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cudiss.workflows import (
    cli_run,  # noqa: F401  (registers `run`)
    mpi,
)
from cudiss.workflows.calculators import CalculatorSpec
from cudiss.workflows.cli import app
from cudiss.workflows.errors import SettingsError
from cudiss.workflows.failures import StepFailure
from cudiss.workflows.mpi import launcher

GPAW = CalculatorSpec(code="gpaw")
EMT = CalculatorSpec(code="emt")


@pytest.mark.parametrize(
    ("launcher", "expected"),
    [
        (None, None),
        ("", None),
        ("gpaw python", None),  # what 1-rank workers export: no MPI starter
        ("mpiexec -np 4 gpaw python", ["mpiexec", "-np", "4", "gpaw", "python"]),
        (
            "/opt/ompi/bin/mpirun -n 8 gpaw python",
            ["/opt/ompi/bin/mpirun", "-n", "8", "gpaw", "python"],
        ),
        ("srun gpaw python", ["srun", "gpaw", "python"]),
    ],
)
def test_launcher_command(monkeypatch, launcher, expected) -> None:
    if launcher is None:
        monkeypatch.delenv(mpi.MPI_LAUNCHER_ENV, raising=False)
    else:
        monkeypatch.setenv(mpi.MPI_LAUNCHER_ENV, launcher)
    assert mpi.launcher_command(GPAW) == expected


def test_emt_never_uses_mpi(monkeypatch) -> None:
    monkeypatch.setenv(mpi.MPI_LAUNCHER_ENV, "mpiexec -np 2 gpaw python")
    assert mpi.launcher_command(EMT) is None


def test_launcher_for_ranks_uses_this_venvs_gpaw(monkeypatch) -> None:
    monkeypatch.setattr(launcher, "usable_cores", lambda: 4)
    words = mpi.launcher_for_ranks(3).split()
    assert words[0] == "mpiexec" and words[words.index("-np") + 1] == "3"
    assert words[-2:] == [str(Path(sys.executable).with_name("gpaw")), "python"]
    assert ("--allow-run-as-root" in words) == (os.geteuid() == 0)


def test_worker_env_cannot_recurse(monkeypatch) -> None:
    monkeypatch.setenv(mpi.MPI_LAUNCHER_ENV, "mpiexec -np 2 gpaw python")
    env = mpi._env()
    assert mpi.MPI_LAUNCHER_ENV not in env
    assert env["OMP_NUM_THREADS"] == os.environ.get("OMP_NUM_THREADS", "1")


@pytest.mark.parametrize("ranks", [1, 2])
def test_cli_run_ranks_sets_the_launcher(monkeypatch, tmp_path, ranks) -> None:
    import cudiss.workflows.local as local
    from cudiss.workflows.local import RunSummary

    seen = {}

    def fake_run_campaign(campaign, store, **kwargs):  # the run itself is tested elsewhere
        seen["launcher"] = os.environ.get(mpi.MPI_LAUNCHER_ENV)
        return RunSummary(configurations=0, skipped=0, ran=0)

    monkeypatch.delenv(mpi.MPI_LAUNCHER_ENV, raising=False)
    monkeypatch.setattr(local, "run_campaign", fake_run_campaign)
    campaign = tmp_path / "c.yaml"
    campaign.write_text("name: c\ncalculator: gpaw\nfacets: ['100']\nsites: [adatom]\n")
    result = CliRunner().invoke(app, ["run", str(campaign), "--ranks", str(ranks), "--quiet"])
    assert result.exit_code == 0, result.output
    if ranks == 1:
        assert seen["launcher"] is None
    else:
        assert seen["launcher"] == mpi.launcher_for_ranks(2)
    os.environ.pop(mpi.MPI_LAUNCHER_ENV, None)  # the CLI set it in this process


def test_more_ranks_than_cores_are_refused_before_mpiexec_would(monkeypatch) -> None:
    # mpiexec would refuse them at the first GPAW step, in a page of text
    monkeypatch.setattr(launcher, "usable_cores", lambda: 2)
    assert "-np 2 " in mpi.launcher_for_ranks(2)
    with pytest.raises(SettingsError) as refused:
        mpi.launcher_for_ranks(3)
    assert str(refused.value) == (
        "--ranks 3: this machine gives cudiss 2 core(s); use --ranks 2 or fewer "
        "(mpiexec starts one rank per core)"
    )


def test_usable_cores_are_this_process_affinity() -> None:
    assert launcher.usable_cores() == len(os.sched_getaffinity(0))


def test_a_launcher_that_fails_before_the_worker_ends_in_a_line_saying_where_its_output_is(
    monkeypatch, tmp_path
) -> None:
    monkeypatch.chdir(tmp_path)  # task folders go to the working directory
    refuses = [sys.executable, "-c", "import sys; sys.exit('not enough slots\\n' + '-' * 10)"]
    with pytest.raises(mpi.MpiTaskError) as caught:
        mpi.run_task("bulk", {}, refuses)
    (folder,) = tmp_path.glob("mpi-bulk-*")
    lines = str(caught.value).splitlines()
    assert lines[0].startswith("MPI bulk step failed (exit 1, ")
    assert lines[1:3] == ["not enough slots", "-" * 10]
    assert lines[-1] == (
        f"{Path(sys.executable).name} exited 1 and the worker left no result or error; "
        f"its output: {folder / 'stderr.txt'}"
    )
    assert StepFailure.from_exception("bulk Cu", caught.value).error == f"MpiTaskError: {lines[-1]}"
