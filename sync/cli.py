"""The `swc-beheer` console script: a Typer app whose commands are thin wrappers over library functions.

Each area registers its commands from its own module in `sync/commands/` so the areas stay apart.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console

from config import Settings, SwcError, load_settings

__all__ = ["app", "main", "settings_from", "user_errors", "console", "err_console"]

console = Console()
err_console = Console(stderr=True)

app = typer.Typer(
    name="swc-beheer",
    help="Functioneel beheer of the GEMMA Softwarecatalogus: sync, journey status, reconciliation, digests.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn an expected failure into `Error: message` (+ hint) on stderr and its exit code; no traceback."""
    try:
        yield
    except SwcError as exc:
        err_console.print(f"[bold red]Error:[/] {exc.message}", highlight=False, markup=True)
        if exc.hint:
            err_console.print(f"[yellow]Hint:[/] {exc.hint}", highlight=False)
        logging.getLogger("swc").debug("cause", exc_info=exc.__cause__)
        raise typer.Exit(exc.exit_code) from None


def settings_from(ctx: typer.Context, **overrides: object) -> Settings:
    """Load settings once per invocation (in the command, so `--help` works without configuration)."""
    obj = ctx.ensure_object(dict)
    if "settings" not in obj:
        with user_errors():
            obj["settings"] = load_settings(**overrides)
    settings: Settings = obj["settings"]
    return settings


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
    from sync.commands import catalogue, db, journey, reconcile, run, sandbox

    for module in (catalogue, db, journey, reconcile, run, sandbox):
        module.register(app)


_register_all()


def main() -> None:
    app()
