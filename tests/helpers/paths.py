"""Where the tests find the repository's files (examples, scripts, fixtures, helpers)."""

from __future__ import annotations

from pathlib import Path

HELPERS = Path(__file__).resolve().parent
TESTS = HELPERS.parent
REPO = TESTS.parent
EXAMPLES = REPO / "examples"
SCRIPTS = REPO / "scripts"
FIXTURES = TESTS / "fixtures"
