"""Run a campaign on this machine with jobflow into an on-disk store.

Finished configurations (a result that is not ``failed``) are found in the store
and left out, so rerunning a finished campaign computes nothing. Progress (which
configuration, which step, the NEB's fmax) is shown with rich.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from jobflow import run_locally
from rich.console import Console

from cudiss.analysis.documents import RemovalResult
from cudiss.workflows import progress
from cudiss.workflows.calculators import CalculatorSpec
from cudiss.workflows.campaign import Campaign, bulk_key, campaign_flow
from cudiss.workflows.checkpoint import CHECKPOINT_ENV
from cudiss.workflows.claims import Claims
from cudiss.workflows.store import (
    cached_bulk,
    finished_config_ids,
    open_job_store,
    results_in,
    run_root,
)


@contextmanager
def _checkpoints_under(folder: Path) -> Iterator[None]:
    """Checkpoints of this run's relaxations and NEBs go under ``folder``.

    Job folders are new on every run; the checkpoint folder is not, so an
    interrupted run, started again, resumes its steps
    (:mod:`cudiss.workflows.checkpoint`). A user's own ``CUDISS_CHECKPOINT_DIR``
    wins.
    """
    if CHECKPOINT_ENV in os.environ:
        yield
        return
    os.environ[CHECKPOINT_ENV] = str(folder)
    try:
        yield
    finally:
        os.environ.pop(CHECKPOINT_ENV, None)


@dataclass
class RunSummary:
    """What a local campaign run did (``failed_steps``: one line per configuration of
    this run whose result is ``failed``, with the failed step and its error)."""

    configurations: int
    skipped: int
    ran: int
    busy: int = 0
    failed_steps: list[str] = field(default_factory=list)
    results: list[RemovalResult] = field(default_factory=list)


class _JobflowWatcher(logging.Handler):
    """Shows the job jobflow is starting in the live status line."""

    _start = re.compile(r"Starting job - (.*) \(")

    def __init__(self, status, console: Console) -> None:
        super().__init__(logging.INFO)
        self.status = status
        self.console = console
        self.current = ""

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if match := self._start.search(message):
            self.current = match.group(1)
            if self.status is not None:
                self.status.update(f"[bold]{self.current}")


@contextmanager
def _watch_jobflow(console: Console, show_progress: bool) -> Iterator[_JobflowWatcher]:
    """Show jobflow's job messages and optimizer steps as a live status line."""
    logger = logging.getLogger("jobflow")
    status = console.status("starting", spinner="dots") if show_progress else None
    watcher = _JobflowWatcher(status, console)
    old_level, old_propagate = logger.level, logger.propagate
    logger.setLevel(logging.INFO)
    logger.propagate = False
    logger.addHandler(watcher)
    # Another library's logging.config (jobflow-remote's, say) may have
    # disabled jobflow's child loggers, which carry the job messages.
    children = [
        log
        for name, log in logging.root.manager.loggerDict.items()
        if name.startswith("jobflow.") and isinstance(log, logging.Logger)
    ]
    disabled = {log: log.disabled for log in children}
    for log in children:
        log.disabled = False

    def on_step(step: int, fmax: float) -> None:
        if status is not None:
            status.update(f"[bold]{watcher.current}[/bold]  step {step}  fmax {fmax:.3f} eV/Å")

    progress.set_listener(on_step)
    try:
        if status is not None:
            status.start()
        yield watcher
    finally:
        if status is not None:
            status.stop()
        progress.set_listener(None)
        logger.removeHandler(watcher)
        logger.setLevel(old_level)
        logger.propagate = old_propagate
        for log, was_disabled in disabled.items():
            log.disabled = was_disabled


def run_campaign(
    campaign: Campaign,
    store_location: str | Path,
    calculator: CalculatorSpec | None = None,
    console: Console | None = None,
    show_progress: bool = True,
) -> RunSummary:
    """Run every unfinished configuration of ``campaign`` locally.

    Configurations already in the store, or being computed by another run on
    the same store (see :mod:`cudiss.workflows.claims`), are skipped.

    Parameters
    ----------
    campaign
        A validated campaign.
    store_location
        Store folder (created if missing) or ``"jobflow"``.
    calculator
        Replaces the campaign's calculator (the CLI's ``--calculator``).
    console
        Where progress goes (default: stderr).
    show_progress
        Show a live status line.

    Returns
    -------
    RunSummary
        Counts, failures and the campaign's results as now stored.
    """
    console = console or Console(stderr=True)
    if calculator is not None:
        campaign = campaign.model_copy(update={"calculator": calculator})
    store = open_job_store(store_location, create=True)
    ids = {c.config_id(campaign.calculator) for c in campaign.configurations()}
    done = finished_config_ids(store) & ids
    root = run_root(store_location)
    root.mkdir(parents=True, exist_ok=True)
    claims = Claims(root / ".claims")
    try:
        busy = {key for key in sorted(ids - done) if not claims.claim(key)}
        todo = len(ids) - len(done) - len(busy)
        console.print(
            f"[bold]{campaign.name}[/bold]: {len(ids)} configurations, "
            f"{len(done)} already in the store, "
            + (f"{len(busy)} being run by another process, " if busy else "")
            + f"{todo} to run ({campaign.calculator.label()})"
        )
        if todo:
            flow = campaign_flow(
                campaign,
                skip=done | busy,
                bulk=cached_bulk(store, bulk_key(campaign)),
                store_root=str(Path(store_location).resolve()),
            )
            with (
                _watch_jobflow(console, show_progress),
                _checkpoints_under(root / "checkpoints"),
            ):
                run_locally(flow, store=store, create_folders=True, root_dir=root, log=False)
    finally:
        claims.release()

    results = [r for r in results_in(store) if r.config_id in ids]
    ran = ids - done - busy
    failures = [
        f"{r.facet}/{r.site_class}/{'+'.join(r.adsorbates) or 'bare'}: {r.error}"
        for r in results
        if r.config_id in ran and r.state == "failed"
    ]
    for line in failures:
        console.print(f"[red]failed[/red] {line}")
    return RunSummary(
        configurations=len(ids),
        skipped=len(done),
        ran=todo,
        busy=len(busy),
        failed_steps=failures,
        results=results,
    )
