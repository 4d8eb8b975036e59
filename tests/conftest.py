"""Shared fixtures: hand-made results, a real EMT campaign run once per session, local SLURM.

Plain helper functions, paths and subprocess scripts live in tests/helpers/.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.helpers.documents import make_results
from tests.helpers.paths import EXAMPLES, SCRIPTS

# GPAW and OpenBLAS threads would overload a 2-core machine under MPI or pytest.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
# Relax/NEB checkpoints (cudiss.workflows.checkpoint) of the session go to a
# temporary folder, never to the user's cache; each test gets its own (below).
# Set, not defaulted: xdist workers inherit the controller's environment, and two
# workers running the same campaign must not resume from each other's checkpoints.
os.environ["CUDISS_CHECKPOINT_DIR"] = tempfile.mkdtemp(prefix="cudiss-checkpoints-")


_HEAVY = ("gpaw", "slurm", "mpi")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Modules with GPAW, MPI or SLURM tests first, each module's tests in their order.

    ``--dist loadfile`` hands modules out in collection order: a long GPAW module
    collected last ran alone on one worker at the end of CI while the other
    idled. Started first, the long modules overlap, and the quick ones fill the gaps.
    """

    def module(item: pytest.Item) -> str:
        return item.nodeid.split("::")[0]  # the file: loadfile's unit

    heavy = {module(item) for item in items if any(item.get_closest_marker(m) for m in _HEAVY)}
    items.sort(key=lambda item: module(item) not in heavy)


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

    folder = tmp_path_factory.mktemp("emt")
    store = folder / "store"
    # Session fixtures are set up before the function-scoped _own_checkpoints.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CUDISS_CHECKPOINT_DIR", str(folder / "checkpoints"))
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


@contextmanager
def _slurm_users_lock() -> Iterator[Path]:
    """Exclusive lock over the folder listing this test run's users of the local SLURM.

    Under xdist each worker has its own session: the folder (one per test run,
    shared by its workers) records who uses the cluster and whether this run
    started it, so the last user out stops it and no worker stops it under another.
    """
    run_id = os.environ.get("PYTEST_XDIST_TESTRUNUID", f"pid{os.getpid()}")
    folder = Path(tempfile.gettempdir()) / f"cudiss-slurm-users-{run_id}"
    folder.mkdir(exist_ok=True)
    with (folder / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield folder
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def local_slurm():
    """A running local SLURM (scripts/slurm-local.sh); yields its state directory.

    Shared by the tests of the queue path (``-m slurm``) and by the xdist
    workers of a run; stopped at the end by the last user only if this run
    started it.
    """
    me = f"user-{os.getpid()}"
    with _slurm_users_lock() as users:
        if _slurm_script("status").returncode != 0:
            (users / "started").touch()
        started = _slurm_script("start")
        assert started.returncode == 0, started.stderr
        (users / me).touch()
    state_dir = Path(started.stdout.strip().splitlines()[-1])
    old_conf = os.environ.get("SLURM_CONF")
    # also covers a machine whose /etc/slurm/slurm.conf is not ours
    os.environ["SLURM_CONF"] = str(state_dir / "slurm.conf")
    yield state_dir
    if old_conf is None:
        os.environ.pop("SLURM_CONF", None)
    else:
        os.environ["SLURM_CONF"] = old_conf
    with _slurm_users_lock() as users:
        (users / me).unlink()
        last = not any(users.glob("user-*"))
        if last and (users / "started").exists():  # a cluster someone else started stays
            (users / "started").unlink()
            stopped = _slurm_script("stop")
            assert stopped.returncode == 0, stopped.stderr
