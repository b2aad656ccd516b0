"""CLI commands: reconcile, findings (list/accept/unaccept), reference (show/refresh)."""

from __future__ import annotations

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

FORMAT_HELP = "Report format: md, html, csv, xlsx or json (csv and xlsx need --out)."


@contextmanager
def _store(settings: Settings) -> Iterator[Any]:
    from swc_beheer.wiring import open_store_from

    store = open_store_from(settings, create=False)  # findings need a store a sync has filled
    try:
        yield store
    finally:
        store.close()


def _reconcile(ctx: typer.Context, fmt: str, out: Path | None, lang: str | None) -> None:
    from reports.findings import build_findings_report, state_from_run
    from swc_beheer.commands.report import check_options, emit_report
    from swc_beheer.interrupts import interruptible
    from swc_beheer.jobs import reconcile_once
    from swc_beheer.report_jobs import step_titles
    from swc_beheer.wiring import report_options

    # checked before the run: reconciling changes the findings' states
    chosen, language = check_options(fmt, out, lang)
    settings = settings_from(ctx)
    shown = language or settings.language
    with user_errors(shown), interruptible():
        result = reconcile_once(settings)
        report = build_findings_report(
            state_from_run(result), report_options(settings, lang=shown), step_titles(settings)
        )
        if out is not None:
            console.print(
                t("reconcile.written", shown, findings=len(result.findings), alerting=len(result.alerting),
                  path=out),
                markup=False,
            )  # fmt: skip
        emit_report(report, chosen, out, shown)


def _findings_table(rows: list[Any], lang: str) -> Table:
    from reports.findings import render_message, severity_word
    from reports.findings import t as finding_text

    columns = ("fingerprint", "step", "rule", "severity", "status", "message", "accepted")
    table = Table()
    for name in columns:  # fold, never cut: a fingerprint or message cut short is useless
        table.add_column(
            t(f"findings.col.{name}", lang), overflow="fold", min_width=12 if name == "fingerprint" else None
        )
    for item in rows:
        cells = (item.fingerprint[:12], item.step, item.rule, severity_word(item.severity, lang),
                 finding_text(lang, f"status.{item.status}"), render_message(item, lang),
                 item.accepted_reason or "")  # fmt: skip
        table.add_row(*(Text(cell) for cell in cells))  # Text: catalogue text is never rich markup
    return table


def _check_rules(rules: list[str], lang: str) -> None:
    """An unknown --rule is a usage error naming the valid rules (not an empty table)."""
    from reconcile import RULES

    unknown = sorted(set(rules) - set(RULES))
    if unknown:
        raise typer.BadParameter(
            t("findings.unknown_rule", lang, rules=", ".join(unknown), valid=", ".join(sorted(RULES))),
            param_hint="--rule",
        )


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
        _check_rules(rule, settings.language)
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
