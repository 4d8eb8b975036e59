"""Resume after SIGKILL: relaxations and NEBs continue from their last checkpointed step.

Each case runs in subprocesses (tests/helpers/resume_worker.py): once uninterrupted, then
once killed with SIGKILL at a random step (and a random moment within it), then
again with the killed run's checkpoint folder. The resumed result must match the
uninterrupted one within 1 meV, and the two runs together may redo at most one
step. The random step is printed (``-s``) and can be fixed with
``CUDISS_RESUME_SEED``.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cudiss.workflows.checkpoint import CHECKPOINT_ENV, Checkpoint, checkpoint_root
from tests.helpers.resume import RESUME_WORKER, saved_steps

WORKER = RESUME_WORKER

EMT_DELAY = 0.03  # seconds per EMT call, so a step lasts long enough to be hit


def _worker(code: str, kind: str, folder: Path, out: Path, **popen) -> subprocess.Popen:
    env = {**os.environ, CHECKPOINT_ENV: str(folder), "RESUME_SLOW": str(EMT_DELAY)}
    return subprocess.Popen(
        [sys.executable, str(WORKER), code, kind, str(out)],
        env=env,
        cwd=out.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        **popen,
    )


def _finish(proc: subprocess.Popen, out: Path) -> dict:
    output, _ = proc.communicate(timeout=1800)
    assert proc.returncode == 0, output[-3000:]
    return json.loads(out.read_text())


def _kill_at_random_step(code: str, kind: str, work: Path, reference: dict):
    """Start a run, SIGKILL it during a random step; return (checkpoint folder, step)."""
    seed = int(os.environ.get("CUDISS_RESUME_SEED", random.randrange(10**6)))
    rng = random.Random(seed)
    # Relaxations count completed steps, NEB bands also their starting band: a
    # band killed at state `steps` could finish its last (cheap, converging)
    # trial before the kill lands, so NEBs are killed at state <= steps - 1.
    target = rng.randint(1, reference["steps"] - 1)
    if code == "emt":
        # one force call per image and step (the slowed-down EMT dominates)
        per_step = EMT_DELAY * (1 if kind == "relax" else 3)
    else:
        per_step = reference["wall"] / (reference["steps"] + 1)
    delay = rng.uniform(0.0, 0.8 * per_step)
    print(f"{code} {kind}: seed {seed}, kill at step {target} + {delay:.2f} s")
    folder = work / "checkpoints-killed"
    proc = _worker(code, kind, folder, work / "killed.json")
    deadline = time.monotonic() + 20 * reference["wall"] + 60
    while saved_steps(folder) < target:
        assert proc.poll() is None, f"worker ended before step {target}: {proc.stdout.read()}"
        assert time.monotonic() < deadline, "worker never reached the step"
        time.sleep(0.01)
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, "the worker finished before it was killed"
    assert not (work / "killed.json").exists()
    return folder, saved_steps(folder)


def _reference(code: str, kind: str, work: Path) -> dict:
    out = work / "reference.json"
    return _finish(_worker(code, kind, work / "checkpoints-reference", out), out)


def check_relax_resume(code: str, work: Path, tolerance_eV: float = 1e-3) -> None:
    reference = _reference(code, "relax", work)
    assert reference["steps"] >= 5 and not reference["resume"]
    folder, saved = _kill_at_random_step(code, "relax", work, reference)
    out = work / "resumed.json"
    resumed = _finish(_worker(code, "relax", folder, out), out)
    assert resumed["energy"] == pytest.approx(reference["energy"], abs=tolerance_eV)
    (note,) = resumed["resume"]
    before = saved  # a relaxation's checkpoint counts completed optimizer steps
    assert f"at step {before} ({before} steps before the interruption" in note
    after = resumed["steps"] - before
    assert f"{after} after" in note
    # nothing redone: the steps before and after add up to the uninterrupted run's
    assert abs(before + after - reference["steps"]) <= 1


def check_neb_resume(code: str, work: Path, tolerance_eV: float = 1e-3, kind: str = "neb") -> None:
    reference = _reference(code, kind, work)
    assert reference["converged"] and reference["resumed_steps"] == 0
    folder, saved = _kill_at_random_step(code, kind, work, reference)
    out = work / "resumed.json"
    resumed = _finish(_worker(code, kind, folder, out), out)
    assert resumed["converged"]
    assert resumed["barrier"] == pytest.approx(reference["barrier"], abs=tolerance_eV)
    # the band's checkpoint counts observed band states, the first one included
    assert resumed["resumed_steps"] == saved - 1
    assert abs(resumed["steps"] - reference["steps"]) <= 1
    # Force calls of both runs together. The accepted band's forces are in the
    # checkpoint, so only the interrupted trial is redone: with EMT (deterministic)
    # call for call the uninterrupted run's; GPAW's SCF noise may cost one band
    # step more or less.
    if code == "emt":
        assert resumed["force_calls"] == reference["force_calls"]
    else:
        assert abs(resumed["force_calls"] - reference["force_calls"]) <= 1


@pytest.mark.parametrize("kind", ["relax", "neb", "neb-fast"])
def test_emt_resumes_after_sigkill(kind, tmp_path):
    if kind == "relax":
        check_relax_resume("emt", tmp_path)
    else:
        check_neb_resume("emt", tmp_path, kind=kind)


@pytest.mark.gpaw
@pytest.mark.parametrize("kind", ["relax", "neb"])
def test_gpaw_resumes_after_sigkill(kind, tmp_path):
    (check_relax_resume if kind == "relax" else check_neb_resume)("gpaw", tmp_path)


def test_damaged_checkpoint_is_ignored(tmp_path):
    path = tmp_path / "relax-x.pkl"
    path.write_bytes(b"\x80\x05 half a pickle")
    assert Checkpoint(path).load() is None


def test_checkpoint_writes_are_atomic(tmp_path):
    checkpoint = Checkpoint(tmp_path / "sub" / "neb-x.pkl")
    checkpoint.save({"nsteps": 3, "x": [1.0]})
    checkpoint.save({"nsteps": 4, "x": [2.0]})
    assert [p.name for p in (tmp_path / "sub").iterdir()] == ["neb-x.pkl"]  # no temp files
    assert Checkpoint(checkpoint.path).load()["nsteps"] == 4


def test_checkpoints_can_be_switched_off(monkeypatch):
    monkeypatch.setenv(CHECKPOINT_ENV, "off")
    assert checkpoint_root() is None
    assert Checkpoint.for_inputs("relax", 1.0) is None


def test_interrupted_campaign_resumes_and_says_so(tmp_path, monkeypatch):
    """A configuration whose NEB died at band step 3 continues from step 2 when run again."""
    from cudiss.workflows import makers
    from cudiss.workflows.campaign import parse_campaign
    from cudiss.workflows.local import run_campaign

    campaign = parse_campaign(
        {
            "name": "resume",
            "facets": ["100"],
            "sites": ["adatom"],
            "slab": {"size": [3, 3], "layers": 3, "vacuum": 6.0, "fixed_layers": 1},
        }
    )
    store = tmp_path / "store"
    monkeypatch.delenv(CHECKPOINT_ENV)  # cudiss run's own choice: under the store
    run_neb = makers.run_neb

    def neb_dies_at_step_3(*args, progress=None, **kwargs):
        def step(number, fmax):
            if number == 3:
                raise RuntimeError("node lost")

        return run_neb(*args, progress=step, **kwargs)

    monkeypatch.setattr(makers, "run_neb", neb_dies_at_step_3)
    first = run_campaign(campaign, store, show_progress=False)
    assert [r.state for r in first.results] == ["failed"]
    assert "CI-NEB: RuntimeError: node lost" in first.results[0].error
    assert list((store / "runs" / "checkpoints").glob("neb-*.pkl"))

    monkeypatch.setattr(makers, "run_neb", run_neb)
    (result,) = run_campaign(campaign, store, show_progress=False).results
    assert result.state == "successful"
    neb_note = [line for line in result.resumed if line.startswith("NEB")]
    # it died after the forces of band step 3, before that step was checkpointed:
    # step 3 is the one step done again
    assert neb_note and "band step 2 (2 steps before the interruption" in neb_note[0]
    # the relaxations had finished: they resume at their last step and take none
    relax_notes = [line for line in result.resumed if line.startswith("relax")]
    assert len(relax_notes) == 3 and all(", 0 after)" in line for line in relax_notes)
