"""What every CLI command needs: consoles, settings loading and the translation of expected errors.

Kept apart from sync/cli.py (which builds the app and registers every command module) so command modules
can import it without an import cycle.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console

from config import Settings, SwcError, load_settings

__all__ = ["console", "err_console", "settings_from", "user_errors"]

console = Console()
err_console = Console(stderr=True)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn an expected failure into `Error: message` (+ hint) on stderr and its exit code; no traceback."""
    try:
        yield
    except SwcError as exc:
        err_console.print(f"[bold red]Error:[/] {_plain(exc.message)}", highlight=False)
        if exc.hint:
            err_console.print(f"[yellow]Hint:[/] {_plain(exc.hint)}", highlight=False)
        logging.getLogger("swc").debug("cause", exc_info=exc.__cause__)
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
