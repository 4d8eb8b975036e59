"""The ``cudiss`` command line.

Each group of commands lives in its own module and registers itself on
:data:`app`. Bad input raises :class:`cudiss.structures.errors.CudissInputError`;
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
from importlib.metadata import version

import typer

from cudiss.structures.errors import CudissInputError

app = typer.Typer(
    name="cudiss",
    help="DFT workflows for Cu dissolution: build slabs, run GPAW/EMT NEBs, tabulate barriers.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"cudiss {version('cudiss')}")
        raise typer.Exit()


@app.callback()
def _root(
    version_: bool = typer.Option(
        False, "--version", callback=_version_callback, is_eager=True, help="Show the version."
    ),
) -> None:
    """DFT workflows for Cu dissolution under CO2 electroreduction."""


def fail(message: str) -> typer.Exit:
    """Print one error line to stderr and return the exit (code 2) to raise."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code=2)


def _register_commands() -> None:
    # Imported for their side effect of adding commands to ``app``.
    from cudiss.workflows import (  # noqa: F401
        cli_analysis,
        cli_hpc,
        cli_run,
        cli_structures,
    )


def main() -> None:
    """Entry point of the ``cudiss`` console script.

    Every error a user can cause ends as one ``error: ...`` line on stderr with
    exit code 2: our own input errors and click's usage errors alike (typer's
    boxed usage messages are several lines).
    """
    # Deprecation notices inside jobflow/jobflow-remote are for their developers,
    # not for someone running a campaign.
    warnings.filterwarnings("ignore", message=r"(cd|makedirs_p) is deprecated")
    _register_commands()
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


if __name__ == "__main__":
    # Run as ``python -m cudiss.workflows.cli``: this file is then ``__main__``,
    # and the command modules register on the importable module's ``app``.
    from cudiss.workflows.cli import main as _main

    _main()
