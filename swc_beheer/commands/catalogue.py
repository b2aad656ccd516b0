"""CLI commands: catalogue (`swc-beheer sync`)."""

from __future__ import annotations

import typer

from swc_beheer.cli_support import announce_sandbox, console, err_console, settings_from, user_errors

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add `sync` to the root app."""

    @app.command("sync")
    def sync_command(
        ctx: typer.Context,
        full: bool = typer.Option(
            True,
            "--full/--incremental",
            help="Full: list everything and detect deletions (default). Incremental: only what changed since "
            "the last run's watermark; never deletes.",
        ),
        confirm_deletions: bool = typer.Option(
            False, "--confirm-deletions", help="Apply deletions the deletion brake held (full runs)."
        ),
        as_json: bool = typer.Option(
            False, "--json", help="Print the run report as JSON instead of a table."
        ),
        sandbox: bool = typer.Option(
            False, "--sandbox", help="Sync from the embedded sandbox catalogue, whatever the settings say."
        ),
    ) -> None:
        """Sync the catalogue into the database once and show what changed.

        Exit code 0: success; 3: partial (records skipped, deletions held or a listing incomplete);
        1: failed (nothing saved); 2: bad settings; 4: another sync is running.
        """
        from swc_beheer.interrupts import run_interruptibly
        from swc_beheer.jobs import sync_catalogue
        from swc_beheer.summary import live_progress, render_run_json, render_run_summary

        settings = settings_from(ctx)
        on_sandbox = sandbox or bool(announce_sandbox(settings, asked=sandbox, remotes=("catalogue",)))
        with (
            user_errors(settings.language),
            live_progress(err_console, settings.language, enabled=not as_json) as progress,
        ):
            report = run_interruptibly(
                sync_catalogue(
                    settings,
                    mode="full" if full else "incremental",
                    confirm_deletions=confirm_deletions,
                    sandbox=True if sandbox else None,
                    progress=progress,
                )
            )
        if as_json:
            console.print_json(render_run_json(report, sandbox=on_sandbox))
        else:
            console.print(render_run_summary(report, settings.language))
        raise typer.Exit(report.exit_code)
