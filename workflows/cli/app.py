"""The ``cudiss`` Typer application: the root command, ``--version`` and :func:`fail`.

Every command module of this package adds its commands to :data:`app` and
imports nothing else from the CLI; :mod:`cudiss.workflows.cli` imports them all
and runs :data:`app` in :func:`cudiss.workflows.cli.main`.

The package re-exports :data:`app` under the same name as this module, so
``cudiss.workflows.cli.app`` is the Typer object; import this module's names
with ``from cudiss.workflows.cli.app import ...``.
"""

from __future__ import annotations

from importlib.metadata import version

import typer

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
