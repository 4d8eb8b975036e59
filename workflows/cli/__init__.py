"""The ``cudiss`` command line.

:mod:`~cudiss.workflows.cli.app` holds the Typer :data:`app`; each group of
commands lives in its own module and registers itself on it:

* :mod:`~cudiss.workflows.cli.structures` -- ``cudiss build``, ``cudiss sites``;
* :mod:`~cudiss.workflows.cli.run` -- ``cudiss run`` (a campaign, locally);
* :mod:`~cudiss.workflows.cli.analysis` -- ``cudiss table``, ``cudiss plot`` (the
  mechanism kinds, ``--kind adsorption|surface|...`` and ``plot surface|landscape|span|co2er``,
  are built in :mod:`~cudiss.workflows.cli.mechanism`);
* :mod:`~cudiss.workflows.cli.hpc` -- ``cudiss hpc init|check``, ``cudiss submit``,
  ``cudiss status``.

Bad input raises :class:`cudiss.structures.errors.CudissInputError`;
:func:`main` turns it into one line on stderr and exit code 2.
"""

from __future__ import annotations

import os

# Before numpy/GPAW load: one BLAS/OpenMP thread per process. GPAW parallelises
# with MPI ranks, and threaded BLAS on top oversubscribes the cores (measured on
# 2 cores: 1.5 s instead of 0.8 s per SCF iteration). Set them to override.
for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import sys
import warnings

import typer

from cudiss.structures.errors import CudissInputError

# Imported for their side effect of adding commands to ``app``.
from cudiss.workflows.cli import analysis, hpc, run, structures  # noqa: F401

# The Typer object: as an attribute of this package it hides the module ``app``.
from cudiss.workflows.cli.app import app, fail

__all__ = ["app", "fail", "main"]


def main() -> None:
    """Entry point of the ``cudiss`` console script.

    Every error a user can cause ends as one ``error: ...`` line on stderr with
    exit code 2: our own input errors and click's usage errors alike (typer's
    boxed usage messages are several lines).
    """
    # Deprecation notices inside jobflow/jobflow-remote are for their developers,
    # not for someone running a campaign.
    warnings.filterwarnings("ignore", message=r"(cd|makedirs_p) is deprecated")
    try:
        code = app(standalone_mode=False)
    except CudissInputError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except typer.Abort:
        typer.echo("aborted", err=True)
        sys.exit(130)
    except Exception as exc:
        # click's exceptions (vendored inside typer) by their interface.
        if not (hasattr(exc, "format_message") and hasattr(exc, "exit_code")):
            raise
        ctx = getattr(exc, "ctx", None)
        if type(exc).__name__ == "NoArgsIsHelpError" and ctx is not None:
            typer.echo(ctx.get_help())
            sys.exit(0)
        message = " ".join(exc.format_message().split())
        command = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
        typer.echo(f"error: {message}{command}", err=True)
        sys.exit(exc.exit_code)
    sys.exit(code if isinstance(code, int) else 0)
