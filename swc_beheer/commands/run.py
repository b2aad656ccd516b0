"""CLI commands: run (the main job) and serve (the daemon)."""

from __future__ import annotations

import signal
import threading
from pathlib import Path

import typer

from swc_beheer.cli_support import announce_sandbox, console, err_console, settings_from, user_errors

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add `run` and `serve` to the root app."""

    @app.command("run")
    def run_command(
        ctx: typer.Context,
        sandbox: bool = typer.Option(
            False,
            "--sandbox",
            help="Use the embedded sandbox catalogue and GitHub, whatever the settings say.",
        ),
        reports: Path | None = typer.Option(
            None,
            "--reports",
            help="Where to write the board and findings (default: SWC_REPORTS_DIR, else 'reports' beside a "
            "SQLite database, else ./reports).",
        ),
    ) -> None:
        """Run the main job once: full catalogue sync, journey issue refresh, reconciliation, reports.

        Exit codes as `swc-beheer sync`; 3 also when the journey refresh, reconciliation or a report failed
        after the sync saved its data.
        """
        from swc_beheer.i18n import t
        from swc_beheer.interrupts import run_interruptibly
        from swc_beheer.jobs import run_main_job, sandbox_settings
        from swc_beheer.summary import live_progress, render_main_summary, render_run_summary

        settings = settings_from(ctx)
        announce_sandbox(settings, asked=sandbox)
        if sandbox:
            settings = sandbox_settings(settings)
        lang = settings.language
        with user_errors(lang), live_progress(err_console, lang) as progress:
            report = run_interruptibly(
                run_main_job(settings, progress=progress, report_dir=reports, lang=lang)
            )
        console.print(render_run_summary(report.sync, lang))
        for line in render_main_summary(report, lang):
            console.print(line, highlight=False, markup=False)
        console.print(t("run.done", lang, location=report.sync.store_location), highlight=False, markup=False)
        raise typer.Exit(report.exit_code)

    @app.command("serve")
    def serve_command(ctx: typer.Context) -> None:
        """Run the daemon: scheduled sync, journey refresh and reconciliation, with /healthz and /status.

        Schedules are cron expressions (SWC_SCHEDULE__*, Europe/Amsterdam); SWC_SYNC__FULL_EVERY sets how
        often a sync is full; SWC_DAEMON__* the health endpoint, which also serves /metrics (Prometheus).
        Stops cleanly on Ctrl-C or SIGTERM (a running sync finishes its transaction first).
        """
        from swc_beheer.daemon import build_daemon

        settings = settings_from(ctx)
        announce_sandbox(settings, asked=False)
        stop = threading.Event()
        with user_errors(settings.language):
            daemon = build_daemon(settings)
            try:
                daemon.start()
            except OSError as exc:
                from config import ConfigError

                raise ConfigError(
                    f"cannot listen on {settings.daemon.host}:{settings.daemon.port} ({exc.strerror})",
                    hint="set SWC_DAEMON__PORT to a free port",
                ) from exc
        err_console.print(
            f"swc-beheer serve: health on http://{daemon.host}:{daemon.port}/healthz", highlight=False
        )
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        stop.wait()
        daemon.stop()
