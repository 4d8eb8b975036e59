"""``cudiss build`` / ``cudiss sites`` through the real console script (exit codes, stderr)."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest
from ase.constraints import FixAtoms
from ase.io import read

from tests.helpers.paths import REPO

CUDISS = str(REPO / ".venv" / "bin" / "cudiss")


def run(*args, cwd=None):
    return subprocess.run([CUDISS, *args], capture_output=True, text=True, cwd=cwd, timeout=120)


class Result:
    def __init__(self, returncode, stdout, stderr):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def run_inprocess(args, cwd, monkeypatch, capsys):
    """Run ``cudiss.workflows.cli.main`` in this process (fast) with real argv and exit."""
    from cudiss.workflows.cli import main

    monkeypatch.chdir(cwd)
    monkeypatch.setattr("sys.argv", ["cudiss", *args])
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    captured = capsys.readouterr()
    return Result(code, captured.out, captured.err)


def assert_input_error(result, message):
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and message in lines[0], lines[0]


def test_build_slab_with_adsorbates_and_list_sites(tmp_path):
    out = tmp_path / "slab.traj"
    r = run(
        "build",
        "Cu(111)",
        "--size",
        "2x3",
        "--layers",
        "3",
        "--fixed",
        "1",
        "--adsorbate",
        "CO@ontop",
        "--adsorbate",
        "H@fcc:3",
        "-o",
        str(out),
    )
    assert r.returncode == 0, r.stderr
    atoms = read(out)
    assert len(atoms) == 2 * 3 * 3 + 3 and atoms.get_chemical_formula() == "CHCu18O"
    fixed = next(c for c in atoms.constraints if isinstance(c, FixAtoms)).get_indices()
    assert sorted(fixed) == list(np.flatnonzero(atoms.get_tags() == 3))
    r = run("sites", str(out))
    assert r.returncode == 0, r.stderr
    for kind in ("ontop", "bridge", "fcc", "hcp", "terrace"):
        assert kind in r.stdout
    r = run("sites", str(out), "--kind", "hcp")
    assert "hcp" in r.stdout and "bridge" not in r.stdout


def test_build_removal_writes_three_endpoints(tmp_path):
    out = tmp_path / "kink.xyz"
    r = run(
        "build",
        "211",
        "--size",
        "3x4",
        "--kink",
        "--removal",
        "kink",
        "--with",
        "CO",
        "--with",
        "OH",
        "-o",
        str(out),
    )
    assert r.returncode == 0, r.stderr
    ini, fin, vac = (read(tmp_path / f"kink_{p}.xyz") for p in ("initial", "final", "vacancy"))
    assert ini.get_chemical_symbols() == fin.get_chemical_symbols()
    assert len(vac) == len(ini) - 1 - 4
    assert not out.exists()


def test_build_cif_and_adatom(tmp_path):
    r = run("build", "100", "--adatom", "-o", str(tmp_path / "ad.cif"))
    assert r.returncode == 0, r.stderr
    assert len(read(tmp_path / "ad.cif")) == 37


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["build", "112", "-o", "x.traj"], "unknown facet '112'; choose one of 111, 100, 110, 211"),
        (["build", "111", "--adsorbate", "CO3@ontop", "-o", "x.traj"], "unknown adsorbate 'CO3'"),
        (
            ["build", "100", "--adsorbate", "CO@fcc", "-o", "x.traj"],
            "no 'fcc' site on this slab; sites present: ontop, bridge, hollow",
        ),
        (
            ["build", "111", "--layers", "2", "--fixed", "2", "-o", "x.traj"],
            "2 layers is too few for 2 fixed layers",
        ),
        (
            ["build", "111", "--removal", "0", "-o", "x.traj"],
            "removal target 0 is not a surface Cu atom; surface Cu atoms: 27-35",
        ),
        (
            ["build", "111", "--adsorbate", "CO@ontop", "--adsorbate", "OH@ontop", "-o", "x.traj"],
            "OH@ontop overlap",
        ),
        (["build", "111", "--removal", "step", "-o", "x.traj"], "no step atom on this slab"),
        (["build", "111", "--size", "3by3", "-o", "x.traj"], "bad --size '3by3'"),
        (["build", "111", "-o", "x.png"], "unknown suffix '.png'"),
        (["build", "111", "-o", "missing/x.traj"], "folder 'missing' does not exist"),
        (["build", "111", "--with", "CO", "-o", "x.traj"], "--with needs --removal"),
        (["sites", "nothere.traj"], "cannot read 'nothere.traj': no such file"),
    ],
)
def test_bad_input_exits_2_with_one_line(tmp_path, args, message, monkeypatch, capsys):
    r = run_inprocess(args, tmp_path, monkeypatch, capsys)
    assert_input_error(r, message)
    assert list(tmp_path.iterdir()) == []  # nothing written, not even half


def test_bad_input_through_console_script(tmp_path):
    # the installed entry point itself: exit status 2, one stderr line, no traceback
    assert_input_error(run("build", "112", "-o", "x.traj", cwd=tmp_path), "unknown facet '112'")
    assert_input_error(
        run("build", "111", "--removal", "0", "-o", "x.traj", cwd=tmp_path),
        "removal target 0 is not a surface Cu atom",
    )
    assert list(tmp_path.iterdir()) == []


def test_unreadable_file(tmp_path):
    bad = tmp_path / "bad.traj"
    bad.write_text("not a trajectory\n")
    assert_input_error(run("sites", str(bad)), "cannot read")


def test_unwritable_output(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        r = run("build", "111", "-o", str(locked / "x.traj"))
        if r.returncode == 0:  # running as root: permissions do not bind
            assert (locked / "x.traj").exists()
            return
        assert_input_error(r, "permission denied")
    finally:
        locked.chmod(0o700)


def test_output_is_a_directory(tmp_path):
    assert_input_error(run("build", "111", "-o", str(tmp_path)), "unknown suffix")
    (tmp_path / "d.traj").mkdir()
    assert_input_error(run("build", "111", "-o", str(tmp_path / "d.traj")), "it is a directory")
