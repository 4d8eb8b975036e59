"""The one atomic writer: all or nothing, no temporary files left, modes as ``open(..., "w")``."""

from __future__ import annotations

import os

import pandas as pd
import pytest

from cudiss.analysis.che import ReactionStep
from cudiss.analysis.fileio import (
    atomic_write,
    atomic_write_all,
    atomic_write_text,
    current_umask,
    replace_files,
)
from cudiss.analysis.plots import plot_free_energy_diagram
from cudiss.analysis.tableio import export_table
from cudiss.structures.errors import CudissInputError
from tests.helpers.files import file_mode


def _names(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_current_umask_reads_without_changing(umask):
    assert current_umask() == umask
    assert current_umask() == umask


@pytest.mark.parametrize(
    "write",
    [
        lambda path: atomic_write_text(path, "x\n"),
        lambda path: export_table(pd.DataFrame({"a": [1.0]}), path, "csv"),
        lambda path: plot_free_energy_diagram(
            [ReactionStep("*H", 0.1, 1)], path.with_suffix(".svg")
        ),
    ],
    ids=["text", "table", "figure"],
)
def test_a_new_file_gets_the_umask_mode(tmp_path, umask, write):
    write(tmp_path / "out.csv")
    (written,) = tmp_path.iterdir()
    assert file_mode(written) == 0o666 & ~umask  # 0644 under 022, 0600 under 077
    assert not written.name.startswith(".")


@pytest.mark.parametrize("old_mode", [0o644, 0o640, 0o664])
def test_overwriting_keeps_the_files_mode(tmp_path, umask, old_mode):
    path = tmp_path / "table.md"
    path.write_text("old")
    os.chmod(path, old_mode)
    atomic_write_text(path, "new")
    assert path.read_text() == "new"
    assert file_mode(path) == old_mode  # as cp onto it, sed -i or an editor would leave it
    assert _names(tmp_path) == ["table.md"]


def test_a_failing_writer_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("old")

    def half(tmp):
        tmp.write_text("half")
        raise OSError(28, "No space left on device")

    with pytest.raises(CudissInputError, match="No space left on device") as info:
        atomic_write(path, half)
    assert str(info.value).count("\n") == 0 and str(path) in str(info.value)
    assert path.read_text() == "old"
    assert _names(tmp_path) == ["t.csv"]


def test_several_files_are_written_all_or_none(tmp_path):
    def fails(tmp):
        raise OSError(5, "Input/output error")

    with pytest.raises(CudissInputError, match=r"b\.txt"):
        atomic_write_all(
            {tmp_path / "a.txt": lambda tmp: tmp.write_text("a"), tmp_path / "b.txt": fails}
        )
    assert _names(tmp_path) == []
    atomic_write_all({tmp_path / n: (lambda tmp, n=n: tmp.write_text(n)) for n in ("a", "b")})
    assert [(tmp_path / n).read_text() for n in ("a", "b")] == ["a", "b"]


def test_refusals_name_the_problem(tmp_path):
    with pytest.raises(CudissInputError, match="does not exist"):
        atomic_write_text(tmp_path / "no" / "t.csv", "x")
    with pytest.raises(CudissInputError, match="is a directory"):
        atomic_write_text(tmp_path, "x")


def test_a_symbolic_link_is_written_through(tmp_path):
    real = tmp_path / "real.csv"
    real.write_text("old")
    os.chmod(real, 0o640)
    link = tmp_path / "latest.csv"
    link.symlink_to(real.name)
    atomic_write_text(link, "new")
    assert link.is_symlink() and real.read_text() == "new" and file_mode(real) == 0o640


def test_exclusive_publish_never_replaces(tmp_path, umask):
    path = tmp_path / "x.claim"
    replace_files({path: lambda tmp: tmp.write_text("first")}, exclusive=True)
    with pytest.raises(FileExistsError):
        replace_files({path: lambda tmp: tmp.write_text("second")}, exclusive=True)
    assert path.read_text() == "first" and file_mode(path) == 0o666 & ~umask
    assert _names(tmp_path) == ["x.claim"]
