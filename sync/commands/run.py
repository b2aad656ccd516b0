"""CLI commands: run (the main job)."""

from __future__ import annotations

import asyncio

import typer

from sync.cli import console, err_console, settings_from, user_errors

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add `run` to the root app."""

    @app.command("run")
    def run_command(
        ctx: typer.Context,
        sandbox: bool = typer.Option(
            False, "--sandbox", help="Use the embedded sandbox catalogue, whatever the settings say."
        ),
    ) -> None:
        """Run the main job once: a full catalogue sync, then print where the database is.

        Exit codes as `swc-beheer sync`.
        """
        from sync.catalogue_sync import sync_catalogue
        from sync.i18n import t
        from sync.reports.run_summary import live_progress, render_run_summary

        settings = settings_from(ctx)
        with user_errors(), live_progress(err_console, settings.language) as progress:
            report = asyncio.run(
                sync_catalogue(settings, mode="full", sandbox=True if sandbox else None, progress=progress)
            )
        console.print(render_run_summary(report, settings.language))
        console.print(t("run.done", settings.language, location=report.store_location), highlight=False)
        raise typer.Exit(report.exit_code)
