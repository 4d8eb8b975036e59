"""The bad-input corpus's checks: one clear line, exit code 2, no traceback, nothing changed.

A corpus case runs the real ``cudiss`` entry point in this process
(:func:`run_cli`) or a Python API call, and asserts with :func:`assert_refused`
(or :func:`assert_api_refused`) that it was refused as a user expects, and with
:func:`snapshot` before and after that no file under the watched folder was
written, changed or removed.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from cudiss.structures.errors import CudissInputError


def run_cli(*argv: str) -> tuple[int, str, str]:
    """Run ``cudiss ARGV`` in this process; return (exit code, stdout, stderr)."""
    from cudiss.workflows.cli import main

    out, err = io.StringIO(), io.StringIO()
    saved = sys.argv
    sys.argv = ["cudiss", *argv]
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                main()
                code = 0
            except SystemExit as exit_info:
                code = exit_info.code if isinstance(exit_info.code, int) else 1
    finally:
        sys.argv = saved
    return code, out.getvalue(), err.getvalue()


def assert_one_line_error(code: int, err: str, expected: str) -> None:
    """Exit code 2 and exactly one ``error: ...`` line on stderr containing ``expected``."""
    assert code == 2, f"exit {code}: {err}"
    assert "Traceback" not in err, err
    lines = [line for line in err.strip().splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("error: "), lines[0]
    assert expected.lower() in lines[0].lower(), lines[0]


def snapshot(folder: Path) -> dict[str, tuple[int, int, int]]:
    """Every file and folder under ``folder``: relative path -> (size, mtime_ns, mode)."""
    if not folder.exists():
        return {}
    state = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = Path(root) / name
            info = path.lstat()
            state[str(path.relative_to(folder))] = (info.st_size, info.st_mtime_ns, info.st_mode)
    return state


def assert_refused(argv: list[str], expected: str, watch: Path) -> None:
    """``cudiss ARGV`` is refused in one line naming ``expected``; ``watch`` is left as it was."""
    before = snapshot(watch)
    code, _, err = run_cli(*argv)
    assert_one_line_error(code, err, expected)
    assert snapshot(watch) == before, "the refused command changed files"


def assert_api_refused(call: Callable[[], object], expected: str) -> None:
    """A Python API call raises a :class:`CudissInputError` with a one-line message."""
    with pytest.raises(CudissInputError) as info:
        call()
    message = str(info.value)
    assert "\n" not in message.strip(), message
    assert expected.lower() in message.lower(), message
