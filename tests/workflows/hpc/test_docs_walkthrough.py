"""docs/hpc.md's local trial runs as written (the block after `<!-- walkthrough: local-trial -->`).

The block is read from the doc at test time and run with bash in an empty
folder, with ``HOME`` there (so ``~/.jfremote`` is the test's) and this venv's
``cudiss`` first on ``PATH``; only its first and last lines, ``sudo bash
scripts/slurm-local.sh start|stop``, are left to the session's SLURM fixture.
A change of a command, an option or an output the doc relies on fails here.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.paths import REPO

pytestmark = pytest.mark.slurm

MARKER = "<!-- walkthrough: local-trial -->"
START = "sudo bash scripts/slurm-local.sh start"
STOP = "sudo bash scripts/slurm-local.sh stop"


def walkthrough_block(doc: Path = REPO / "docs" / "hpc.md") -> list[str]:
    """The lines of the bash block that follows :data:`MARKER` in ``doc``."""
    text = doc.read_text()
    assert text.count(MARKER) == 1, f"{doc} must mark exactly one block with {MARKER}"
    match = re.search(re.escape(MARKER) + r"\s*```bash\n(.*?)\n```", text, re.DOTALL)
    assert match, f"no ```bash block right after {MARKER} in {doc}"
    return match[1].splitlines()


def test_the_block_starts_and_stops_the_local_slurm() -> None:
    lines = walkthrough_block()
    assert lines[0].startswith(START) and lines[-1].startswith(STOP)


def test_local_trial_as_documented(local_slurm: Path, tmp_path: Path) -> None:
    lines = walkthrough_block()
    script = tmp_path / "walkthrough.sh"
    script.write_text("set -euo pipefail\n" + "\n".join(lines[1:-1]) + "\n")
    home = tmp_path / "home"
    home.mkdir()
    env = {
        **os.environ,  # SLURM_CONF from the fixture, the session's checkpoint folder
        "HOME": str(home),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "COLUMNS": "200",
    }
    env.pop("JFREMOTE_PROJECTS_FOLDER", None)
    run = subprocess.run(
        ["bash", str(script)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=1200
    )
    print(f"\n{run.stdout}")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    out = run.stdout
    assert (home / ".jfremote" / "try.yaml").is_file()
    assert "batch worker batch: 3 Jobs in 1 queue job(s)" in out
    assert "--worker: 8 Jobs -> local" in out
    assert "routing: 8 Jobs -> batch" in out
    assert "same table" in out
    assert (tmp_path / "neb.png").stat().st_size > 0
    # `cudiss status` lists the last run: 8 Jobs (bulk, endpoints, relax initial, carry it to the
    # final state, relax final, interpolate, NEB, result)
    status = out[out.index("routing: 8 Jobs -> batch") :]
    assert status.count("COMPLETED") >= 2 * 8  # the submit's table, then status's
