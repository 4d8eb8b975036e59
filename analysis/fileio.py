"""Atomic output files, the project's one writer: a temporary file next to the target, renamed.

A crash, a Ctrl-C or a full disk therefore never leaves a half-written table,
figure, structure, checkpoint or claim. Tables and figures (:mod:`.tableio`,
:mod:`.plots`), structure files (``cudiss build``), optimizer checkpoints and
claim files (:mod:`cudiss.workflows.checkpoint`, :mod:`cudiss.workflows.claims`)
all go through :func:`replace_files`.

Permissions are those a plain ``open(path, "w")`` gives, which is also what
``cp`` onto an existing file, ``sed -i`` and editors do: a new file gets
``0o666 & ~umask``; a file that is overwritten keeps its mode (and, where
allowed, its owner and group). :func:`tempfile.mkstemp` alone would make every
output ``0o600`` whatever the umask.
"""

from __future__ import annotations

import os
import secrets
import stat
from collections.abc import Callable, Mapping
from pathlib import Path

from cudiss.structures.errors import CudissInputError

Writer = Callable[[Path], None]


def current_umask() -> int:
    """This process's umask, read without changing it where the system allows.

    Linux shows it in ``/proc/self/status``; elsewhere it is read by setting and
    restoring it (``os.umask`` has no read-only form).
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _final_path(path: str | os.PathLike[str]) -> Path:
    """``path``, or the file a symbolic link ``path`` points to (``open`` writes there too)."""
    target = Path(path)
    return Path(os.path.realpath(target)) if target.is_symlink() else target


def _temporary(target: Path) -> tuple[Path, int]:
    """A new, empty, exclusively created temporary file next to ``target`` and its fd."""
    directory = target.parent if str(target.parent) else Path(".")
    for _ in range(100):
        tmp = directory / f".{target.name}.{secrets.token_hex(4)}.tmp"
        try:
            return tmp, os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name next to {target}")


def _adopt_attributes(tmp: Path, target: Path, umask: int) -> None:
    """Give ``tmp`` the mode (and owner) that writing ``target`` in place would leave."""
    try:
        old = target.stat()
    except FileNotFoundError:
        os.chmod(tmp, 0o666 & ~umask)
        return
    os.chmod(tmp, stat.S_IMODE(old.st_mode) & 0o777)
    new = tmp.stat()
    if (new.st_uid, new.st_gid) != (old.st_uid, old.st_gid):
        try:
            os.chown(tmp, old.st_uid, old.st_gid)
        except OSError:
            pass  # not allowed (not root, not in that group): the file becomes ours


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def replace_files(writers: Mapping[Path, Writer], exclusive: bool = False) -> None:
    """Write every file or none, each atomically: the low-level writer (raises ``OSError``).

    Every ``writer(tmp)`` writes its whole file to the temporary path it is
    given; only when all have succeeded are the files renamed into place, so a
    failure leaves every target as it was and no temporary file behind.

    Parameters
    ----------
    writers
        Final path -> function writing that file's content to a given path.
    exclusive
        Publish only if the target does not exist yet (``FileExistsError``
        otherwise), with the content complete from the first moment another
        process can see the file (a hard link instead of a rename).

    Raises
    ------
    OSError
        Any failure of a writer, of creating or renaming the temporary files.
    """
    umask = current_umask()
    temps: dict[Path, Path] = {}
    try:
        for path, write in writers.items():
            target = _final_path(path)
            tmp, fd = _temporary(target)
            os.close(fd)
            temps[target] = tmp
            write(tmp)
            _adopt_attributes(tmp, target, umask)
            _fsync(tmp)
        for target, tmp in temps.items():
            if exclusive:
                os.link(tmp, target)
            else:
                os.replace(tmp, target)
    finally:
        for tmp in temps.values():
            # Left behind after an exclusive publish or if something failed.
            tmp.unlink(missing_ok=True)


def _check_target(target: Path, error: type[CudissInputError]) -> None:
    if target.is_dir():
        raise error(f"cannot write {target}: it is a directory")
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise error(f"cannot write {target}: directory {directory} does not exist")
    if target.exists() and not os.access(target, os.W_OK):
        # a rename would replace a file that open(..., "w") may not write
        raise error(f"cannot write {target}: permission denied")


def atomic_write_all(
    writers: Mapping[str | os.PathLike[str], Writer],
    error: type[CudissInputError] = CudissInputError,
) -> list[Path]:
    """Write several files atomically, all or none, for a user who named them.

    Parameters
    ----------
    writers : mapping
        Final path -> ``write(tmp_path)`` writing that file's whole content.
    error : type
        The :class:`CudissInputError` subclass raised on failure.

    Returns
    -------
    list of pathlib.Path
        The paths written.

    Raises
    ------
    CudissInputError
        A directory is missing or not writable, a path is a directory, or the
        disk refused (one line naming the file).
    """
    paths = {Path(p): w for p, w in writers.items()}
    for path in paths:
        _check_target(path, error)
    current = next(iter(paths), None)

    def tracking(path: Path, write: Writer) -> Writer:
        def run(tmp: Path) -> None:
            nonlocal current
            current = path
            write(tmp)

        return run

    try:
        replace_files({p: tracking(p, w) for p, w in paths.items()})
    except OSError as exc:
        raise error(f"cannot write {current}: {exc.strerror or exc}") from None
    return list(paths)


def atomic_write(
    path: str | os.PathLike[str],
    write: Writer,
    error: type[CudissInputError] = CudissInputError,
) -> Path:
    """Create or replace ``path`` atomically with ``write(tmp_path)``.

    The file gets the mode ``open(path, "w")`` would give it (see the module
    docstring), and a failure leaves any previous ``path`` untouched.

    Parameters
    ----------
    path : path-like
        Final file. Its directory must exist and be writable.
    write : callable
        Writes the complete content to the temporary path it receives.
    error : type
        The :class:`CudissInputError` subclass raised on failure.

    Returns
    -------
    pathlib.Path
        ``path`` as a Path.

    Raises
    ------
    CudissInputError
        The directory is missing or not writable, or ``path`` is a directory.
    """
    (written,) = atomic_write_all({path: write}, error)
    return written


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
