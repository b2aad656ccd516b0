"""CLI commands: digest (preview, send, outbox)."""

from __future__ import annotations

import sys

import typer
from rich.table import Table
from rich.text import Text

from swc_beheer.cli_support import console, settings_from, user_errors
from swc_beheer.i18n import t

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add the `digest` group to the root app."""
    digest = typer.Typer(
        help="Digests: what changed, delivered by e-mail, chat or file.", no_args_is_help=True
    )

    @digest.command("preview")
    def preview(
        ctx: typer.Context,
        channel: str | None = typer.Option(None, help="A channel name from SWC_DIGEST__CHANNELS."),
        fmt: str = typer.Option("text", "--format", help="Output format: text, html or md."),
    ) -> None:
        """Show the digest a channel would get now, without storing or sending it."""
        from swc_beheer.digest_job import preview_digest

        if fmt not in ("text", "html", "md"):
            raise typer.BadParameter("expected text, html or md", param_hint="--format")
        settings = settings_from(ctx)
        with user_errors(settings.language):
            body = preview_digest(settings, channel, fmt)  # type: ignore[arg-type]
        sys.stdout.write(body)

    @digest.command("send")
    def send(
        ctx: typer.Context,
        dry_run: bool = typer.Option(
            False, "--dry-run", help="Show what would be composed and sent; do nothing."
        ),
    ) -> None:
        """Compose the digests due now into the outbox and deliver what is due; exit 3 if one failed."""
        from swc_beheer.digest_job import plan_digest, run_digest
        from swc_beheer.interrupts import interruptible

        settings = settings_from(ctx)
        lang = settings.language
        with user_errors(lang), interruptible():
            if dry_run:
                for channel, action in plan_digest(settings):
                    console.print(Text(f"{channel}: {action}"))
                return
            report = run_digest(settings)
        console.print(
            t("digest.sent", lang, composed=len(report.composed), delivered=len(report.delivered),
              retrying=len(report.retrying), failed=len(report.failed)),
            markup=False,
        )  # fmt: skip
        for entry, why in report.retrying + report.failed:
            console.print(Text(f"{entry.channel} {entry.idempotency_key}: {why}"))
        raise typer.Exit(3 if report.failed else 0)

    @digest.command("outbox")
    def outbox(
        ctx: typer.Context,
        all_rows: bool = typer.Option(False, "--all", help="Also list delivered digests."),
    ) -> None:
        """List the digests that are pending or failed, and why."""
        from swc_beheer.digest_job import list_outbox

        settings = settings_from(ctx)
        lang = settings.language
        with user_errors(lang):
            rows = list_outbox(settings, all_rows=all_rows)
        columns = ("channel", "period", "status", "attempts", "next_attempt", "error", "message_id")
        table = Table(*(t(f"digest.col.{name}", lang) for name in columns))
        for e in rows:
            period = f"{e.period_start:%Y-%m-%d} – {e.period_end:%Y-%m-%d}"
            cells = (e.channel, period, e.status, str(e.attempts),
                     e.next_attempt.isoformat(timespec="minutes") if e.status == "pending" else "",
                     e.last_error or "", e.message_id)  # fmt: skip
            table.add_row(*(Text(cell) for cell in cells))
        console.print(table if rows else t("digest.outbox_empty", lang), markup=False)

    app.add_typer(digest, name="digest")
