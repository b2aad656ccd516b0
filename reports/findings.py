"""The findings report: a summary first (steps x severity, new and resolved since the previous run, a chart),
then one table per journey step titled as the journey document (and the board) titles it, evidence by name
linking to the object in the catalogue's web interface.

Finding messages come from reconcile/messages (the rules' own catalogue); report labels from
reports/messages. `load_findings_state` reads through reconcile's public functions.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from config.errors import SwcError
from config.i18n import LANGUAGES, MessageCatalogue
from journey.models import Journey
from reconcile import ReconcileReport, StoredFinding, list_findings
from reports.common import ObjectLinks, ReportOptions, labels
from reports.common import t as label
from reports.files import write_report_files
from reports.model import (
    FORMATS,
    Cell,
    Chart,
    Column,
    Figure,
    Format,
    KeyFigure,
    Language,
    Link,
    Paragraph,
    Report,
    Section,
    Series,
    Table,
)
from reports.render import safe_cell
from store.base import Store
from store.report_reads import reconcile_runs

__all__ = [
    "FORMATS",
    "FindingsState",
    "Format",
    "Language",
    "StepTitles",
    "build_findings_report",
    "journey_step_titles",
    "load_findings_state",
    "messages",
    "render_message",
    "safe_cell",
    "severity_word",
    "state_from_run",
    "t",
    "write_findings_report",
]

SEVERITIES = ("error", "warning", "info")
_CATALOGUE = MessageCatalogue("reconcile")


def messages(lang: str) -> Mapping[str, str]:
    """The rules' message catalogue of a language (nl, en); SwcError for another."""
    if lang not in LANGUAGES:
        raise SwcError(f"No reconcile messages for language {lang!r}", hint="use --lang nl or --lang en")
    return _CATALOGUE.messages(lang)


def t(lang: str, key: str, **params: Any) -> str:
    """The rule message `key` in `lang` with `params` filled in (None shown as ?)."""
    messages(lang)  # an unsupported language is the user's error, not a silent fallback
    return _CATALOGUE.t(key, lang, **{k: ("?" if v is None else v) for k, v in params.items()})


def severity_word(severity: str, lang: str) -> str:
    """ "fout" / "error": the severity in the user's language."""
    return t(lang, f"severity.{severity}")


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
    return t(lang, f"rule.{item.rule}", **_no_uuids(params, lang))


_MUNICIPALITY_CODE = re.compile(r"^GM\d{4}$")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)


def _no_uuids(params: dict[str, Any], lang: str) -> dict[str, Any]:
    """A uuid means nothing to a reader: a parameter holding only a uuid (an object that has no name or
    no longer exists) is shown as "(name unknown)"; the evidence column links to the object itself."""
    unknown = label(lang, "findings.no_name")
    return {k: unknown if isinstance(v, str) and _UUID.match(v) else v for k, v in params.items()}


# ---------------------------------------------------------------- inputs


@dataclass(frozen=True)
class StepTitles:
    """Step number -> (title, number as written) from the journey documents: what the board shows."""

    titles: Mapping[str, tuple[str, str]] = field(default_factory=dict)

    def order(self, step: str) -> tuple[int, tuple[int, ...]]:
        """Journey steps by number (1.1 ... 3.3), then steps the journey lacks, `integrity` last."""
        if step == "integrity":
            return (2, ())
        return (0 if step in self.titles else 1, _number_key(step))

    def heading(self, step: str, lang: str) -> str:
        if step == "integrity":
            return label(lang, "findings.not_a_step")
        found = self.titles.get(step)
        if found is None:
            return label(lang, "findings.unknown_step", number=step)
        title, written = found
        if written != step:
            return label(lang, "findings.step_renumbered", number=step, title=title, written=written)
        return label(lang, "findings.step", number=step, title=title)


def journey_step_titles(journeys: Iterable[Journey]) -> StepTitles:
    """Titles of the journeys' steps. A step written under another phase's number (the seed's "2.3" under
    phase 3) also answers to that phase's number ("3.3"), where no step has that number already."""
    titles: dict[str, tuple[str, str]] = {}
    misplaced: dict[str, tuple[str, str]] = {}
    for journey in journeys:
        for phase in journey.phases:
            for step in phase.steps:
                titles.setdefault(step.number, (step.action, step.number))
                major, _, minor = step.number.partition(".")
                if minor and major != str(phase.number):
                    misplaced.setdefault(f"{phase.number}.{minor}", (step.action, step.number))
    for number, value in misplaced.items():
        titles.setdefault(number, value)
    return StepTitles(titles)


@dataclass(frozen=True)
class FindingsState:
    """The current findings, those the last run resolved, and that run."""

    findings: Sequence[StoredFinding]
    resolved: Sequence[StoredFinding]
    run_id: int | None
    run_at: datetime | None
    new_since_previous: int
    resolved_since_previous: int


def state_from_run(report: ReconcileReport) -> FindingsState:
    stats = report.stats
    return FindingsState(
        report.findings,
        report.resolved,
        report.run_id,
        report.started_at,
        stats.new + stats.reopened,
        stats.resolved,
    )


def load_findings_state(store: Store) -> FindingsState:
    """The stored findings (new and open) and what the newest reconcile run changed."""
    with store.transaction() as session:
        runs = reconcile_runs(session, limit=1)
        current = list_findings(session)
        last = runs[0] if runs else None
        resolved = (
            [f for f in list_findings(session, statuses=("resolved",)) if f.resolved_at == last.started_at]
            if last
            else []
        )
    if last is None:
        return FindingsState(current, [], None, None, 0, 0)
    return FindingsState(current, resolved, last.id, last.started_at, last.new + last.reopened, last.resolved)


# ---------------------------------------------------------------- layout


def _number_key(step: str) -> tuple[int, ...]:
    return tuple(int(part) if part.isdigit() else 999 for part in step.split("."))


def _evidence(item: StoredFinding, links: ObjectLinks, lang: str) -> tuple[Link, ...]:
    out = []
    for e in item.evidence:
        kind = str(e.get("kind") or "")
        name = e.get("name") or label(lang, "findings.unnamed", kind=label(lang, f"kind.{kind}"))
        out.append(links.link(kind, e.get("id"), str(name)))
    if not out and _MUNICIPALITY_CODE.match(item.subject):
        out.append(Link(item.subject))  # a municipality missing from the catalogue: its register code
    if item.evidence_total > len(item.evidence):
        out.append(
            Link(label(lang, "findings.more_evidence", count=item.evidence_total - len(item.evidence)))
        )
    return tuple(out)


def _columns(lang: str) -> tuple[Column, ...]:
    return (
        Column("severity", label(lang, "col.severity")),
        Column("status", label(lang, "col.status")),
        Column("message", label(lang, "col.message")),
        Column("evidence", label(lang, "col.evidence"), "links"),
        Column("first_seen", label(lang, "col.first_seen"), "date"),
        Column("accepted", label(lang, "col.accepted")),
        Column("rule", label(lang, "col.rule")),
        Column("fingerprint", label(lang, "col.fingerprint")),
    )


def _row(item: StoredFinding, options: ReportOptions) -> tuple[Cell, ...]:
    lang = options.lang
    return (
        severity_word(item.severity, lang),
        t(lang, f"status.{item.status}"),
        render_message(item, lang),
        _evidence(item, options.links, lang),
        item.first_seen.date(),
        item.accepted_reason or "",
        item.rule,
        item.fingerprint[:12],
    )


def _order(item: StoredFinding) -> tuple[int, str, str]:
    return (SEVERITIES.index(item.severity) if item.severity in SEVERITIES else 9, item.rule, item.subject)


def build_findings_report(state: FindingsState, options: ReportOptions, titles: StepTitles) -> Report:
    """The findings report: summary (steps x severity, chart), one section per step, resolved ones."""
    lang = options.lang
    groups: dict[str, list[StoredFinding]] = {}
    for item in sorted(state.findings, key=lambda f: (titles.order(f.step), _order(f))):
        groups.setdefault(item.step, []).append(item)
    sections = [_overview(groups, titles, lang)]
    for step, items in groups.items():
        heading = titles.heading(step, lang)
        table = Table(
            f"step_{step}",
            label(lang, "findings.step_table", title=heading),
            _columns(lang),
            [_row(item, options) for item in items],
        )
        sections.append(Section(f"step-{step.replace('.', '-')}", heading, (table,)))
    sections.append(_resolved(state, titles, lang))
    run = (
        label(lang, "findings.run", run=state.run_id, when=state.run_at.strftime("%Y-%m-%d %H:%M"))
        if state.run_id is not None and state.run_at is not None
        else label(lang, "findings.no_run")
    )
    return Report(
        name="findings",
        lang=lang,
        title=label(lang, "findings.title"),
        subtitle=run,
        generated_at=options.now,
        summary=_summary(state, lang),
        summary_text=() if state.findings else (label(lang, "findings.none"),),
        sections=tuple(sections),
        labels=labels(lang, options.now),
        data=_machine_data(state, lang),
    )


def _finding_data(item: StoredFinding, lang: str) -> dict[str, Any]:
    return {
        "fingerprint": item.fingerprint, "step": item.step, "rule": item.rule, "subject": item.subject,
        "severity": item.severity, "status": item.status, "message": render_message(item, lang),
        "params": item.params, "evidence": item.evidence, "evidence_total": item.evidence_total,
        "first_seen": item.first_seen.isoformat(), "last_seen": item.last_seen.isoformat(),
        "alerting": item.alerting, "accepted": item.accepted, "accepted_reason": item.accepted_reason,
    }  # fmt: skip


def _machine_data(state: FindingsState, lang: str) -> dict[str, Any]:
    """The findings in full for machines (JSON only), as the earlier findings JSON had them."""
    return {
        "run_id": state.run_id,
        "stats": {
            "total": len(state.findings),
            "new": state.new_since_previous,
            "resolved": state.resolved_since_previous,
            "alerting": sum(1 for f in state.findings if f.alerting),
        },
        "findings": [_finding_data(f, lang) for f in state.findings],
        "resolved": [f.fingerprint for f in state.resolved],
    }


def _summary(state: FindingsState, lang: str) -> tuple[KeyFigure, ...]:
    return (
        KeyFigure("total", label(lang, "findings.k.total"), len(state.findings)),
        KeyFigure(
            "alerting", label(lang, "findings.k.alerting"), sum(1 for f in state.findings if f.alerting)
        ),
        KeyFigure("new", label(lang, "findings.k.new"), state.new_since_previous),
        KeyFigure("resolved", label(lang, "findings.k.resolved"), state.resolved_since_previous),
        KeyFigure(
            "accepted", label(lang, "findings.k.accepted"), sum(1 for f in state.findings if f.accepted)
        ),
    )


def _overview(groups: Mapping[str, list[StoredFinding]], titles: StepTitles, lang: str) -> Section:
    columns = (
        Column("step", label(lang, "col.step")),
        *(Column(s, severity_word(s, lang), "int") for s in SEVERITIES),
        Column("total", label(lang, "col.total"), "int"),
        Column("new", label(lang, "col.new"), "int"),
    )
    rows: list[tuple[Cell, ...]] = []
    counts: dict[str, Counter[str]] = {}
    for step, items in groups.items():
        counts[step] = Counter(f.severity for f in items)
        rows.append(
            (
                titles.heading(step, lang),
                *(counts[step][s] for s in SEVERITIES),
                len(items),
                sum(1 for f in items if f.status == "new"),
            )
        )
    table = Table(
        "summary", label(lang, "findings.by_step"), columns, rows, empty=label(lang, "findings.none")
    )
    total = sum(len(items) for items in groups.values())
    short = label(lang, "findings.integrity_short")
    names = {step: short if step == "integrity" else step for step in groups}
    parts = ", ".join(f"{names[step]}: {len(items)}" for step, items in groups.items())
    chart = Chart(
        "findings_by_step",
        label(lang, "findings.chart"),
        "stacked",
        tuple(names.values()),
        tuple(Series(severity_word(s, lang), tuple(float(counts[g][s]) for g in groups)) for s in SEVERITIES),
        label(lang, "findings.chart_desc", total=total, parts=parts or "-"),
    )
    return Section("overview", label(lang, "findings.by_step"), (Figure(chart, table),))


def _resolved(state: FindingsState, titles: StepTitles, lang: str) -> Section:
    columns = (
        Column("step", label(lang, "col.step")),
        Column("message", label(lang, "col.message")),
        Column("rule", label(lang, "col.rule")),
        Column("fingerprint", label(lang, "col.fingerprint")),
    )
    rows = [
        (titles.heading(f.step, lang), render_message(f, lang), f.rule, f.fingerprint[:12])
        for f in sorted(state.resolved, key=lambda f: (titles.order(f.step), _order(f)))
    ]
    table = Table(
        "resolved", label(lang, "findings.resolved_table"), columns, rows, empty=label(lang, "none")
    )
    return Section(
        "resolved", label(lang, "findings.resolved"), (table,) if rows else (Paragraph(label(lang, "none")),)
    )


def write_findings_report(
    state: FindingsState, options: ReportOptions, titles: StepTitles, out_dir: Path, fmt: Format
) -> list[Path]:
    """Write the findings report as `findings.<fmt>` (plus its dated archive copy)."""
    return write_report_files(build_findings_report(state, options, titles), out_dir, [fmt])
