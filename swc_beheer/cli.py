"""The `swc-beheer` console script: a Typer app whose commands are thin wrappers over library functions.

Each area registers its commands from its own module in `swc_beheer/commands/` so the areas stay apart.
"""

from __future__ import annotations

import logging
import sys

import typer

from swc_beheer.cli_support import console, err_console, settings_from, user_errors
from swc_beheer.exit_codes import EXIT_CODES_HELP

__all__ = ["app", "main", "settings_from", "user_errors", "console", "err_console"]


app = typer.Typer(
    name="swc-beheer",
    help="Functioneel beheer of the GEMMA Softwarecatalogus: sync, journey status, reconciliation, daemon.",
    epilog=EXIT_CODES_HELP,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _root(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log debug details to stderr."),
) -> None:
    """swc-beheer: the functional managers' daily instrument for the GEMMA Softwarecatalogus."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


def _register_all() -> None:
    from swc_beheer.commands import catalogue, db, digest, journey, reconcile, report, run, sandbox

    for module in (catalogue, db, digest, journey, reconcile, report, run, sandbox):
        module.register(app)


_register_all()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
