"""Render a sync RunReport for people (a rich table plus notes) or machines (JSON)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from rich import box
from rich.console import Console, Group, RenderableType
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from swc_beheer.i18n import error_text, messages, t

if TYPE_CHECKING:
    from swc_beheer.jobs import MainJobReport
    from swc_beheer.journey_jobs import JourneyRunReport
    from sync.accounts_sync import AccountsReport
    from sync.catalogue_sync import ProgressCallback
    from sync.run_report import RunReport

__all__ = [
    "accounts_text",
    "completeness_text",
    "render_run_summary",
    "render_run_json",
    "render_main_summary",
    "render_journey_refresh",
    "live_progress",
]

_COLUMNS = ("listed", "new", "changed", "unchanged", "restored", "deleted", "skipped", "held_deletions")
_OPTIONAL = {"restored", "skipped", "held_deletions"}  # rows shown only when not all zero
_STYLE = {"success": "green", "partial": "yellow", "failed": "red", "interrupted": "red", "running": "cyan"}


def _number(value: int, lang: str) -> str:
    return f"{value:,}".replace(",", ".") if lang == "nl" else f"{value:,}"


def _table(report: RunReport, lang: str) -> Table:
    """One column per entity type, one row per counter (narrow enough for an 80-column terminal)."""
    mode = t(f"sync.mode.{report.mode}", lang)
    title = t("sync.title", lang, run_id=report.run_id, mode=mode)
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    table.add_column("", no_wrap=True)
    stats = list(report.stats.values())
    for entity in report.stats:
        table.add_column(t(f"sync.entity.{entity}", lang), justify="right")
    for column in _COLUMNS:
        values = [getattr(s, column) for s in stats]
        if column in _OPTIONAL and not any(values):
            continue
        key = "held" if column == "held_deletions" else column
        table.add_row(t(f"sync.col.{key}", lang), *(_number(v, lang) for v in values))
    complete = {True: "sync.yes", False: "sync.no", None: "sync.na"}
    table.add_row(t("sync.col.complete", lang), *(t(complete[s.complete], lang) for s in stats))
    return table


def _error(report: RunReport, lang: str) -> str:
    """The run's error in `lang` when it carries catalogue keys; as recorded (English) otherwise."""
    if report.error_key is None or report.error_key not in messages(lang):
        return report.error or ""
    message, hint = error_text(
        lang,
        key=report.error_key,
        hint_key=report.error_hint_key,
        params=report.error_params,
        message=report.error or "",
        hint=report.error_hint,
    )
    return f"{message} ({hint})" if hint else message


def _notes(report: RunReport, lang: str) -> list[RenderableType]:
    notes: list[RenderableType] = []
    if report.error:
        notes.append(Text(t("sync.error", lang, error=_error(report, lang)), style="red"))
    if report.held_total:
        notes.append(
            Text(t("sync.held", lang, count=report.held_total, brake=report.deletion_brake), style="yellow")
        )
    if report.incomplete:
        notes.append(Text(t("sync.incomplete", lang, entities=", ".join(report.incomplete)), style="yellow"))
    if report.rights_suspect:
        names = ", ".join(t(f"sync.entity.{name}", lang) for name in report.rights_suspect)
        notes.append(Text(t("sync.rights_suspect", lang, entities=names), style="yellow"))
    notes += _completeness(report, lang)
    if report.skipped_total:
        notes.append(Text(t("sync.skipped", lang, count=report.skipped_total), style="yellow"))
        for item in report.skipped[:10]:
            notes.append(
                Text(t("sync.skipped_item", lang, entity=item.entity_type, id=item.id, reason=item.reason))
            )
    return notes


def completeness_text(entity: str, report: RunReport, lang: str = "nl") -> str:
    """Why `entity`'s full listing was judged complete or not, in `lang` ("" when it was not judged)."""
    judgement = report.completeness.get(entity)
    if judgement is None:
        return ""
    values = dict(judgement.params)
    if "types" in values:
        names = str(judgement.params["types"]).split(", ")
        values["types"] = ", ".join(t(f"sync.entity.{n}", lang) for n in names)
    return t(f"completeness.{judgement.reason}", lang, **values)


def _completeness(report: RunReport, lang: str) -> list[RenderableType]:
    """One line per judged type: why its listing may (or may not) lead to deletions."""
    if not report.completeness:
        return []
    lines: list[RenderableType] = [Text(t("sync.completeness", lang))]
    ordered = [e for e in report.stats if e in report.completeness] or list(report.completeness)
    for entity in ordered:
        judgement = report.completeness[entity]
        reason = completeness_text(entity, report, lang)
        line = t("sync.completeness_item", lang, entity=t(f"sync.entity.{entity}", lang), reason=reason)
        lines.append(Text(line, style="" if judgement.complete else "yellow"))
    return lines


def render_run_summary(report: RunReport, lang: str = "nl") -> Group:
    """The summary table, the status line and notes on errors, held deletions and skipped records."""
    status = Text(
        t(
            "sync.status_line",
            lang,
            status=t(f"sync.status.{report.status}", lang),
            duration=report.duration,
            requests=report.requests,
            retries=report.retries,
        ),
        style=_STYLE.get(report.status, ""),
    )
    parts: list[RenderableType] = []
    if report.stats:
        parts.append(_table(report, lang))
    parts += [status, *_notes(report, lang)]
    if report.accounts is not None:
        accounts = report.accounts
        parts.append(Text(accounts_text(accounts, lang), style=_STYLE.get(accounts.status, "yellow")))
    parts.append(Text(t("sync.store", lang, location=report.store_location)))
    return Group(*parts)


def accounts_text(report: AccountsReport, lang: str = "nl") -> str:
    """One line on the accounts sync: what it counted, or why it was partial, failed or skipped."""
    if report.status == "success":
        values = {name: _number(getattr(report, name) or 0, lang) for name in _ACCOUNT_COUNTS}
        return t("accounts.summary", lang, **values)
    reason = t(f"accounts.reason.{report.reason}", lang, **report.params) if report.reason else ""
    line = t(f"accounts.{report.status}", lang, reason=reason or report.error or "")
    if report.status == "partial" and report.listed:
        values = {name: _number(getattr(report, name) or 0, lang) for name in _ACCOUNT_COUNTS}
        line += " " + t("accounts.summary", lang, **values)
    return line


_ACCOUNT_COUNTS = ("listed", "new", "changed", "deleted", "never_logged_in", "disabled", "without_contact")


def render_run_json(report: RunReport, *, sandbox: bool = False) -> str:
    """The report as indented JSON (what `swc-beheer sync --json` prints).

    `sandbox`: whether the data came from the embedded sandbox, so no machine mistakes it for the catalogue.
    """
    return json.dumps({**report.to_dict(), "sandbox": sandbox}, indent=2, ensure_ascii=False, default=str)


@contextmanager
def live_progress(
    console: Console, lang: str = "nl", *, enabled: bool = True
) -> Iterator[ProgressCallback | None]:
    """A rich progress bar per entity type; yields the callback for run_catalogue_sync (None if disabled)."""
    if not enabled:
        yield None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        tasks: dict[str, TaskID] = {}

        def update(entity: str, done: int, total: int | None) -> None:
            if entity not in tasks:
                name = t(f"sync.entity.{entity}", lang)
                tasks[entity] = progress.add_task(t("sync.progress", lang, entity=name), total=total)
            progress.update(tasks[entity], completed=done, total=total if total and total >= done else None)

        yield update


def render_journey_refresh(report: JourneyRunReport, lang: str = "nl") -> str:
    """One line: what a journey refresh fetched, what it cost, and how many steps changed."""
    refresh = report.refresh
    return t(
        "journey.refresh.summary",
        lang,
        keys=refresh.keys,
        requests=refresh.requests,
        points=refresh.rate_points_used,
        strategy=refresh.strategy,
        changes=len(refresh.changes),
        steps=len(report.step_changes),
    )


def render_main_summary(report: MainJobReport, lang: str = "nl") -> list[str]:
    """One line per later step of the main job: journey refresh, reconciliation, reports written."""
    lines: list[str] = []
    if report.journey is not None:
        lines.append(render_journey_refresh(report.journey, lang))
        progress = report.journey.board.progress
        lines.append(
            t(
                "run.journey_progress",
                lang,
                done=progress.done,
                total=progress.total,
                percent="-" if progress.percent is None else progress.percent,
            )
        )
    if report.journey_error:
        lines.append(t("run.journey_failed", lang, error=report.journey_error))
    if report.reports_error:
        lines.append(t("run.reports_failed", lang, error=report.reports_error))
    if report.reconcile is not None:
        rec = report.reconcile
        steps = ", ".join(f"{step}: {len(items)}" for step, items in rec.by_step().items())
        lines.append(
            t(
                "run.findings",
                lang,
                total=len(rec.findings),
                alerting=len(rec.alerting),
                new=rec.stats.new,
                resolved=rec.stats.resolved,
                steps=steps or "-",
            )
        )
    if report.reconcile_error:
        lines.append(t("run.reconcile_failed", lang, error=report.reconcile_error))
    for path in report.reports:
        lines.append(t("run.report_written", lang, path=path))
    return lines
