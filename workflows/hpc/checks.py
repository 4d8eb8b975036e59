"""Checks of what a user gives ``cudiss hpc init`` and the project builders, before any write.

Every check raises :class:`~cudiss.structures.errors.CudissInputError` with one
line that names the option, the value and what is accepted. They run before a
file is written, so a refused command leaves the disk as it was.

The walltime and memory checks are in :mod:`cudiss.workflows.hpc.resource_checks`
and importable from here.
"""

from __future__ import annotations

import math
import re
import shlex
import shutil
import subprocess
from pathlib import Path

from cudiss.structures.errors import CudissInputError

# The walltime and memory checks are in resource_checks.py; projects, batch, the
# CLI and tests use them as checks.check_walltime etc., as before the split.
from cudiss.workflows.hpc.resource_checks import (
    WALLTIME_FORMS,
    _shown,
    check_memory,
    check_walltime,
    pbs_walltime,
    walltime_seconds,
)

__all__ = [
    "WALLTIME_FORMS",
    "check_count",
    "check_database",
    "check_folder",
    "check_host",
    "check_memory",
    "check_mpi_launcher",
    "check_port",
    "check_project_name",
    "check_scheduler_word",
    "check_script_path",
    "check_seconds",
    "check_shell_line",
    "check_user",
    "check_walltime",
    "pbs_walltime",
    "walltime_seconds",
]

# a project name becomes a file name (NAME.yaml), a folder (PROJECTS/NAME) and
# `jf -p NAME`: letters, digits, '.', '_', '-', not starting with '.' or '-'
_PROJECT_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,63}")
# a path the worker's script uses unquoted (jobflow-remote writes `cd WORK_DIR`)
_SCRIPT_PATH = re.compile(r"[A-Za-z0-9_./+@%,=:~-]+")
# partition, queue, account: one word of a #SBATCH/#PBS line (commas: SLURM lists)
_SCHEDULER_WORD = re.compile(r"[A-Za-z0-9_.,+@-]{1,128}")
# host names, SSH aliases (may hold '_'), IPv4 and IPv6 addresses
_HOST = re.compile(r"[A-Za-z0-9_]([A-Za-z0-9._-]{0,252}[A-Za-z0-9_])?|\[?[0-9A-Fa-f:.]+\]?")
_HEREDOC = re.compile(r"<<-?\s*['\"]?[A-Za-z_]")
_USER = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,63}")
# MongoDB refuses these in database names
_BAD_DATABASE_CHARS = set('/\\. "$*<>:|?')


def check_project_name(name: str) -> str:
    """A project name that is safe as a file name and a ``jf -p`` argument.

    Parameters
    ----------
    name : str
        The name given to ``cudiss hpc init``.

    Returns
    -------
    str
        ``name`` unchanged.

    Raises
    ------
    CudissInputError
        Empty, with a path separator, spaces, control or non-ASCII characters,
        starting with ``.`` or ``-``, longer than 64 characters, or ending in
        ``.yaml``.
    """
    if not isinstance(name, str) or not name:
        raise CudissInputError("project name is empty")
    if name.lower().endswith((".yaml", ".yml")):
        raise CudissInputError(
            f"project name {_shown(name)}: give the name without .yaml (the file is NAME.yaml)"
        )
    if not _PROJECT_NAME.fullmatch(name):
        raise CudissInputError(
            f"project name {_shown(name)} is not allowed: use up to 64 letters, digits, "
            "'.', '_' or '-' (no '/', spaces or control characters; not starting with '.' or '-')"
        )
    return name


def check_count(option: str, value: int, maximum: int = 100_000) -> int:
    """A positive whole count (nodes, ranks) no larger than ``maximum``.

    Raises
    ------
    CudissInputError
        Not an integer, below 1 or above ``maximum``.
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise CudissInputError(f"{option} must be a whole number, not {_shown(value)}")
    if value < 1:
        raise CudissInputError(f"{option} must be at least 1, not {value}")
    if value > maximum:
        raise CudissInputError(f"{option} {value} is more than {maximum}; is it a typo?")
    return value


def _check_printable(option: str, value: str) -> None:
    if any(not ch.isprintable() for ch in value):
        raise CudissInputError(
            f"{option} {_shown(value)} contains a newline or control character; "
            "give each shell line as its own option"
        )


def check_shell_line(option: str, line: str) -> str:
    """One shell line for the Job script (``--pre-run``).

    Refuses what would break or silently change the generated script: empty
    lines, newlines and other control characters (each line is its own
    ``--pre-run``), a trailing backslash (it would join the next line),
    unbalanced quotes and anything ``bash -n`` calls a syntax error.

    Parameters
    ----------
    option : str
        Option name for the message.
    line : str
        The shell line.

    Returns
    -------
    str
        ``line`` unchanged.

    Raises
    ------
    CudissInputError
        The line would break the script.
    """
    if not isinstance(line, str) or not line.strip():
        raise CudissInputError(f"{option} is empty")
    _check_printable(option, line)
    if line.rstrip().endswith("\\"):
        raise CudissInputError(
            f"{option} {_shown(line)} ends with a backslash, which would join it to the next line"
        )
    if _HEREDOC.search(line.replace("<<<", "")):
        raise CudissInputError(
            f"{option} {_shown(line)}: a here-document would swallow the rest of the Job script"
        )
    bash = shutil.which("bash")
    if bash is None:  # shlex only catches unbalanced quotes, but needs no shell
        try:
            shlex.split(line, comments=True)
        except ValueError as exc:
            raise CudissInputError(f"{option} {_shown(line)}: {exc}") from None
        return line
    try:
        proc = subprocess.run(
            [bash, "-n", "-c", line], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return line  # no verdict from bash: the Job's own stderr will tell
    if proc.returncode != 0:
        first = (proc.stderr.strip().splitlines() or ["syntax error"])[0]
        reason = re.sub(r"^.*?line \d+: ", "", first)  # drop "bash: -c: line 1: "
        raise CudissInputError(f"{option} {_shown(line)} is not valid shell: {reason}")
    return line


def check_mpi_launcher(launcher: str) -> str:
    """The MPI command for GPAW: one line, balanced quotes, a program to run."""
    if not isinstance(launcher, str) or not launcher.strip():
        raise CudissInputError("--mpi-launcher is empty")
    _check_printable("--mpi-launcher", launcher)
    try:
        words = shlex.split(launcher)
    except ValueError as exc:
        raise CudissInputError(f"--mpi-launcher {_shown(launcher)}: {exc}") from None
    if not words:
        raise CudissInputError("--mpi-launcher is empty")
    unknown = set(re.findall(r"\{([^}]*)\}", launcher)) - {"ntasks"}
    if unknown:
        raise CudissInputError(
            f"--mpi-launcher {_shown(launcher)}: unknown placeholder "
            f"{{{sorted(unknown)[0]}}} (only {{ntasks}} is replaced)"
        )
    return launcher


def check_script_path(option: str, path: str | Path, absolute: bool = True) -> str:
    """A folder the Job script names unquoted (the worker's ``work_dir``).

    Raises
    ------
    CudissInputError
        Empty, relative (when ``absolute``), or with spaces, quotes, ``$`` or
        other characters a shell would split or expand.
    """
    text = str(path)
    if not text.strip():
        raise CudissInputError(f"{option} is empty")
    _check_printable(option, text)
    if absolute and not text.startswith("/"):
        raise CudissInputError(f"{option} must be an absolute path on the cluster: {text}")
    if not _SCRIPT_PATH.fullmatch(text):
        raise CudissInputError(
            f"{option} {_shown(text)} has characters the Job script cannot use unquoted "
            "(spaces, quotes, $, ;, ...); expand variables such as $USER before passing it"
        )
    return text


def check_scheduler_word(option: str, value: str) -> str:
    """A partition, PBS queue or account name: one word of a ``#SBATCH``/``#PBS`` line."""
    if not isinstance(value, str) or not _SCHEDULER_WORD.fullmatch(value):
        raise CudissInputError(
            f"{option} {_shown(value)} is not a valid name: use letters, digits, '.', '_', '-', "
            "'+', '@' (commas between several)"
        )
    return value


def check_host(option: str, host: str) -> str:
    """A host name or IP address (no scheme, user, port or path)."""
    if not isinstance(host, str) or not host:
        raise CudissInputError(f"{option} is empty")
    hint = ""
    if "://" in host:
        hint = "; for a connection URI edit the store in the project YAML"
    elif "@" in host:
        hint = "; give the user with --user"
    elif host.count(":") == 1:
        hint = (
            "; give the port with --mongo-port"
            if "mongo" in option
            else "; set an SSH port in ~/.ssh/config"
        )
    if hint or not _HOST.fullmatch(host):
        raise CudissInputError(f"{option} {_shown(host)} is not a host name or IP address{hint}")
    return host


def check_user(option: str, user: str) -> str:
    """A login name."""
    if not isinstance(user, str) or not _USER.fullmatch(user):
        raise CudissInputError(f"{option} {_shown(user)} is not a valid user name")
    return user


def check_port(option: str, port: int) -> int:
    """A TCP port, 1..65535."""
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise CudissInputError(f"{option} {port} is not a TCP port (1..65535)")
    return port


def check_database(option: str, name: str) -> str:
    """A MongoDB database name (no ``/\\. "$*<>:|?``, at most 63 characters)."""
    if not isinstance(name, str) or not name:
        raise CudissInputError(f"{option} is empty")
    bad = sorted(set(name) & _BAD_DATABASE_CHARS)
    if bad or len(name) > 63 or not name.isprintable() or not name.isascii():
        reason = f"contains {bad[0]!r}" if bad else "is too long or has control characters"
        raise CudissInputError(f"{option} {_shown(name)} {reason}; MongoDB refuses it")
    return name


def check_seconds(option: str, seconds: float) -> float:
    """A positive, finite number of seconds."""
    if not isinstance(seconds, int | float) or not math.isfinite(seconds) or seconds <= 0:
        raise CudissInputError(f"{option} must be a positive number of seconds, not {seconds}")
    return float(seconds)


def check_folder(option: str, path: str | Path, must_exist: bool = False) -> Path:
    """A local folder: not an existing file, and (if ``must_exist``) present.

    Raises
    ------
    CudissInputError
        The path is a file (or another non-folder), or it is missing.
    """
    text = str(path)
    if not text.strip():
        raise CudissInputError(f"{option} is empty")
    _check_printable(option, text)
    folder = Path(path).expanduser()
    if folder.exists() and not folder.is_dir():
        raise CudissInputError(f"{option} {folder} is a file, not a folder")
    if must_exist and not folder.is_dir():
        raise CudissInputError(f"{option} {folder} does not exist")
    for parent in folder.absolute().parents:
        if parent.exists():
            if not parent.is_dir():
                raise CudissInputError(f"{option} {folder}: {parent} is a file, not a folder")
            break
    return folder
