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

    @db.command("status")
    def status(ctx: typer.Context) -> None:
        """Show where the store is and its last catalogue sync; never creates a store (exit 2 if none)."""
        from swc_beheer.i18n import t
        from swc_beheer.jobs import store_status

        settings = settings_from(ctx)
        lang = settings.language
        with user_errors(lang):
            location, last, full_done = store_status(settings)
        console.print(t("db.location", lang, location=location), markup=False)
        if last is None:
            console.print(t("db.no_runs", lang), markup=False)
        else:
            console.print(
                t("db.last_run", lang, run_id=last.run_id, mode=t(f"sync.mode.{last.mode}", lang),
                  status=t(f"sync.status.{last.status}", lang), finished=last.finished or "-"),
                markup=False,
            )  # fmt: skip
        console.print(t("db.full_done" if full_done else "db.full_missing", lang), markup=False)

    app.add_typer(db, name="db")
