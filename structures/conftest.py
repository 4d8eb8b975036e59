"""pytest only: the docstring examples of this folder run in the installed modules.

The folder installs as ``cudiss.structures`` (setuptools ``package-dir``), but
``--doctest-modules`` names a file by its path (``structures/slabs.py`` ->
``structures.slabs``) and would import a second copy of every module under that
name. :func:`alias_installed` points those names at the installed modules, so
each example runs in ``cudiss.structures.*`` itself (one adsorbate registry,
one class per name). ``analysis/conftest.py`` does the same for its folder.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path


def alias_installed(conftest: str, package: str) -> None:
    """Make ``<folder>`` and ``<folder>.<module>`` the installed ``package`` modules."""
    folder = Path(conftest).resolve().parent
    sys.modules[folder.name] = importlib.import_module(package)
    for path in sorted(folder.glob("*.py")):
        if path.stem not in ("__init__", "conftest"):
            module = importlib.import_module(f"{package}.{path.stem}")
            sys.modules[f"{folder.name}.{path.stem}"] = module


alias_installed(__file__, "cudiss.structures")
