"""CLI commands: db (schema upgrade and location)."""

from __future__ import annotations

import typer

from sync.cli_support import console, settings_from, user_errors

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add the `db` group to the root app."""
    db = typer.Typer(help="The local database.", no_args_is_help=True)

    @db.command("upgrade")
    def upgrade(ctx: typer.Context) -> None:
        """Apply pending schema migrations to the configured store."""
        from sync.i18n import t
        from sync.store import open_store

        settings = settings_from(ctx)
        with user_errors(settings.language):
            store = open_store(settings.store.url)
        console.print(t("db.up_to_date", settings.language, location=store.location), markup=False)

    app.add_typer(db, name="db")
