"""Helpers shared by the tests of the SLURM queue path."""

from __future__ import annotations

import subprocess


def scontrol(job_id: str) -> dict[str, str]:
    """``scontrol show job`` of one job as a dict of its fields."""
    out = subprocess.run(
        ["timeout", "10", "scontrol", "show", "job", "-o", job_id],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return dict(f.split("=", 1) for f in out.split() if "=" in f)
