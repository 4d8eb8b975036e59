"""Progress where people look: one line per finished step off a terminal, k of N and time left
in the live status line, and Ctrl-C ending in one line that says what was kept."""

from __future__ import annotations

import io
import logging
import math
import re

import pytest
from jobflow import Flow, JobStore, job, run_locally
from maggma.stores import MemoryStore
from rich.console import Console

from cudiss.workflows import neb_maker, progress
from cudiss.workflows.failures import StepFailure, failures_as_data, stored_failure
from cudiss.workflows.local import _watch_jobflow
from cudiss.workflows.progress import RunProgress, duration
from cudiss.workflows.store import open_results
from tests.helpers.corpus import run_cli

CAMPAIGN = """\
name: progress
calculator: emt
facets: ["100"]
sites: [adatom]
adsorbates: [[], [O]]
slab: {size: [2, 2], layers: 3, vacuum: 6.0, fixed_layers: 1}
neb: {n_images: 3, surrogate: none}
dissolution: false
"""

#: bulk Cu, then per configuration: endpoints, relax initial, carry it to the final
#: state (workflows/final_state.py), relax final, interpolate, CI-NEB, result
STEPS = 1 + 2 * 7

JOBS = [
    ("u0", "c: bulk Cu (emt)"),
    ("u1", "Cu(100) adatom bare: relax initial"),
    ("u2", "Cu(100) adatom +O: relax initial"),
    ("u3", "Cu(100) adatom bare: CI-NEB"),
    ("u4", "Cu(100) adatom +O: CI-NEB"),
]


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_run_progress_counts_steps_configurations_and_estimates_what_is_left():
    clock = Clock()
    run = RunProgress(JOBS, ["Cu(100) adatom bare", "Cu(100) adatom +O"], neb_images=3, clock=clock)
    assert run.left() is None and "estimating what is left" in run.status()
    run.started("u0", JOBS[0][1])
    clock.now = 2.0
    line = run.finished("u0", JOBS[0][1])
    assert line.startswith("[1/5] shared by all configurations: bulk Cu (emt) done in 2.0 s")
    run.started("u1", JOBS[1][1])
    clock.now = 6.0
    line = run.finished("u1", JOBS[1][1])
    assert "configuration 1 of 2, Cu(100) adatom bare: relax initial done in 4.0 s" in line
    # left: a relaxation as long as the timed one (4 s); two CI-NEBs, not timed yet,
    # of 6 weights each (2 per image) at the 3 s per weight measured (6 s for bulk + relax)
    assert run.left() == pytest.approx(4.0 + 2 * 6 * 3.0)
    assert "about 40 s left" in line
    run.started("u2", JOBS[2][1])
    clock.now = 7.0
    status = run.status("step 3  fmax 0.200 eV/Å")
    assert status.startswith("[3/5] configuration 2 of 2, Cu(100) adatom +O: relax initial")
    assert "step 3  fmax 0.200 eV/Å" in status and "elapsed 7.0 s, about 39 s left" in status
    clock.now = 10.0
    run.finished("u2", JOBS[2][1])
    for uuid, name in JOBS[3:]:
        run.started(uuid, name)
        clock.now += 30.0
        line = run.finished(uuid, name)
    assert line.endswith("configuration 2 finished (2 of 2)") and run.left() == 0.0
    assert run.configurations_done() == 2


def test_a_failed_step_says_so_and_a_step_it_stopped_says_why():
    clock = Clock()
    run = RunProgress(JOBS, ["Cu(100) adatom bare", "Cu(100) adatom +O"], clock=clock)
    failure = StepFailure("Cu(100) adatom bare: relax initial", "GPAWError: SCF did not converge")
    run.started("u1", JOBS[1][1])
    clock.now = 3.0
    line = run.finished("u1", JOBS[1][1], failure)
    assert "Cu(100) adatom bare: relax initial failed after 3.0 s: GPAWError: SCF" in line
    assert " done in " not in line
    run.started("u3", JOBS[3][1])
    line = run.finished("u3", JOBS[3][1], failure)
    assert "Cu(100) adatom bare: CI-NEB not run (Cu(100) adatom bare: relax initial failed)" in line


def test_vibrations_are_estimated_as_heavy_steps_not_bookkeeping():
    clock = Clock()
    jobs = [("r", "Cu(100) +H: relax hollow"), ("v", "Cu(100) +H: vibrations")]
    run = RunProgress(jobs, ["Cu(100) +H"], clock=clock)
    run.started("r", jobs[0][1])
    clock.now = 60.0
    run.finished("r", jobs[0][1])
    assert run.left() == pytest.approx(60.0)  # weighted as a relaxation until one is timed


def test_a_carried_final_relaxation_is_not_estimated_as_a_relaxation():
    clock = Clock()
    names = ["relax initial", "carry initial relaxation to final", "relax final"]
    jobs = [
        (f"{label}-{k}", f"{label}: {name}")
        for label in ("bare", "CO")
        for k, name in enumerate(names)
    ]
    run = RunProgress(jobs, ["bare", "CO"], clock=clock)
    run.started(*jobs[0])
    clock.now = 210.0  # the main job's relaxations take 3.4-3.9 min
    run.finished(*jobs[0])
    # 210 s per weight: each carry-over 0.02 of it (4.2 s), each carried final 0.1
    # (21 s; measured 21-29 s), CO's relax initial 210 s. Timed as relaxations the
    # two carried finals would have added 2 x 210 s.
    assert run.left() == pytest.approx(2 * 4.2 + 2 * 21.0 + 210.0)


def _second_neb_running() -> tuple[Clock, RunProgress]:
    """The bare NEB timed at 60 s, the +O NEB just started."""
    clock = Clock()
    run = RunProgress(JOBS[3:], ["Cu(100) adatom bare", "Cu(100) adatom +O"], clock=clock)
    run.started(*JOBS[3])
    clock.now = 60.0
    run.finished(*JOBS[3])
    run.started(*JOBS[4])
    return clock, run


def test_a_neb_harder_than_the_one_timed_is_estimated_from_its_force_trend():
    clock, run = _second_neb_running()
    # the +O band: fmax halves every 10 s; at 90 s it is 0.4 eV/Å, the target 0.05
    for number, t in enumerate(range(50, 100, 10)):
        clock.now = float(t)
        run.observe(number, 0.4 * 2 ** ((90 - t) / 10), 0.05)
    # by the bare NEB's 60 s it would be done (left 0); three halvings are 30 s
    assert run.left() == pytest.approx(30.0)
    clock.now = 95.0  # 5 s since the last step
    assert run.left() == pytest.approx(25.0)


def test_a_new_optimizer_stage_starts_the_trend_again():
    clock, run = _second_neb_running()
    # a first stage falling from 1 eV/Å, then step 0 again at 2 eV/Å: the next stage
    for number, t, fmax in [(0, 70, 1.0), (1, 80, 0.5), (2, 90, 0.25)]:
        clock.now = float(t)
        run.observe(number, fmax, 0.05)
    for number, t, fmax in [(0, 100, 2.0), (1, 110, 1.0), (2, 120, 0.5)]:
        clock.now = float(t)
        run.observe(number, fmax, 0.05)
    # only the second stage's trend: halving every 10 s from 0.5 to 0.05 eV/Å
    assert run.left() == pytest.approx(10.0 * math.log2(10.0))


def test_no_trend_without_a_target_or_falling_forces():
    assert progress.trend_left([(0.0, 1.0), (10.0, 0.5), (20.0, 0.25)], None) is None
    assert progress.trend_left([(0.0, 1.0), (10.0, 0.5)], 0.05) is None
    assert progress.trend_left([(0.0, 1.0), (10.0, 1.0), (20.0, 1.1)], 0.05) is None
    # below the target already: nothing left
    assert progress.trend_left([(0.0, 0.2), (10.0, 0.1), (20.0, 0.04)], 0.05) == 0.0


@pytest.mark.filterwarnings("ignore:Some jobs are not connected")
def test_stored_failure_finds_a_failed_jobs_output_in_the_store(tmp_path):
    @job
    @failures_as_data
    def breaks(x: int) -> int:
        raise ValueError(f"bad {x}")

    @job
    @failures_as_data
    def works(x: int) -> int:
        return x + 1

    first, second = breaks(1), works(2)
    first.name, second.name = "c: breaks", "c: works"
    store = JobStore(MemoryStore())
    run_locally(Flow([first, second]), store=store, root_dir=tmp_path, log=False)
    assert stored_failure(store, first.uuid) == StepFailure("c: breaks", "ValueError: bad 1")
    assert stored_failure(store, second.uuid) is None


def test_the_watcher_reports_a_stored_failure():
    console = Console(file=io.StringIO(), force_terminal=False)
    run = RunProgress(JOBS, ["Cu(100) adatom bare", "Cu(100) adatom +O"])
    failure = StepFailure("Cu(100) adatom bare: relax initial", "RuntimeError: boom")
    with _watch_jobflow(console, True, run, {"u1": failure}.get) as watcher:
        watcher.emit(_record("Starting job - Cu(100) adatom bare: relax initial (u1)"))
        watcher.emit(_record("Finished job - Cu(100) adatom bare: relax initial (u1, 1)"))
    assert "relax initial failed after" in console.file.getvalue()
    assert "RuntimeError: boom" in console.file.getvalue()


def test_durations_read_well():
    assert [duration(s) for s in (0.04, 9.4, 61, 3725)] == [
        "0.0 s",
        "9.4 s",
        "1 min 01 s",
        "1 h 02 min",
    ]


def _record(message: str) -> logging.LogRecord:
    return logging.LogRecord("jobflow.core.job", logging.INFO, "", 0, message, None, None)


def test_the_live_status_line_shows_k_of_n_and_the_time_left():
    console = Console(file=io.StringIO(), force_terminal=True)
    run = RunProgress(JOBS, ["Cu(100) adatom bare", "Cu(100) adatom +O"])
    with _watch_jobflow(console, True, run) as watcher:
        watcher.emit(_record("Starting job - Cu(100) adatom bare: relax initial (u1)"))
        progress.step(4, 0.123)
        text = str(watcher.status.status)
        watcher.emit(_record("Finished job - Cu(100) adatom bare: relax initial (u1, 2)"))
    assert "[1/5] configuration 1 of 2, Cu(100) adatom bare: relax initial" in text
    assert "step 4  fmax 0.123 eV/Å" in text and "estimating what is left" in text
    assert run.done == 1


def _step_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if re.match(r"\[\d+/\d+\] ", line)]


def test_off_a_terminal_every_finished_step_is_one_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "c.yaml").write_text(CAMPAIGN)
    code, _, err = run_cli("run", "c.yaml", "--store", "store")
    assert code == 0, err
    lines = _step_lines(err)
    assert [line.split("]")[0] for line in lines] == [f"[{k}/{STEPS}" for k in range(1, STEPS + 1)]
    assert all(" done in " in line and " left)" in line for line in lines)
    assert sum("configuration 1 of 2, Cu(100) adatom bare:" in line for line in lines) == 7
    assert sum("configuration 2 of 2, Cu(100) adatom +O:" in line for line in lines) == 7
    assert lines[-1].endswith("finished (2 of 2)")
    # nothing left to do: no step lines, the header says why
    code, _, err = run_cli("run", "c.yaml", "--store", "store")
    assert code == 0 and not _step_lines(err) and "2 already in the store" in err
    # --quiet: no progress at all
    code, _, err = run_cli("run", "c.yaml", "--store", "store2", "--quiet")
    assert code == 0 and not _step_lines(err)


def _interrupted(err: str) -> str:
    assert "Traceback" not in err, err
    last = err.strip().splitlines()[-1]
    assert last.startswith("interrupted: ") and "\n" not in last
    assert last.endswith("run the same command again to continue: cudiss run c.yaml --store store")
    return last


def test_ctrl_c_keeps_finished_configurations_and_the_same_command_resumes(tmp_path, monkeypatch):
    """Interrupted as the second result is about to be stored: the first is kept."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "c.yaml").write_text(CAMPAIGN)
    started = RunProgress.started

    def ctrl_c_before_the_last_result(self, uuid, name):
        if name.endswith("+O: result"):
            raise KeyboardInterrupt
        started(self, uuid, name)

    monkeypatch.setattr(RunProgress, "started", ctrl_c_before_the_last_result)
    code, _, err = run_cli("run", "c.yaml", "--store", "store")
    assert code == 130
    last = _interrupted(err)
    assert "1 configuration finished in this run (1 of 2 are in the store store)" in last
    assert "resumes from its last step (checkpoint)" in last
    assert [r.adsorbates for r in open_results("store")] == [[]]
    assert not list((tmp_path / "store" / "runs" / ".claims").iterdir())

    monkeypatch.setattr(RunProgress, "started", started)
    code, _, err = run_cli("run", "c.yaml", "--store", "store")
    assert code == 0, err
    assert "1 already in the store, 1 to run" in err
    results = {tuple(r.adsorbates): r for r in open_results("store")}
    assert {r.state for r in results.values()} == {"successful"}
    # the +O configuration's relaxations and NEB had finished: taken from their checkpoints
    assert len(results[("O",)].resumed) == 3


def test_ctrl_c_inside_a_neb_resumes_it_mid_band(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "c.yaml").write_text(CAMPAIGN.replace("[[], [O]]", "[[]]"))
    run_neb = neb_maker.run_neb

    def ctrl_c_at_band_step_3(*args, progress=None, **kwargs):
        def step(number, fmax):
            if number == 3:
                raise KeyboardInterrupt
            if progress is not None:
                progress(number, fmax)

        return run_neb(*args, progress=step, **kwargs)

    monkeypatch.setattr(neb_maker, "run_neb", ctrl_c_at_band_step_3)
    code, _, err = run_cli("run", "c.yaml", "--store", "store")
    assert code == 130
    assert "0 configurations finished in this run (0 of 1 are in the store" in _interrupted(err)

    monkeypatch.setattr(neb_maker, "run_neb", run_neb)
    code, _, err = run_cli("run", "c.yaml", "--store", "store")
    assert code == 0, err
    (result,) = open_results("store")
    assert result.state == "successful"
    assert any(
        line.startswith("NEB: resumed from checkpoint at band step 2") for line in result.resumed
    )


class _ClosedPipe(io.StringIO):
    def write(self, text):
        raise BrokenPipeError(32, "Broken pipe")


def test_a_reader_that_went_away_does_not_stop_the_run():
    """``cudiss run ... 2>&1 | head``: the progress lines stop, the computation does not."""
    run = RunProgress(JOBS, ["Cu(100) adatom bare", "Cu(100) adatom +O"])
    with _watch_jobflow(Console(file=_ClosedPipe()), True, run) as watcher:
        assert watcher.lines
        watcher.emit(_record("Starting job - c: bulk Cu (emt) (u0)"))
        watcher.emit(_record("Finished job - c: bulk Cu (emt) (u0)"))
    assert not watcher.lines and run.done == 1
