"""Reading back what the atomic writers leave on disk (permission bits)."""

from __future__ import annotations

import os
import stat


def file_mode(path) -> int:
    """Permission bits of ``path`` (e.g. ``0o644``), without the file-type bits."""
    return stat.S_IMODE(os.stat(path).st_mode)
