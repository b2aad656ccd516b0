"""CLI commands: run (the main job) and serve (the daemon)."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer

from config import Settings
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
            "SQLite database, else ./swc-reports).",
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
        settings = settings_from(ctx)
        with _daemon_logging(settings):
            _serve(settings)


def _serve(settings: Settings) -> None:
    """Start the daemon and run it until SIGINT or SIGTERM; stop lets a running job finish first."""
    from swc_beheer.daemon import build_daemon

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

    def on_signal(signum: int, _frame: object) -> None:
        logging.getLogger("swc.daemon").info("%s received: stopping", signal.Signals(signum).name)
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, on_signal)
    stop.wait()
    daemon.stop()
    logging.getLogger("swc.daemon").info("daemon stopped")


@contextmanager
def _daemon_logging(settings: Settings) -> Iterator[None]:
    """The daemon logs at INFO (DEBUG with --verbose), as JSON lines or text (SWC_DAEMON__LOG_FORMAT).

    In JSON mode every stderr line must be a JSON object, so the sandbox notice becomes a log record too.
    """
    from swc_beheer.cli_support import sandbox_remotes
    from swc_beheer.logs import daemon_logging
    from swc_beheer.wiring import secret_values

    level = min(logging.getLogger().level or logging.WARNING, logging.INFO)
    with daemon_logging(settings.daemon.log_format, level=level, secrets=secret_values(settings)) as as_json:
        if not as_json:
            announce_sandbox(settings, asked=False)
        for remote in sandbox_remotes(settings) if as_json else ():
            logging.getLogger("swc.daemon").warning(
                "SWC_%s__BASE_URL points at the embedded sandbox: this daemon is not syncing real data",
                remote.upper(),
            )
        yield
