"""The repository is ruff-clean: ``ruff check`` and ``ruff format --check`` (pyproject's settings).

Runs the ruff installed next to this interpreter (the dev extra), on the whole
repository, and fails with ruff's own output. Nothing is fixed or rewritten.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.paths import REPO

RUFF = Path(sys.executable).with_name("ruff")


def _ruff(*args: str) -> subprocess.CompletedProcess:
    if not RUFF.is_file():
        pytest.fail(f"ruff is not installed next to {sys.executable}: pip install -e '.[dev]'")
    return subprocess.run(
        [str(RUFF), *args, "."], cwd=REPO, capture_output=True, text=True, timeout=300
    )


def test_ruff_check():
    run = _ruff("check", "--no-fix", "--output-format=full")
    assert run.returncode == 0, f"ruff check found problems:\n{run.stdout}{run.stderr}"


def test_ruff_format():
    run = _ruff("format", "--check", "--diff")
    assert run.returncode == 0, f"ruff format --check would reformat:\n{run.stdout}{run.stderr}"
