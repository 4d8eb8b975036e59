"""Structures, checkpoints and claims go through the one atomic writer: modes as the umask says."""

from __future__ import annotations

import json
import os

from cudiss.workflows.checkpoint import Checkpoint
from cudiss.workflows.claims import Claims
from tests.helpers.corpus import run_cli
from tests.helpers.files import file_mode


def test_cudiss_build_writes_with_the_umask_and_keeps_an_old_files_mode(tmp_path, umask):
    new, old = tmp_path / "new.traj", tmp_path / "old.xyz"
    old.write_text("stale")
    os.chmod(old, 0o644)
    for path in (new, old):
        code, _, err = run_cli("build", "100", "--size", "2x2", "--layers", "3", "-o", str(path))
        assert code == 0, err
    assert file_mode(new) == 0o666 & ~umask
    assert file_mode(old) == 0o644 and "Cu" in old.read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new.traj", "old.xyz"]


def test_cudiss_build_removal_endpoints_all_get_the_mode(tmp_path, umask):
    out = tmp_path / "hop.traj"
    code, _, err = run_cli(
        "build", "100", "--size", "2x2", "--layers", "3", "--adatom", "--removal", "adatom",
        "-o", str(out),
    )  # fmt: skip
    assert code == 0, err
    written = sorted(tmp_path.iterdir())
    assert [p.name for p in written] == ["hop_final.traj", "hop_initial.traj", "hop_vacancy.traj"]
    assert {file_mode(p) for p in written} == {0o666 & ~umask}


def test_checkpoints_follow_the_umask(tmp_path, umask):
    """Not private: a checkpoint holds positions and optimizer state, like the trajectories
    next to it, and a colleague resuming a shared store must be able to read it."""
    checkpoint = Checkpoint(tmp_path / "cp" / "relax-x.pkl")
    checkpoint.save({"nsteps": 1, "x": [0.0]})
    assert file_mode(checkpoint.path) == 0o666 & ~umask
    os.chmod(checkpoint.path, 0o640)
    checkpoint.save({"nsteps": 2, "x": [1.0]})
    assert file_mode(checkpoint.path) == 0o640
    assert Checkpoint(checkpoint.path).load()["nsteps"] == 2
    assert [p.name for p in checkpoint.path.parent.iterdir()] == ["relax-x.pkl"]


def test_claims_are_whole_from_the_start_and_follow_the_umask(tmp_path, umask):
    mine, other = Claims(tmp_path), Claims(tmp_path)
    assert mine.claim("config-a") and not other.claim("config-a")
    (path,) = tmp_path.iterdir()
    assert json.loads(path.read_text())["key"] == "config-a"
    assert file_mode(path) == 0o666 & ~umask
    mine.release()
    assert other.claim("config-a")
    other.release()
    assert list(tmp_path.iterdir()) == []
