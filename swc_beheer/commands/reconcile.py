"""CLI commands: reconcile, findings (list/accept/unaccept), reference (show/refresh)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer
from rich.table import Table
from rich.text import Text

from config import Settings
from swc_beheer.cli_support import console, settings_from, user_errors
from swc_beheer.i18n import t

__all__ = ["register"]

FORMAT_HELP = "Report format: md, html, csv, xlsx or json."


@contextmanager
def _store(settings: Settings) -> Iterator[Any]:
    from swc_beheer.wiring import open_store_from

    store = open_store_from(settings, create=False)  # findings need a store a sync has filled
    try:
        yield store
    finally:
        store.close()


def _emit(content: str | bytes, fmt: str) -> None:
    if isinstance(content, bytes):
        raise typer.BadParameter(f"--format {fmt} is binary; pass --out DIR", param_hint="--out")
    if fmt == "md":
        console.print(content, markup=False, highlight=False)
    else:
        sys.stdout.write(content)


def _reconcile(ctx: typer.Context, fmt: str, out: Path | None, lang: str | None) -> None:
    from reports.findings import FORMATS, render_report, write_report
    from swc_beheer.interrupts import interruptible
    from swc_beheer.jobs import reconcile_once

    if fmt not in FORMATS:
        raise typer.BadParameter(f"expected one of {', '.join(FORMATS)}", param_hint="--format")
    if lang not in (None, "nl", "en"):
        raise typer.BadParameter("expected nl or en", param_hint="--lang")
    if fmt == "xlsx" and out is None:  # before the run: reconciling changes the findings' states
        raise typer.BadParameter("--format xlsx is binary; pass --out DIR", param_hint="--out")
    settings = settings_from(ctx)
    language = lang or settings.language
    with user_errors(language), interruptible():
        report = reconcile_once(settings)
        if out is not None:
            path = write_report(report, out, fmt, language)  # type: ignore[arg-type]
            console.print(
                t("reconcile.written", language, findings=len(report.findings),
                  alerting=len(report.alerting), path=path),
                markup=False,
            )  # fmt: skip
            return
        _emit(render_report(report, fmt, language), fmt)  # type: ignore[arg-type]


def _findings_table(rows: list[Any], lang: str) -> Table:
    columns = ("fingerprint", "step", "rule", "severity", "status", "accepted", "subject")
    table = Table(*(t(f"findings.col.{name}", lang) for name in columns))
    for item in rows:
        cells = (item.fingerprint[:12], item.step, item.rule, item.severity, item.status,
                 item.accepted_reason or "", item.subject)  # fmt: skip
        table.add_row(*(Text(cell) for cell in cells))  # Text: catalogue text is never rich markup
    return table


def _register_findings(app: typer.Typer) -> None:
    findings = typer.Typer(help="Reconciliation findings and their lifecycle.", no_args_is_help=True)

    @findings.command("list")
    def list_command(
        ctx: typer.Context,
        all_: bool = typer.Option(False, "--all", help="Include resolved findings."),
        rule: list[str] = typer.Option([], "--rule", help="Only this rule (repeatable)."),
    ) -> None:
        """List stored findings (new and open by default)."""
        from reconcile import list_findings

        settings = settings_from(ctx)
        statuses = ("new", "open", "resolved") if all_ else ("new", "open")
        with user_errors(settings.language), _store(settings) as store, store.transaction() as session:
            rows = list_findings(session, statuses=statuses, rules=rule or None)
        console.print(_findings_table(rows, settings.language))

    @findings.command("accept")
    def accept_command(
        ctx: typer.Context,
        fingerprint: str = typer.Argument(..., help="Fingerprint (or a unique prefix of 6+ characters)."),
        reason: str = typer.Option(..., "--reason", help="Why this finding is acceptable."),
    ) -> None:
        """Accept a finding: it stays visible in reports but no longer alerts."""
        from reconcile import accept_finding

        settings = settings_from(ctx)
        with user_errors(settings.language), _store(settings) as store, store.transaction() as session:
            item = accept_finding(session, fingerprint, reason, datetime.now(UTC))
        console.print(
            t("findings.accepted", settings.language, fingerprint=item.fingerprint[:12], rule=item.rule,
              subject=item.subject),
            markup=False,
        )  # fmt: skip

    @findings.command("unaccept")
    def unaccept_command(
        ctx: typer.Context,
        fingerprint: str = typer.Argument(..., help="Fingerprint (or a unique prefix of 6+ characters)."),
    ) -> None:
        """Withdraw the acceptance of a finding: it alerts again while open."""
        from reconcile import unaccept_finding

        settings = settings_from(ctx)
        with user_errors(settings.language), _store(settings) as store, store.transaction() as session:
            item = unaccept_finding(session, fingerprint)
        console.print(
            t("findings.unaccepted", settings.language, fingerprint=item.fingerprint[:12], rule=item.rule,
              subject=item.subject),
            markup=False,
        )  # fmt: skip

    app.add_typer(findings, name="findings")


def _municipality_table(muni: Any, register: Any, lang: str) -> Table:
    table = Table(show_header=False, title=f"{muni.code} {muni.name}")
    successors = ", ".join(f"{m.code} {m.name}" for m in register.successors(muni.code))
    for field, value in (
        ("code", muni.code), ("name", muni.name), ("official_name", muni.official_name), ("kind", muni.kind),
        ("province", muni.province), ("begin", muni.begin), ("end", muni.end),
        ("ended_via", muni.ended_via), ("successors", successors), ("kvk", muni.kvk), ("oin", muni.oin),
        ("tooi", muni.tooi_uri), ("register", register.source),
    ):  # fmt: skip
        table.add_row(t(f"reference.field.{field}", lang), Text("" if value is None else str(value)))
    return table


def _register_reference(app: typer.Typer) -> None:
    reference = typer.Typer(help="The official municipality register.", no_args_is_help=True)

    @reference.command("show")
    def show_command(
        ctx: typer.Context,
        code: str = typer.Argument(..., help="GM0363, 363, col01 or a name such as 'Den Bosch'."),
    ) -> None:
        """Print one register record (with successors) by code or name."""
        from reconcile.register import Register, RegisterError

        settings = settings_from(ctx)
        with user_errors(settings.language):
            register = Register.load(settings.reconcile.reference_dir)
            muni = register.by_code(code) or next(iter(register.by_name(code)), None)
            if muni is None:
                raise RegisterError(f"No municipality {code!r} in the register ({register.source})")
        console.print(_municipality_table(muni, register, settings.language))

    @reference.command("refresh")
    def refresh_command(
        ctx: typer.Context,
        source_dir: Path | None = typer.Option(
            None, "--source-dir", help="Directory holding the register files."
        ),
        url: str | None = typer.Option(
            None, "--url", help="Base URL of the register files (default: setting)."
        ),
        tooi: str | None = typer.Option(
            None,
            "--tooi",
            help="TOOI 'Register gemeenten compleet' JSON-LD file or URL, or 'latest' (the newest version "
            "in SWC_RECONCILE__TOOI_URL): rebuilds gemeenten and herindelingen from it, keeping OIN, KvK, "
            "openbare lichamen and aliases.",
        ),
    ) -> None:
        """Fetch, validate and atomically install a newer register; on failure the current one stays."""
        from reconcile.register_refresh import refresh_register

        settings = settings_from(ctx)
        url = url or (None if source_dir or tooi else settings.reconcile.reference_url)
        with user_errors(settings.language):
            result = refresh_register(
                settings.reconcile.reference_dir,
                source_dir=source_dir,
                url=url,
                tooi=tooi,
                tooi_repository=settings.reconcile.tooi_url,
            )
        console.print(
            t("reference.refreshed", settings.language, directory=result.directory,
              active=result.active_count, added=", ".join(result.added) or "-",
              ended=", ".join(result.ended) or "-", renamed=len(result.renamed)),
            markup=False,
        )  # fmt: skip

    app.add_typer(reference, name="reference")


def register(app: typer.Typer) -> None:
    """Add `reconcile`, `findings` and `reference` to the root app."""

    @app.command("reconcile")
    def reconcile_command(
        ctx: typer.Context,
        fmt: str = typer.Option("md", "--format", help=FORMAT_HELP),
        out: Path | None = typer.Option(None, "--out", help="Write the report into this directory."),
        lang: str | None = typer.Option(None, "--lang", help="Report language: nl or en (default: setting)."),
    ) -> None:
        """Check the stored catalogue against the rules and the register; report findings by journey step."""
        _reconcile(ctx, fmt, out, lang)

    _register_findings(app)
    _register_reference(app)
