"""Issue #17, done when: one EMT campaign gives the same table run here, through a plain worker
and through a batch worker of the local SLURM; the batch run needs far fewer SLURM jobs.

(a) ``cudiss run c.yaml --store S`` then ``cudiss table --store S``; (b) ``cudiss hpc init
plain --local`` + ``cudiss submit --in-process`` (one SLURM job per Job); (c) ``cudiss hpc
init batch --local --batch`` + the same submit (short Jobs -- all of them with EMT -- share
batch allocations). (b) and (c) end in ``cudiss table --project NAME``, whose rows must equal
(a)'s (barriers to 1e-6 eV), and (c) may use at most a quarter as many SLURM jobs as Jobs.
SLURM jobs are counted from slurmctld's own job ids (tests/helpers/hpc_trial.py). Run with
``-s`` to see the counts and wall times.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from cudiss.analysis.tables import read_table
from cudiss.workflows.hpc.status import job_states
from tests.helpers.corpus import run_cli
from tests.helpers.hpc_trial import TRIAL_CAMPAIGN, TRIAL_JOBS, SlurmJobCount

pytestmark = pytest.mark.slurm

#: Columns that must agree to 1e-6 (eV, V); every other column must be equal.
_NUMBERS = (
    "dE_forward_eV",
    "dE_reverse_eV",
    "dE_reaction_eV",
    "dG_forward_eV(U)",
    "dG_reverse_eV(U)",
    "dG_reaction_eV(U)",
)


@dataclass
class RunRecord:
    """What one run of the campaign through a project cost."""

    worker: str
    jobs: int
    slurm_jobs: int
    wall_s: float

    def line(self) -> str:
        return (
            f"{self.worker}: {self.jobs} Jobs in {self.slurm_jobs} SLURM jobs, "
            f"{self.wall_s:.0f} s wall (cudiss submit --in-process)"
        )


@pytest.fixture(scope="module")
def trial(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding the campaign file ``c.yaml``."""
    folder = tmp_path_factory.mktemp("trial")
    (folder / "c.yaml").write_text(TRIAL_CAMPAIGN)
    return folder


@pytest.fixture(scope="module")
def store_table(trial: Path) -> pd.DataFrame:
    """(a): the campaign run here into a store, and its table."""
    code, _, err = run_cli("run", str(trial / "c.yaml"), "--store", str(trial / "store"))
    assert code == 0, err
    code, _, err = run_cli("table", "--store", str(trial / "store"), "-o", str(trial / "a.csv"))
    assert code == 0, err
    table = read_table(trial / "a.csv")
    assert len(table) == 4 and set(table["state"]) == {"successful"}, table
    return table


def _through_project(trial: Path, name: str, *init: str) -> tuple[pd.DataFrame, RunRecord]:
    """Init a --local project, submit the campaign in process, and read its table."""
    projects = str(trial / "projects")
    code, _, err = run_cli("hpc", "init", name, "--local", *init, "--projects-dir", projects)
    assert code == 0, err
    with SlurmJobCount(trial / "projects" / name) as count:
        code, out, err = run_cli(
            "submit", str(trial / "c.yaml"), "-p", name, "--projects-dir", projects, "--in-process"
        )
    assert code == 0, out + err
    rows = job_states(name, projects)
    assert len(rows) == TRIAL_JOBS and {r.state for r in rows} == {"COMPLETED"}, rows
    slurm_jobs = count.check_against({r.process_id for r in rows if r.process_id})
    csv = trial / f"{name}.csv"
    code, _, err = run_cli("table", "--project", name, "--projects-dir", projects, "-o", str(csv))
    assert code == 0, err
    record = RunRecord(name, len(rows), slurm_jobs, count.wall_s)
    print(f"\n{record.line()}")
    return read_table(csv), record


def _assert_same_table(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    assert list(got.columns) == list(expected.columns)
    got = got.set_index("config_id").sort_index()
    expected = expected.set_index("config_id").sort_index()
    assert list(got.index) == list(expected.index)
    for column in expected.columns:
        if column in _NUMBERS:
            diff = (got[column] - expected[column]).abs().max()
            assert diff <= 1e-6, f"{column} differs by {diff} eV"
        else:
            pd.testing.assert_series_equal(got[column], expected[column], check_dtype=False)


def test_plain_worker_gives_the_store_table(
    local_slurm: Path, trial: Path, store_table: pd.DataFrame
) -> None:
    table, record = _through_project(trial, "plain")
    _assert_same_table(table, store_table)
    assert record.slurm_jobs == record.jobs  # one sbatch per Job


def test_batch_worker_gives_the_store_table_in_few_slurm_jobs(
    local_slurm: Path, trial: Path, store_table: pd.DataFrame
) -> None:
    # two Jobs at a time, as the plain worker runs two SLURM jobs at once on 2 cores
    parallel = str(min(2, os.cpu_count() or 1))
    table, record = _through_project(trial, "batch", "--batch", "--batch-parallel", parallel)
    _assert_same_table(table, store_table)
    assert 4 * record.slurm_jobs <= record.jobs, record
