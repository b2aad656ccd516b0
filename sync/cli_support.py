"""What every CLI command needs: consoles, settings loading and the translation of expected errors.

Kept apart from sync/cli.py (which builds the app and registers every command module) so command modules
can import it without an import cycle.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import typer
from rich.console import Console

from config import Settings, SwcError, load_settings

__all__ = ["console", "err_console", "settings_from", "user_errors"]

console = Console()
err_console = Console(stderr=True)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn an expected failure into `Error: message` (+ hint) on stderr and its exit code; no traceback."""
    from sqlalchemy import exc as sa_exc

    try:
        yield
    except sa_exc.OperationalError as exc:  # e.g. SQLite locked by a running sync: not a bug, say so
        from sync.store.base import StoreError

        busy = StoreError(
            f"The database is unreachable or busy: {str(exc.orig).strip().splitlines()[0]}",
            hint="if another swc-beheer is writing (a sync), try again when it has finished",
        )
        _report(busy)
    except SwcError as exc:
        _report(exc)


def _report(exc: SwcError) -> NoReturn:
    err_console.print(f"[bold red]Error:[/] {_plain(exc.message)}", highlight=False)
    if exc.hint:
        err_console.print(f"[yellow]Hint:[/] {_plain(exc.hint)}", highlight=False)
    logging.getLogger("swc").debug("cause", exc_info=exc.__cause__ or exc)
    raise typer.Exit(exc.exit_code) from None


def _plain(text: str) -> str:
    """Messages may quote catalogue text or paths with [brackets]: never let rich read them as markup."""
    return text.replace("[", r"\[")


def settings_from(ctx: typer.Context, **overrides: object) -> Settings:
    """Load settings once per invocation (in the command, so `--help` works without configuration)."""
    obj = ctx.ensure_object(dict)
    if "settings" not in obj:
        with user_errors():
            obj["settings"] = load_settings(**overrides)
    settings: Settings = obj["settings"]
    return settings
