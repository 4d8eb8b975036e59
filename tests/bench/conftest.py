"""The benchmark's package, imported as bench/bench_neb.py imports it."""

from __future__ import annotations

import sys
from types import ModuleType

import pytest

from tests.helpers.paths import REPO

BENCH = REPO / "bench"


@pytest.fixture(scope="session")
def nebbench() -> ModuleType:
    """``bench/nebbench`` with its merge, methods and report modules loaded."""
    sys.path.insert(0, str(BENCH))  # bench/ is a script folder, not a package
    try:
        import nebbench
        import nebbench.merge
        import nebbench.methods
        import nebbench.report
    finally:
        sys.path.remove(str(BENCH))
    return nebbench
