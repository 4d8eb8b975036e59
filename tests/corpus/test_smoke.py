"""The corpus checks themselves: a refused command passes them, an accepted one does not."""

from __future__ import annotations

import pytest

from tests.helpers.corpus import assert_refused, run_cli


def test_a_missing_campaign_is_refused(tmp_path):
    assert_refused(["run", str(tmp_path / "nope.yaml")], "campaign file not found", tmp_path)


def test_an_accepted_command_fails_the_check(tmp_path):
    code, out, _ = run_cli("--version")
    assert code == 0 and out.strip()
    with pytest.raises(AssertionError):
        assert_refused(["--version"], "", tmp_path)
