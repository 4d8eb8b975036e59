"""The resume tests: a worker subprocess (resume_worker.py) killed with SIGKILL, then rerun.

Each check runs one case once uninterrupted, then once killed with SIGKILL at
a random step (and a random moment within it), then again with the killed
run's checkpoint folder. The random step is printed (``-s``) and can be fixed
with ``CUDISS_RESUME_SEED``.
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

from cudiss.workflows.checkpoint import CHECKPOINT_ENV, Checkpoint

RESUME_WORKER = Path(__file__).with_name("resume_worker.py")


def saved_steps(folder: Path) -> int:
    """Steps recorded in the (single) checkpoint file under ``folder`` (0 if none)."""
    files = list(folder.glob("*.pkl"))
    if not files:
        return 0
    data = Checkpoint(files[0]).load()
    return int(data["nsteps"]) if data else 0


EMT_DELAY = 0.03  # seconds per EMT call, so a step lasts long enough to be hit


def start_worker(code: str, kind: str, folder: Path, out: Path, **popen) -> subprocess.Popen:
    env = {**os.environ, CHECKPOINT_ENV: str(folder), "RESUME_SLOW": str(EMT_DELAY)}
    return subprocess.Popen(
        [sys.executable, str(RESUME_WORKER), code, kind, str(out)],
        env=env,
        cwd=out.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        **popen,
    )


def finish(proc: subprocess.Popen, out: Path) -> dict:
    output, _ = proc.communicate(timeout=1800)
    assert proc.returncode == 0, output[-3000:]
    return json.loads(out.read_text())


def kill_at_random_step(code: str, kind: str, work: Path, reference: dict):
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
    proc = start_worker(code, kind, folder, work / "killed.json")
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


def reference_run(code: str, kind: str, work: Path) -> dict:
    out = work / "reference.json"
    return finish(start_worker(code, kind, work / "checkpoints-reference", out), out)


def check_relax_resume(code: str, work: Path, tolerance_eV: float = 1e-3) -> None:
    reference = reference_run(code, "relax", work)
    assert reference["steps"] >= 5 and not reference["resume"]
    folder, saved = kill_at_random_step(code, "relax", work, reference)
    out = work / "resumed.json"
    resumed = finish(start_worker(code, "relax", folder, out), out)
    assert resumed["energy"] == pytest.approx(reference["energy"], abs=tolerance_eV)
    (note,) = resumed["resume"]
    before = saved  # a relaxation's checkpoint counts completed optimizer steps
    assert f"at step {before} ({before} steps before the interruption" in note
    after = resumed["steps"] - before
    assert f"{after} after" in note
    # nothing redone: the steps before and after add up to the uninterrupted run's
    assert abs(before + after - reference["steps"]) <= 1


def check_neb_resume(code: str, work: Path, tolerance_eV: float = 1e-3, kind: str = "neb") -> None:
    reference = reference_run(code, kind, work)
    assert reference["converged"] and reference["resumed_steps"] == 0
    folder, saved = kill_at_random_step(code, kind, work, reference)
    out = work / "resumed.json"
    resumed = finish(start_worker(code, kind, folder, out), out)
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
