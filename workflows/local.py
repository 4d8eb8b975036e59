"""Run a campaign on this machine with jobflow into an on-disk store.

Finished configurations (a result that is not ``failed``), and with a
``mechanism:`` section finished gas references and adsorptions, are found in
the store and left out, so rerunning a finished campaign computes nothing. Progress (which
configuration k of N, which step, the NEB's fmax, the time left) is a live
rich status line in a terminal and one line per finished step otherwise (batch
jobs, nohup, pipes).
"""

from __future__ import annotations

import logging
import os
import re
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from jobflow import run_locally
from rich.console import Console
from rich.markup import escape

from cudiss.analysis.documents import RemovalResult
from cudiss.workflows import progress
from cudiss.workflows.calculators import CalculatorSpec
from cudiss.workflows.campaign import Campaign, bulk_key, campaign_flow
from cudiss.workflows.checkpoint import CHECKPOINT_ENV, checkpoint_root
from cudiss.workflows.claims import Claims
from cudiss.workflows.failures import StepFailure, stored_failure
from cudiss.workflows.mechanism_settings import gas_maker, mechanism_ids
from cudiss.workflows.mechanism_store import (
    adsorption_results_in,
    finished_mechanism_ids,
    gas_results_in,
)
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
    this run whose result is ``failed``, with the failed step and its error).

    ``configurations``, ``skipped``, ``ran`` and ``busy`` count every result of
    the campaign: removal configurations, and with a ``mechanism:`` section also
    the ``gases`` gas references and ``adsorptions`` adsorbate x facet results.
    ``results`` holds the removal results only."""

    configurations: int
    skipped: int
    ran: int
    busy: int = 0
    failed_steps: list[str] = field(default_factory=list)
    results: list[RemovalResult] = field(default_factory=list)
    gases: int = 0
    adsorptions: int = 0


class RunInterrupted(KeyboardInterrupt):
    """Ctrl-C during a run, with what was kept (still a :class:`KeyboardInterrupt`).

    Attributes
    ----------
    finished
        Configurations this run finished (their results are in the store).
    in_store
        Configurations of the campaign in the store now, out of ``total``.
    total
        Configurations of the campaign.
    checkpoints
        The interrupted relaxation or NEB continues from its last step on the
        next run (checkpoints are on).
    """

    def __init__(self, finished: int, in_store: int, total: int, checkpoints: bool) -> None:
        super().__init__()
        self.finished = finished
        self.in_store = in_store
        self.total = total
        self.checkpoints = checkpoints

    def describe(self, store: str) -> str:
        """One line: what was kept where, and what a rerun does."""
        plural = "s" if self.finished != 1 else ""
        resume = (
            "the interrupted relaxation or NEB resumes from its last step (checkpoint)"
            if self.checkpoints
            else "the interrupted step starts over (checkpoints are off)"
        )
        return (
            f"interrupted: {self.finished} configuration{plural} finished in this run "
            f"({self.in_store} of {self.total} are in the store {store}); {resume}"
        )


class _JobflowWatcher(logging.Handler):
    """Follows jobflow's job messages: live status line, or one line per finished step.

    ``Starting job - NAME (uuid)`` and ``Finished job - NAME (uuid)`` are the
    only messages read; failures are data (:mod:`cudiss.workflows.failures`),
    not log lines.
    """

    _start = re.compile(r"Starting job - (.*) \(([^,()\s]+)(?:, \d+)?\)$")
    _finish = re.compile(r"Finished job - (.*) \(([^,()\s]+)(?:, \d+)?\)$")

    def __init__(
        self,
        status,
        console: Console,
        run_progress: progress.RunProgress | None = None,
        lines: bool = False,
        failure_of: Callable[[str], StepFailure | None] | None = None,
    ) -> None:
        super().__init__(logging.INFO)
        self.failure_of = failure_of
        self.status = status
        self.console = console
        self.run_progress = run_progress
        self.lines = lines
        self.current = ""

    def update(self, detail: str = "") -> None:
        """Refresh the live status line (if there is one)."""
        if self.status is None:
            return
        if self.run_progress is not None:
            self.status.update(escape(self.run_progress.status(detail)))
        else:
            self.status.update(f"[bold]{escape(self.current)}[/bold]  {detail}")

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if match := self._start.search(message):
            self.current = match.group(1)
            if self.run_progress is not None:
                self.run_progress.started(match.group(2), match.group(1))
            self.update()
        elif (match := self._finish.search(message)) and self.run_progress is not None:
            uuid = match.group(2)
            failure = self.failure_of(uuid) if self.failure_of is not None else None
            line = self.run_progress.finished(uuid, match.group(1), failure)
            if self.lines:
                # Plain text, not rich: rich ends the process (SystemExit) on a broken pipe.
                try:
                    print(line, file=self.console.file, flush=True)
                except OSError:  # the reader went away (`| head`, a closed log): keep computing
                    self.lines = False
            self.update()


@contextmanager
def _watch_jobflow(
    console: Console,
    show_progress: bool,
    run_progress: progress.RunProgress | None = None,
    failure_of: Callable[[str], StepFailure | None] | None = None,
) -> Iterator[_JobflowWatcher]:
    """Show jobflow's jobs and optimizer steps.

    In a terminal: a live status line (the step running, k of N, fmax, time
    left). Otherwise (batch job, nohup, a pipe): one line per finished step;
    ``failure_of(uuid)`` (the job's stored failure, if any) makes a failed
    step's line say so.
    """
    logger = logging.getLogger("jobflow")
    live = show_progress and console.is_terminal
    status = console.status("starting", spinner="dots") if live else None
    watcher = _JobflowWatcher(
        status,
        console,
        run_progress,
        lines=show_progress and not console.is_terminal,
        failure_of=failure_of,
    )
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

    def on_step(step: int, fmax: float, target: float | None) -> None:
        if run_progress is not None:
            run_progress.observe(step, fmax, target)
        watcher.update(f"step {step}  fmax {fmax:.3f} eV/Å")

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


@contextmanager
def _quiet_jobflow() -> Iterator[None]:
    """No "Some jobs are not connected" warning: independent configurations are not a fault."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Some jobs are not connected")
        yield


def _jobs_in_order(flow):
    with _quiet_jobflow():
        return list(flow.iterflow())


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
        Show progress on ``console``: in a terminal a live status line (the
        step running, configuration k of N, fmax, time left), otherwise one
        line per finished step.

    Raises
    ------
    RunInterrupted
        Ctrl-C (a :class:`KeyboardInterrupt`): finished configurations are in
        the store, claims are released, and running the campaign again
        continues where this run stopped.

    Returns
    -------
    RunSummary
        Counts, failures and the campaign's results as now stored.
    """
    console = console or Console(stderr=True)
    if calculator is not None:
        campaign = campaign.model_copy(update={"calculator": calculator})
    # a sweep refuses a calculator that cannot hold a potential before the store exists
    labels = ", ".join(c.label() for c in campaign.calculators())
    store = open_job_store(store_location, create=True)
    for note in campaign.notes():
        console.print(f"[yellow]note[/yellow] {escape(note)}")
    gas_ids, adsorption_ids = mechanism_ids(campaign)
    ids = campaign.job_ids()
    vibrations = campaign.mechanism is not None and campaign.mechanism.vibrations
    done = (finished_config_ids(store, vibrations) | finished_mechanism_ids(store)) & ids
    root = run_root(store_location)
    root.mkdir(parents=True, exist_ok=True)
    claims = Claims(root / ".claims")
    try:
        busy = {key for key in sorted(ids - done) if not claims.claim(key)}
        todo = len(ids) - len(done) - len(busy)
        extra = (
            f" + {len(gas_ids)} gas references + {len(adsorption_ids)} adsorptions"
            if campaign.mechanism is not None
            else ""
        )
        console.print(
            f"[bold]{campaign.name}[/bold]: {len(ids) - len(gas_ids) - len(adsorption_ids)} "
            f"configurations{extra}, "
            f"{len(done)} already in the store, "
            + (f"{len(busy)} being run by another process, " if busy else "")
            + f"{todo} to run ({labels})"
        )
        if todo:
            flow = campaign_flow(
                campaign,
                skip=done | busy,
                bulk=cached_bulk(store, bulk_key(campaign)),
                store_root=str(Path(store_location).resolve()),
            )
            run_progress = progress.RunProgress(
                [(job.uuid, job.name) for job, _ in _jobs_in_order(flow)],
                [
                    c.label(calc)
                    for c, calc in campaign.runs()
                    if c.config_id(calc) not in done | busy
                ]
                + _mechanism_labels(campaign, gas_ids, adsorption_ids, done | busy),
                neb_images=campaign.neb.n_images,
            )
            # cudiss run puts checkpoints under the store unless the user said otherwise
            checkpoints = CHECKPOINT_ENV not in os.environ or checkpoint_root() is not None
            try:
                with (
                    _watch_jobflow(
                        console,
                        show_progress,
                        run_progress,
                        lambda uuid: stored_failure(store, uuid),
                    ),
                    _checkpoints_under(root / "checkpoints"),
                ):
                    with _quiet_jobflow():
                        run_locally(
                            flow, store=store, create_folders=True, root_dir=root, log=False
                        )
            except KeyboardInterrupt:
                finished = finished_config_ids(store, vibrations)
                in_store = (finished | finished_mechanism_ids(store)) & ids
                raise RunInterrupted(
                    len(in_store - done), len(in_store), len(ids), checkpoints
                ) from None
    finally:
        claims.release()

    results = [r for r in results_in(store) if r.config_id in ids]
    ran = ids - done - busy
    failures = [
        f"{r.facet}/{r.site_class}/{'+'.join(r.adsorbates) or 'bare'}: {r.error}"
        for r in results
        if r.config_id in ran and r.state == "failed"
    ]
    failures += [
        f"gas {g.name}: {g.error}"
        for g in gas_results_in(store, load_data=False)
        if g.gas_id in ran and g.state == "failed"
    ]
    failures += [
        f"{a.facet}/+{a.adsorbate}: {a.error}"
        for a in adsorption_results_in(store, load_data=False)
        if a.adsorption_id in ran and a.state == "failed"
    ]
    for line in failures:
        console.print(f"[red]failed[/red] {escape(line)}")
    return RunSummary(
        configurations=len(ids),
        skipped=len(done),
        ran=todo,
        busy=len(busy),
        failed_steps=failures,
        results=results,
        gases=len(gas_ids),
        adsorptions=len(adsorption_ids),
    )


def _mechanism_labels(campaign: Campaign, gas_ids, adsorption_ids, skipped: set[str]) -> list:
    """Progress labels of the gas and adsorption flows still to run (job-name prefixes)."""
    if campaign.mechanism is None:
        return []
    maker = gas_maker(campaign)
    labels = [maker.label(name) for key, name in gas_ids.items() if key not in skipped]
    return labels + [c.label() for key, c in adsorption_ids.items() if key not in skipped]
