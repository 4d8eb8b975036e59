"""Shared fixtures: a real EMT campaign run once per test session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# GPAW and OpenBLAS threads would overload a 2-core machine under MPI or pytest.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"


@pytest.fixture(scope="session")
def emt_campaign_store(tmp_path_factory) -> Path:
    """Store folder holding the shipped EMT example campaign (3 facets x 2 sites x 2 sets)."""
    from cudiss.workflows.campaign import load_campaign
    from cudiss.workflows.local import run_campaign

    store = tmp_path_factory.mktemp("emt") / "store"
    run_campaign(load_campaign(EXAMPLES / "emt_facets.yaml"), store, show_progress=False)
    return store


@pytest.fixture(scope="session")
def emt_campaign_results(emt_campaign_store):
    """The :class:`RemovalResult` documents of the EMT example campaign, read from the store."""
    from cudiss.workflows.store import open_results

    return open_results(emt_campaign_store)
