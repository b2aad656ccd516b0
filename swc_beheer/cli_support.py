"""What every CLI command needs: consoles, settings loading and the translation of expected errors.

Kept apart from sync/cli.py (which builds the app and registers every command module) so command modules
can import it without an import cycle.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import typer
from rich.console import Console

from config import Settings, SwcError, load_settings
from swc_beheer.i18n import DEFAULT_LANGUAGE, LANGUAGES, error_text, t

__all__ = [
    "announce_sandbox",
    "console",
    "err_console",
    "sandbox_remotes",
    "settings_from",
    "user_errors",
    "user_text",
]

console = Console()
err_console = Console(stderr=True)


@contextmanager
def user_errors(lang: str | None = None) -> Iterator[None]:
    """Turn an expected failure into `Error: message` (+ hint) on stderr and its exit code; no traceback.

    `lang`: the invocation's language (its settings' or its --lang); without it SWC_LANGUAGE, else Dutch.
    """
    from sqlalchemy import exc as sa_exc

    try:
        yield
    except sa_exc.OperationalError as exc:  # e.g. SQLite locked by a running sync: not a bug, say so
        from store.base import StoreError

        detail = str(exc.orig).strip().splitlines()[0]
        busy = StoreError(
            f"The database is unreachable or busy: {detail}",
            hint="if another swc-beheer is writing (a sync), try again when it has finished",
            key="error.store_busy",
            hint_key="hint.store_busy",
            params={"detail": detail},
        )
        if "locked" in detail:  # SQLite's busy timeout ran out behind another writer
            busy.exit_code = 4
        _report(busy, lang)
    except SwcError as exc:
        _report(exc, lang)


def _report(exc: SwcError, wanted: str | None) -> NoReturn:
    lang = _language(wanted)
    message, hint = user_text(exc, lang)
    err_console.print(f"[bold red]{t('error.label', lang)}:[/] {_plain(message)}", highlight=False)
    if hint:
        err_console.print(f"[yellow]{t('error.hint_label', lang)}:[/] {_plain(hint)}", highlight=False)
    logging.getLogger("swc").debug("cause", exc_info=exc.__cause__ or exc)
    raise typer.Exit(exc.exit_code) from None


def user_text(exc: SwcError, lang: str) -> tuple[str, str | None]:
    """The error's message and hint in `lang`: from the catalogue where it has the keys, else as raised."""
    return error_text(
        lang, key=exc.key, hint_key=exc.hint_key, params=exc.params, message=exc.message, hint=exc.hint
    )


def _language(wanted: str | None) -> str:
    """`wanted`, else SWC_LANGUAGE, else the default (a settings error comes before any settings exist)."""
    for candidate in (wanted, os.environ.get("SWC_LANGUAGE")):
        if candidate in LANGUAGES:
            return str(candidate)
    return DEFAULT_LANGUAGE


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


def sandbox_remotes(settings: Settings, remotes: tuple[str, ...] = ("catalogue", "github")) -> list[str]:
    """Which of `remotes` these settings point at the embedded sandbox."""
    sandboxed = {"catalogue": settings.catalogue.is_sandbox, "github": settings.github.is_sandbox}
    return [name for name in remotes if sandboxed[name]]


def announce_sandbox(
    settings: Settings, *, asked: bool, remotes: tuple[str, ...] = ("catalogue", "github")
) -> list[str]:
    """Say on stderr that the settings point `remotes` at the sandbox, unless `--sandbox` asked for it.

    Returns the remotes concerned (for a `--json` field). The sandbox is fine for a demo, but a production
    store must never be filled from it without anyone noticing.
    """
    from swc_beheer.i18n import t

    concerned = sandbox_remotes(settings, remotes)
    if concerned and not asked:
        lang = _language(settings.language)
        names = t("sandbox.and", lang).join(t(f"sandbox.remote.{name}", lang) for name in concerned)
        variables = ", ".join(f"SWC_{name.upper()}__BASE_URL" for name in concerned)
        err_console.print(
            "[bold yellow]" + _plain(t("sandbox.notice", lang, remotes=names, variables=variables)) + "[/]",
            highlight=False,
        )
    return concerned
