"""CLI commands: report findings | usage | users | concepts."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from config.i18n import Lang
from config.settings import ReportFormat
from swc_beheer.cli_support import console, settings_from, user_errors
from swc_beheer.i18n import t

if TYPE_CHECKING:
    from reports.model import Report
    from swc_beheer.report_jobs import ReportName

__all__ = ["check_options", "emit_report", "register"]

FORMATS: dict[str, ReportFormat] = {"md": "md", "html": "html", "xlsx": "xlsx", "csv": "csv", "json": "json"}
LANGS: dict[str, Lang] = {"nl": "nl", "en": "en"}
FORMAT_HELP = "Format: md, html, xlsx, csv or json (xlsx and csv need --out)."
OUT_HELP = "Write into this directory (stable name, plus a dated copy in DIR/archive)."
LANG_HELP = "Report language: nl or en (default: SWC_LANGUAGE)."


def check_options(fmt: str, out: Path | None, lang: str | None) -> tuple[ReportFormat, Lang | None]:
    """Refuse a bad --format/--lang, or a binary/multi-file format without --out, before any work."""
    chosen = FORMATS.get(fmt)
    if chosen is None:
        raise typer.BadParameter(f"expected one of {', '.join(FORMATS)}", param_hint="--format")
    language = LANGS.get(lang) if lang is not None else None
    if lang is not None and language is None:
        raise typer.BadParameter("expected nl or en", param_hint="--lang")
    if chosen in ("xlsx", "csv") and out is None:
        raise typer.BadParameter(f"--format {fmt} writes files; pass --out DIR", param_hint="--out")
    return chosen, language


def emit_report(report: Report, fmt: ReportFormat, out: Path | None, lang: str) -> None:
    """Write the report into `out` (and say where), or print it (md, html, json)."""
    from reports.files import render_files, write_report_files

    if out is not None:
        for path in write_report_files(report, out, [fmt]):
            console.print(t("report.written", lang, path=path), markup=False, highlight=False)
        return
    (content,) = render_files(report, fmt).values()
    if fmt == "md":
        console.print(content, markup=False, highlight=False)
    else:
        sys.stdout.write(str(content))


def _as_of(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            "expected a date (2026-06-30) or an ISO timestamp", param_hint="--as-of"
        ) from None
    if moment.tzinfo is None:  # a date means the end of that day, UTC
        moment = moment.replace(tzinfo=UTC)
        if len(value) == 10:
            moment = moment.replace(hour=23, minute=59, second=59)
    return moment


def _run(
    ctx: typer.Context,
    name: ReportName,
    fmt: str,
    out: Path | None,
    lang: str | None,
    as_of: str | None = None,
) -> None:
    from swc_beheer.report_jobs import build_report

    chosen, language = check_options(fmt, out, lang)
    moment = _as_of(as_of)
    settings = settings_from(ctx)
    shown = language or settings.language
    with user_errors(shown):
        report = build_report(settings, name, lang=shown, as_of=moment)
        emit_report(report, chosen, out, shown)


def register(app: typer.Typer) -> None:
    """Add `report findings|usage|users|concepts` to the root app."""
    group = typer.Typer(
        help="Reports for the functioneel beheerder: findings, usage, users, concept packages.",
        no_args_is_help=True,
    )

    @group.command("findings")
    def findings_command(
        ctx: typer.Context,
        fmt: str = typer.Option("html", "--format", help=FORMAT_HELP),
        out: Path | None = typer.Option(None, "--out", help=OUT_HELP),
        lang: str | None = typer.Option(None, "--lang", help=LANG_HELP),
    ) -> None:
        """The stored findings by journey step, with what the newest reconciliation changed (no new run)."""
        _run(ctx, "findings", fmt, out, lang)

    @group.command("usage")
    def usage_command(
        ctx: typer.Context,
        fmt: str = typer.Option("html", "--format", help=FORMAT_HELP),
        out: Path | None = typer.Option(None, "--out", help=OUT_HELP),
        lang: str | None = typer.Option(None, "--lang", help=LANG_HELP),
        as_of: str | None = typer.Option(
            None,
            "--as-of",
            help="The catalogue as the store knew it then: a date (end of that day, UTC) or ISO time.",
        ),
    ) -> None:
        """Usage of the catalogue (step 3.2): coverage, organisations, suppliers, packages, growth."""
        _run(ctx, "usage", fmt, out, lang, as_of)

    @group.command("users")
    def users_command(
        ctx: typer.Context,
        fmt: str = typer.Option("html", "--format", help=FORMAT_HELP),
        out: Path | None = typer.Option(None, "--out", help=OUT_HELP),
        lang: str | None = typer.Option(None, "--lang", help=LANG_HELP),
    ) -> None:
        """User overview (step 3.3); names and e-mails masked unless SWC_REPORTS__SHOW_PERSONAL_DATA."""
        _run(ctx, "users", fmt, out, lang)

    @group.command("concepts")
    def concepts_command(
        ctx: typer.Context,
        fmt: str = typer.Option("html", "--format", help=FORMAT_HELP),
        out: Path | None = typer.Option(None, "--out", help=OUT_HELP),
        lang: str | None = typer.Option(None, "--lang", help=LANG_HELP),
    ) -> None:
        """Concept packages (step 3.1): registering organisation, age, most likely duplicate (score)."""
        _run(ctx, "concepts", fmt, out, lang)

    app.add_typer(group, name="report")
