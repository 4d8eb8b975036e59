"""``cudiss`` run in this process, as the shell would run it (for monkeypatched stores)."""

from __future__ import annotations

import sys

import pytest


def run_main(monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    """Exit code of ``cudiss ARGS`` run through the CLI's ``main`` in this process."""
    from cudiss.workflows.cli import main

    monkeypatch.setattr(sys, "argv", ["cudiss", *args])
    with pytest.raises(SystemExit) as exc:
        main()
    return exc.value.code
