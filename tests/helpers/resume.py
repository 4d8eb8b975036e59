"""The resume tests' subprocess (resume_worker.py) and the checkpoints it leaves."""

from __future__ import annotations

from pathlib import Path

from cudiss.workflows.checkpoint import Checkpoint

RESUME_WORKER = Path(__file__).with_name("resume_worker.py")


def saved_steps(folder: Path) -> int:
    """Steps recorded in the (single) checkpoint file under ``folder`` (0 if none)."""
    files = list(folder.glob("*.pkl"))
    if not files:
        return 0
    data = Checkpoint(files[0]).load()
    return int(data["nsteps"]) if data else 0
