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


def test_launcher_for_ranks_uses_this_venvs_gpaw() -> None:
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
