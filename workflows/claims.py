"""Claim files: which configurations a running ``cudiss run`` is computing.

Two local runs on one store would otherwise both compute (and both store) the
same unfinished configurations. Each run claims a configuration by creating a
file exclusively (``O_CREAT | O_EXCL`` is atomic on local and NFS v3+ file
systems), skips those claimed by others, and releases its claims at the end. A
claim left by a run that was killed (its process is gone) is taken over.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
from pathlib import Path

from cudiss.analysis.fileio import replace_files


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


class Claims:
    """The claims of this process in ``folder``.

    Parameters
    ----------
    folder
        Where claim files live (created if missing).
    """

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.held: list[Path] = []
        self._me = {"pid": os.getpid(), "host": socket.gethostname()}

    def _path(self, key: str) -> Path:
        return self.folder / (hashlib.sha1(key.encode()).hexdigest() + ".claim")

    def _stale(self, path: Path) -> bool:
        try:
            owner = json.loads(path.read_text())
        except (OSError, ValueError):
            return False  # being written right now, or unreadable: leave it
        return owner.get("host") == self._me["host"] and not _pid_alive(int(owner["pid"]))

    def _create(self, path: Path, text: str) -> None:
        """Create ``path`` holding ``text``, or raise ``FileExistsError``.

        The claim appears complete or not at all (written aside, then hard-linked
        into place), so a run killed at any moment never leaves an empty claim
        that nobody could tell from one being written. File systems without hard
        links get an exclusive create followed by the write.
        """
        try:
            replace_files({path: lambda tmp: tmp.write_text(text)}, exclusive=True)
        except FileExistsError:
            raise
        except OSError:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666)
            with os.fdopen(fd, "w") as handle:
                handle.write(text)

    def claim(self, key: str) -> bool:
        """Claim ``key``; False if another live run holds it."""
        path = self._path(key)
        for _ in range(2):
            try:
                self._create(path, json.dumps({**self._me, "key": key}))
            except FileExistsError:
                if self._stale(path):
                    path.unlink(missing_ok=True)
                    continue
                return False
            self.held.append(path)
            return True
        return False

    def release(self) -> None:
        """Drop every claim this object holds."""
        for path in self.held:
            path.unlink(missing_ok=True)
        self.held.clear()
