"""CLI command: `journey publish [--dry-run]`, the journey board as one GitHub issue (opt-in)."""

from __future__ import annotations

import typer

from swc_beheer.cli_support import announce_sandbox, console, settings_from, user_errors
from swc_beheer.i18n import t

__all__ = ["register_publish"]


def register_publish(journey_app: typer.Typer) -> None:
    """Add `publish` to the journey command group."""

    @journey_app.command("publish")
    def publish_command(
        ctx: typer.Context,
        dry_run: bool = typer.Option(False, "--dry-run", help="Print the Markdown; fetch and write nothing."),
    ) -> None:
        """Publish the journey board as a GitHub issue: created once, then edited in place when it changed."""
        from swc_beheer.interrupts import run_interruptibly
        from swc_beheer.journey_jobs import run_publish  # PyGithub and the store load only when publishing

        settings = settings_from(ctx)
        if not dry_run:
            announce_sandbox(settings, asked=False, remotes=("github",))
        with user_errors(settings.language):
            report = run_interruptibly(run_publish(settings, dry_run=dry_run))
        if report.action == "dry_run":
            console.print(report.body, markup=False, highlight=False)
            return
        console.print(
            t(
                f"journey.publish.{report.action}",
                settings.language,
                number=report.number,
                url=report.url,
                chars=report.chars,
            ),
            markup=False,
            highlight=False,
        )
