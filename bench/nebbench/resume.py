"""Carrying on a killed ``bench_neb.py`` run: the same command, at the same commit.

A full run is hours of one core and may not fit in one sitting. Every finished
step is in ``--out`` already (it is rewritten after each one); what a later
step needs besides is kept in the run's state folder: the relaxed endpoints
(the band of every method starts from them) and plain BFGS's final band (the
cold-start control recomputes it). ``--resume`` reads both back and runs only
what is missing, so the rows of one results.json still come from one command
at one commit, which it checks; the machine record lists every restart.
"""

from __future__ import annotations

import json
import os
import shlex
from pathlib import Path
from typing import Any

from ase import Atoms
from ase.io import read, write

ENDPOINTS_FILE = "endpoints-relaxed.traj"
BFGS_BAND_FILE = "ase-bfgs-band.traj"


class ResumeError(ValueError):
    """An ``--out`` that this command cannot carry on (another commit or command)."""


def state_dir(out: Path) -> Path:
    """The run's state folder beside ``out`` (``results.json`` -> ``results-state/``)."""
    return out.with_name(f"{out.stem}-state")


def _arguments(command: str) -> list[str]:
    """A command line without ``--resume`` (the first start did not carry it)."""
    return [word for word in shlex.split(command) if word != "--resume"]


def previous_results(out: Path, info: dict[str, Any]) -> dict[str, Any]:
    """The results of the run to carry on, its machine record extended by this restart.

    Raises
    ------
    ResumeError
        When ``out`` is missing, or was written by another commit or command line.
    """
    if not out.exists():
        raise ResumeError(f"--resume: {out} does not exist; start the run without --resume")
    results = json.loads(out.read_text())
    machine = results["machine"]
    if "runs" in machine:
        raise ResumeError(f"--resume: {out} is a merge of several runs, not one run")
    if machine["git_commit"] != info["git_commit"]:
        raise ResumeError(
            f"--resume: {out} was written at commit {machine['git_commit']}, "
            f"this is {info['git_commit']}"
        )
    if _arguments(machine["command"]) != _arguments(info["command"]):
        raise ResumeError(f"--resume: {out} was written by `{machine['command']}`, not this one")
    restarts = machine.setdefault("restarts", [])
    restarts.append({"date": info["date"], "load_start": info["load_start"]})
    return results


def save_band(images: list[Atoms], path: Path) -> None:
    """Write ``images`` (positions and cell; no calculator results) to ``path``."""
    bare = [image.copy() for image in images]
    tmp = path.with_suffix(".tmp.traj")
    write(tmp, bare)
    os.replace(tmp, path)  # a kill mid-write leaves the old file or none


def load_band(path: Path) -> list[Atoms] | None:
    """The images saved in ``path``, or None when there is no such file."""
    if not path.exists():
        return None
    return list(read(path, index=":"))


def borrowed_endpoints(sources: list[Path], name: str, workdir: Path) -> dict[str, Any]:
    """Plain BFGS's relaxed endpoints of case ``name`` from the first earlier run that has them.

    ``--endpoints-from``: a later run (another commit: a new maker variant in the
    endpoint study) measures against the same plain-BFGS endpoints instead of
    relaxing them again. GPAW relaxations are not bitwise reproducible, and
    runs are only merged when their plain endpoint energies agree. The geometry
    is copied into ``workdir``; the returned entry is what ``--resume`` would
    find done, and names its source.

    Raises
    ------
    ResumeError
        When a source is missing, or none has the case's relaxed endpoints.
    """
    for source in sources:
        if not source.exists():
            raise ResumeError(f"--endpoints-from: {source} does not exist")
        run = json.loads(source.read_text())
        entry = run["cases"].get(name, {})
        saved = state_dir(source) / name / ENDPOINTS_FILE
        if "endpoint_relax" in entry and saved.exists():
            workdir.mkdir(parents=True, exist_ok=True)
            save_band(list(read(saved, index=":")), workdir / ENDPOINTS_FILE)
            commit = run["machine"].get("git_commit", "unknown")
            return {
                "geometry": entry["geometry"],
                "endpoint_relax": {**entry["endpoint_relax"], "from": f"{source} ({commit})"},
            }
    raise ResumeError(f"--endpoints-from: no relaxed endpoints of {name} in {sources}")
