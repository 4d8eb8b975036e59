"""Two runs on one store, and a run killed mid-way: nothing lost, nothing doubled."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from cudiss.workflows.claims import Claims
from cudiss.workflows.flows import RESULT_KIND
from cudiss.workflows.store import open_job_store, open_results

CAMPAIGN = {
    "name": "integrity",
    "facets": ["100"],
    "sites": ["adatom", "terrace"],
    "adsorbates": [[], ["O"]],
    "slab": {"size": [3, 3], "layers": 3, "vacuum": 6.0, "fixed_layers": 1},
}

RUN = """
import json, sys
from cudiss.workflows.campaign import parse_campaign
from cudiss.workflows.local import run_campaign
summary = run_campaign(parse_campaign(json.loads(sys.argv[1])), sys.argv[2], show_progress=False)
print(json.dumps({"ran": summary.ran, "busy": summary.busy, "skipped": summary.skipped}))
"""


def _start(store):
    return subprocess.Popen(
        [sys.executable, "-c", RUN, json.dumps(CAMPAIGN), str(store)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _result_docs(store) -> int:
    return open_job_store(store).count({"metadata.cudiss_kind": RESULT_KIND})


def test_two_runs_at_once_lose_nothing_and_duplicate_nothing(tmp_path):
    store = tmp_path / "store"
    first, second = _start(store), _start(store)
    outputs = [
        json.loads(p.communicate(timeout=300)[0].strip().splitlines()[-1]) for p in (first, second)
    ]
    assert first.returncode == 0 and second.returncode == 0
    # Every configuration computed exactly once, by one of the two runs.
    assert sum(o["ran"] for o in outputs) == 4
    assert _result_docs(store) == 4
    results = open_results(store)
    assert len(results) == 4 and {r.state for r in results} == {"successful"}
    assert not list((store / "runs" / ".claims").iterdir())


def test_killed_run_leaves_a_readable_store_and_resumes(tmp_path):
    store = tmp_path / "store"
    proc = _start(store)
    deadline = time.time() + 600  # generous: CI machines may be busy
    seen = 0
    while time.time() < deadline and proc.poll() is None:
        if (store / "db").exists() and (seen := _result_docs(store)) >= 1:
            break
        time.sleep(0.2)
    assert proc.poll() is None, "the run finished before it could be killed"
    assert seen >= 1, "no result was stored within 600 s"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    finished = open_results(store)  # readable after a SIGKILL at any point
    assert len(finished) >= seen, f"{seen} results were counted before the kill"
    # The dead run's claims are stale and get taken over.
    rerun = _start(store)
    out = json.loads(rerun.communicate(timeout=300)[0].strip().splitlines()[-1])
    assert rerun.returncode == 0
    assert out["busy"] == 0
    assert out["ran"] == 4 - len(finished)
    results = open_results(store)
    assert len(results) == 4 and {r.state for r in results} == {"successful"}


def test_claims_are_exclusive_and_stale_ones_are_taken_over(tmp_path):
    mine, other = Claims(tmp_path), Claims(tmp_path)
    assert mine.claim("a")
    assert not other.claim("a")
    mine.release()
    assert other.claim("a")
    # A claim by a process that no longer exists is stale.
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    path = other.held[0]
    data = json.loads(path.read_text())
    path.write_text(json.dumps({**data, "pid": int(dead.stdout)}))
    assert Claims(tmp_path).claim("a")
