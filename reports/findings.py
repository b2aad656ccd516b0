"""Render a ReconcileReport grouped by journey step: Markdown, HTML, CSV, XLSX or JSON, in nl or en.

User-facing text comes from messages/{nl,en}.json. HTML is rendered with Jinja2 autoescape; CSV and XLSX
cells that a spreadsheet would read as a formula are prefixed with a quote.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any, Literal

import jinja2
from openpyxl import Workbook

from config.errors import SwcError
from config.i18n import LANGUAGES, MessageCatalogue
from reconcile.engine import ReconcileReport
from reconcile.lifecycle import StoredFinding
from reports.cells import visible_controls

__all__ = [
    "FORMATS",
    "Format",
    "Language",
    "messages",
    "t",
    "render_message",
    "render_report",
    "write_report",
    "safe_cell",
    "TABLE_COLUMNS",
]

Format = Literal["md", "html", "csv", "xlsx", "json"]
Language = Literal["nl", "en"]
FORMATS: tuple[Format, ...] = ("md", "html", "csv", "xlsx", "json")
TABLE_COLUMNS = (
    "step", "rule", "severity", "status", "accepted", "subject", "message", "first_seen", "last_seen",
    "fingerprint", "evidence",
)  # fmt: skip
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


_CATALOGUE = MessageCatalogue("reconcile")


def messages(lang: str) -> Mapping[str, str]:
    """The message catalogue of a language (nl, en); SwcError for another."""
    if lang not in LANGUAGES:
        raise SwcError(f"No reconcile messages for language {lang!r}", hint="use --lang nl or --lang en")
    return _CATALOGUE.messages(lang)


def t(lang: str, key: str, **params: Any) -> str:
    """The message `key` in `lang` with `params` filled in (None shown as ?); the key if unknown."""
    messages(lang)  # an unsupported language is the user's error, not a silent fallback
    return _CATALOGUE.t(key, lang, **{k: ("?" if v is None else v) for k, v in params.items()})


def _merge_params(lang: str, params: Mapping[str, Any]) -> dict[str, Any]:
    missing = set(params.get("successor_missing") or [])
    names = [
        f"{s['name']} ({s['code']}{', ' + t(lang, 'successor_missing') if s['code'] in missing else ''})"
        for s in params.get("successors") or []
    ]
    return {
        "verdict_text": t(lang, f"verdict.{params.get('verdict')}"),
        "successor_text": ", ".join(names) or "?",
        "moves_text": t(lang, "moves", **(params.get("moves") or {})),
    }


def render_message(item: StoredFinding, lang: str) -> str:
    """The finding's message in `lang`, built from its stored params."""
    params: dict[str, Any] = dict(item.params)
    if item.rule == "municipality_merged":
        params.update(_merge_params(lang, item.params))
    elif item.rule == "duplicate_organisation":
        why = [t(lang, f"why.{k}", **params) for k in ("kvk", "cbs_code", "score") if k in params]
        params["why"] = ", ".join(why)
    elif item.rule == "cooperation_member_inactive":
        params["reason"] = t(lang, f"reason.{params.get('reason')}")
    elif item.rule in ("user_of_deleted_organisation", "dangling_reference"):
        params["state_text"] = t(lang, f"reason.{params.get('state')}")
        params["subject_id"] = item.subject.split(":")[1] if ":" in item.subject else item.subject
    return t(lang, f"rule.{item.rule}", **params)


def safe_cell(value: Any) -> Any:
    """Neutralise spreadsheet formulas: text starting with = + - @ tab or CR gets a leading quote; control
    characters are shown as control pictures (reports.cells: XLSX cannot hold them)."""
    value = visible_controls(value)
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _evidence_text(item: StoredFinding) -> str:
    parts = [e.get("url") or f"{e.get('kind')}:{e.get('id')}" for e in item.evidence]
    return " ".join(str(p) for p in parts)


def _row(item: StoredFinding, lang: str) -> dict[str, Any]:
    return {
        "step": item.step,
        "rule": item.rule,
        "severity": t(lang, f"severity.{item.severity}"),
        "status": t(lang, f"status.{item.status}"),
        "accepted": item.accepted_reason or "",
        "subject": item.subject,
        "message": render_message(item, lang),
        "first_seen": item.first_seen.isoformat(timespec="seconds"),
        "last_seen": item.last_seen.isoformat(timespec="seconds"),
        "fingerprint": item.fingerprint,
        "evidence": _evidence_text(item),
    }


def _rows(report: ReconcileReport, lang: str) -> list[dict[str, Any]]:
    return [_row(item, lang) for group in report.by_step().values() for item in group]


def _csv(report: ReconcileReport, lang: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([t(lang, f"column.{c}") for c in TABLE_COLUMNS])
    for row in _rows(report, lang):
        writer.writerow([safe_cell(row[c]) for c in TABLE_COLUMNS])
    return out.getvalue()


def _xlsx(report: ReconcileReport, lang: str) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "findings"
    sheet.append([t(lang, f"column.{c}") for c in TABLE_COLUMNS])
    for row in _rows(report, lang):
        sheet.append([safe_cell(row[c]) for c in TABLE_COLUMNS])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # never a formula, whatever the text
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _json(report: ReconcileReport, lang: str) -> str:
    findings = [
        {**_row(item, lang), "severity": item.severity, "status": item.status, "params": item.params,
         "evidence": item.evidence, "evidence_total": item.evidence_total, "alerting": item.alerting,
         "accepted": item.accepted, "accepted_reason": item.accepted_reason}
        for group in report.by_step().values() for item in group
    ]  # fmt: skip
    doc = {
        "run_id": report.run_id,
        "started_at": report.started_at.isoformat(),
        "rules": report.rules,
        "stats": {
            "total": report.stats.total,
            "new": report.stats.new,
            "reopened": report.stats.reopened,
            "resolved": report.stats.resolved,
            "alerting": len(report.alerting),
        },  # fmt: skip
        "findings": findings,
        "resolved": [f.fingerprint for f in report.resolved],
    }
    return json.dumps(doc, ensure_ascii=False, indent=2, default=str)


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|#!])")


def _md_escape(value: Any) -> str:
    """Catalogue text inside Markdown: no markup, no HTML, no line breaks."""
    return _MD_SPECIAL.sub(r"\\\1", re.sub(r"\s+", " ", str(value)))


@cache
def _environment(autoescape: bool) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("reports", "templates"),
        autoescape=autoescape,
        finalize=visible_controls,  # HTML and Markdown show control characters (reports.cells)
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = _md_escape
    return env


def _template_context(report: ReconcileReport, lang: str) -> dict[str, Any]:
    def tr(key: str, **params: Any) -> str:
        return t(lang, key, **params)

    groups = [
        (step, tr(f"step.{step}"), [(item, render_message(item, lang)) for item in items])
        for step, items in report.by_step().items()
    ]
    summary = tr(
        "summary", total=report.stats.total, new=report.stats.new, reopened=report.stats.reopened,
        resolved=report.stats.resolved, alerting=len(report.alerting),
    )  # fmt: skip
    generated = tr("generated", when=report.started_at.isoformat(timespec="seconds"), run=report.run_id)
    return {"t": tr, "lang": lang, "groups": groups, "summary": summary, "generated": generated}


def render_report(report: ReconcileReport, fmt: Format = "md", lang: Language = "nl") -> str | bytes:
    """The report as text (md, html, csv, json) or bytes (xlsx)."""
    if fmt == "md":
        return _environment(False).get_template("report.md.j2").render(**_template_context(report, lang))
    if fmt == "html":
        return _environment(True).get_template("report.html.j2").render(**_template_context(report, lang))
    if fmt == "csv":
        return _csv(report, lang)
    if fmt == "xlsx":
        return _xlsx(report, lang)
    if fmt == "json":
        return _json(report, lang)
    raise SwcError(f"Unknown report format {fmt!r}", hint=f"use one of {', '.join(FORMATS)}")


def write_report(report: ReconcileReport, out_dir: Path, fmt: Format = "md", lang: Language = "nl") -> Path:
    """Write the report to `out_dir/reconcile-<run>-<lang>.<fmt>` and return the path."""
    from reports.files import write_output

    content = render_report(report, fmt, lang)
    return write_output(out_dir / f"reconcile-{report.run_id}-{lang}.{fmt}", content)
