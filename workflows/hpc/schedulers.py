"""Scheduler IO for the workers cudiss writes: a shell worker that survives any Job name.

jobflow-remote gives the Job's name to qtoolkit's script template as
``job_name`` (spaces turned into ``_``: ``jobflow_remote.remote.queue.set_name_out``).
SLURM and PBS read it from a ``#SBATCH``/``#PBS`` comment line (PBS's IO
replaces odd characters itself), but qtoolkit's *shell* template runs it:
``echo $${job_name}``. cudiss names its Jobs ``Cu(100) adatom bare: relax
initial``, so every Job of a shell worker died at ``syntax error near
unexpected token '('`` before ``jf execution run`` started, and its state only
said that ``jfremote_out.json`` was missing.

:class:`QuotedShellIO` is qtoolkit's ``ShellIO`` with the name and the output
paths quoted for the shell; projects name it by import path as their
``scheduler_type`` (:func:`shell_scheduler`), which jobflow-remote accepts
for any ``BaseSchedulerIO`` subclass.

Batch workers meet the same template a second way: jobflow-remote 1.0.1 writes
the script of every Job a batch allocation runs with a fresh qtoolkit
``ShellIO`` (``QueueManager.get_shell_manager``), whatever the worker's
scheduler, and the batch process runs it with ``bash submit.sh``.
:func:`quote_batch_job_names` makes that shell IO a :class:`QuotedShellIO`.
It runs when this module is imported, and batch workers name
:class:`BatchSlurmIO` or :class:`BatchPBSIO` (qtoolkit's SLURM and PBS IO,
unchanged) as their scheduler by import path (:func:`batch_scheduler`): every
process that loads such a project -- ``cudiss submit``, ``jf runner start``'s
runner -- decodes that class, imports this module and so writes quoted scripts.
"""

from __future__ import annotations

import shlex
from typing import Any, Literal

from qtoolkit.io.pbs import PBSIO
from qtoolkit.io.shell import ShellIO
from qtoolkit.io.slurm import SlurmIO


class QuotedShellIO(ShellIO):
    """qtoolkit's ``ShellIO``, with the values the script template runs quoted.

    Examples
    --------
    >>> script = QuotedShellIO().get_submission_script(["true"], {"job_name": "Cu(100) a: b"})
    >>> "echo 'Cu(100) a: b'" in script
    True
    """

    def sanitize_options(self, options: dict) -> dict:
        """Quote ``job_name`` and the stdout/stderr paths for the shell."""
        options = dict(super().sanitize_options(options))
        for key in ("job_name", "qout_path", "qerr_path"):
            if options.get(key) is not None:
                options[key] = shlex.quote(str(options[key]))
        return options


def shell_scheduler() -> dict[str, Any]:
    """``scheduler_type`` of a shell worker: :class:`QuotedShellIO` by its import path.

    Returns
    -------
    dict
        ``{"@module": ..., "@class": "QuotedShellIO", ...}`` (monty's
        serialisation, which jobflow-remote decodes when it builds the worker).
    """
    return QuotedShellIO().as_dict()


class BatchSlurmIO(SlurmIO):
    """qtoolkit's ``SlurmIO`` under a name that imports this module (batch workers).

    A batch worker whose ``scheduler_type`` names this class makes every
    process that loads the project import :mod:`cudiss.workflows.hpc.schedulers`,
    which applies :func:`quote_batch_job_names`. Its SLURM scripts are
    qtoolkit's own.
    """


class BatchPBSIO(PBSIO):
    """qtoolkit's ``PBSIO`` under a name that imports this module (see :class:`BatchSlurmIO`)."""


_BATCH_IO = {"slurm": BatchSlurmIO, "pbs": BatchPBSIO}


def batch_scheduler(scheduler: Literal["slurm", "pbs"]) -> dict[str, Any]:
    """``scheduler_type`` of a batch worker: :class:`BatchSlurmIO` or :class:`BatchPBSIO`.

    Parameters
    ----------
    scheduler : {"slurm", "pbs"}
        The cluster's queue system.

    Returns
    -------
    dict
        monty's serialisation of the class, which jobflow-remote decodes.
    """
    return _BATCH_IO[scheduler]().as_dict()


def quote_batch_job_names() -> None:
    """Have jobflow-remote write batch Jobs' scripts with :class:`QuotedShellIO`.

    jobflow-remote 1.0.1 builds the script each Job of a batch allocation runs
    from ``QueueManager.get_shell_manager()``: qtoolkit's plain ``ShellIO``,
    whose template runs ``echo Cu(100)_adatom_bare:_relax_initial`` -- a bash
    syntax error, so the Job never starts. This replaces that method by one
    returning the same manager around :class:`QuotedShellIO`. Idempotent;
    nothing else of jobflow-remote changes.
    """
    from jobflow_remote.remote.queue import QueueManager

    if getattr(QueueManager.get_shell_manager, "cudiss_quoted", False):
        return

    def get_shell_manager(self: QueueManager) -> QueueManager:
        return QueueManager(
            scheduler_io=QuotedShellIO(), host=self.host, timeout_exec=self.timeout_exec
        )

    get_shell_manager.cudiss_quoted = True  # type: ignore[attr-defined]
    QueueManager.get_shell_manager = get_shell_manager  # type: ignore[method-assign]


quote_batch_job_names()
