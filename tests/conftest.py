"""Shared fixtures: hand-made results, a real EMT campaign run once per session, local SLURM.

Plain helper functions, paths and subprocess scripts live in tests/helpers/.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from tests.helpers.documents import make_results
from tests.helpers.paths import EXAMPLES, SCRIPTS

# GPAW and OpenBLAS threads would overload a 2-core machine under MPI or pytest.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
# Relax/NEB checkpoints (cudiss.workflows.checkpoint) of the session go to a
# temporary folder, never to the user's cache; each test gets its own (below).
os.environ.setdefault("CUDISS_CHECKPOINT_DIR", tempfile.mkdtemp(prefix="cudiss-checkpoints-"))


@pytest.fixture(autouse=True)
def _own_checkpoints(tmp_path, monkeypatch):
    """A test resumes only from its own checkpoints, never from another test's."""
    monkeypatch.setenv("CUDISS_CHECKPOINT_DIR", str(tmp_path / "checkpoints"))


@pytest.fixture
def toy_results():
    """Three hand-made RemovalResults (tests/helpers/documents.py): ok, failed, OH-bound."""
    return make_results()


@pytest.fixture(params=[0o022, 0o077], ids=["umask022", "umask077"])
def umask(request):
    """Run the test under a usual (022) and a private (077) umask; yields the umask.

    The process umask is global, so it is restored afterwards: later tests
    must see the one the session started with.
    """
    old = os.umask(request.param)
    yield request.param
    os.umask(old)


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


def _slurm_script(action: str):
    import subprocess

    return subprocess.run(
        ["bash", str(SCRIPTS / "slurm-local.sh"), action],
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="session")
def local_slurm():
    """A running local SLURM (scripts/slurm-local.sh); yields its state directory.

    Shared by the tests of the queue path (``-m slurm``); stops the cluster at
    the end only if this session started it.
    """
    was_running = _slurm_script("status").returncode == 0
    started = _slurm_script("start")
    assert started.returncode == 0, started.stderr
    state_dir = Path(started.stdout.strip().splitlines()[-1])
    old_conf = os.environ.get("SLURM_CONF")
    # also covers a machine whose /etc/slurm/slurm.conf is not ours
    os.environ["SLURM_CONF"] = str(state_dir / "slurm.conf")
    yield state_dir
    if old_conf is None:
        os.environ.pop("SLURM_CONF", None)
    else:
        os.environ["SLURM_CONF"] = old_conf
    if not was_running:  # leave a cluster someone else started alone
        stopped = _slurm_script("stop")
        assert stopped.returncode == 0, stopped.stderr
