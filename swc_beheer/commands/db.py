"""CLI commands: db (schema upgrade and location)."""

from __future__ import annotations

import typer

from swc_beheer.cli_support import console, settings_from, user_errors

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add the `db` group to the root app."""
    db = typer.Typer(help="The local database.", no_args_is_help=True)

    @db.command("upgrade")
    def upgrade(ctx: typer.Context) -> None:
        """Apply pending schema migrations to the configured store."""
        from swc_beheer.i18n import t
        from swc_beheer.wiring import open_store_from

        settings = settings_from(ctx)
        with user_errors(settings.language):
            store = open_store_from(settings)
        console.print(t("db.up_to_date", settings.language, location=store.location), markup=False)

    app.add_typer(db, name="db")
