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
"""

from __future__ import annotations

import shlex
from typing import Any

from qtoolkit.io.shell import ShellIO


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
