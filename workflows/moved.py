"""Old dotted paths of modules that moved into packages keep importing.

jobflow and jobflow-remote store ``@module``/``@callable`` of the Makers,
pydantic models and ``@job`` functions of a flow in queued flows and in
result stores: a flow written by an earlier cudiss names, say,
``cudiss.workflows.hpc_smoke.smoke_slab_energy``. Those modules now live in
packages (``cudiss.workflows.hpc.smoke``); the finder below makes each old
name an alias of its new module (the same module object, not a copy), so such
flows and documents still deserialise. Packages that kept their name
(``neb``, ``calculators``, ``mpi``, ``hpc``) re-export their public names
instead.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
from types import ModuleType

_PREFIX = "cudiss.workflows."

MOVED_MODULES: dict[str, str] = {
    _PREFIX + old: _PREFIX + new
    for old, new in {
        "recovery": "calculators.recovery",
        "mpi_task": "mpi.task",
        "hpc_project_files": "hpc.project_files",
        "hpc_projects": "hpc.projects",
        "hpc_results": "hpc.results",
        "hpc_smoke": "hpc.smoke",
        "hpc_status": "hpc.status",
        "hpc_stores": "hpc.stores",
        "hpc_submit": "hpc.submit",
        "hpc_worker_env": "hpc.worker_env",
        "cli_run": "cli.run",
        "cli_structures": "cli.structures",
        "cli_analysis": "cli.analysis",
        "cli_hpc": "cli.hpc",
    }.items()
}
"""Old module name -> the module that now holds its contents."""


class _MovedModuleFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports an old module name as its new module."""

    def __init__(self) -> None:
        self._own_specs: dict[str, importlib.machinery.ModuleSpec] = {}

    def find_spec(self, fullname: str, path=None, target=None):
        if fullname not in MOVED_MODULES:
            return None
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec) -> ModuleType:
        # The new module itself (importlib keeps its __name__).
        module = importlib.import_module(MOVED_MODULES[spec.name])
        self._own_specs[module.__name__] = module.__spec__
        return module

    def exec_module(self, module: ModuleType) -> None:
        """Nothing to run; importlib overwrote ``__spec__`` with the alias's: put it back."""
        module.__spec__ = self._own_specs[module.__name__]


def install() -> None:
    """Put the finder on ``sys.meta_path`` (once per process)."""
    if not any(isinstance(finder, _MovedModuleFinder) for finder in sys.meta_path):
        sys.meta_path.append(_MovedModuleFinder())
