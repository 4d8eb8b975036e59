"""Atomic output files: write to a temporary file next to the target, then rename.

A crash or a full disk therefore never leaves a half-written table or figure.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from cudiss.structures.errors import CudissInputError


def atomic_write(path: str | os.PathLike[str], write: Callable[[Path], None]) -> Path:
    """Create ``path`` atomically with ``write(tmp_path)``.

    Parameters
    ----------
    path : path-like
        Final file. Its directory must exist and be writable.
    write : callable
        Writes the complete content to the temporary path it receives.

    Returns
    -------
    pathlib.Path
        ``path`` as a Path.

    Raises
    ------
    CudissInputError
        The directory is missing or not writable, or ``path`` is a directory.
    """
    target = Path(path)
    if target.is_dir():
        raise CudissInputError(f"cannot write {target}: it is a directory")
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise CudissInputError(f"cannot write {target}: directory {directory} does not exist")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise CudissInputError(f"cannot write {target}: {exc.strerror}") from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        os.replace(tmp, target)
    except OSError as exc:
        raise CudissInputError(f"cannot write {target}: {exc.strerror or exc}") from None
    finally:
        # Only left behind if write() or the rename failed.
        tmp.unlink(missing_ok=True)
    return target


def atomic_write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically; see :func:`atomic_write`.

    Parameters
    ----------
    path : path-like
        Final file.
    text : str
        Content.

    Returns
    -------
    pathlib.Path
    """
    return atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
