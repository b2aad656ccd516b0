"""Compose a digest: what changed in a period, as a JSON-able payload that every channel renders from.

The payload holds data and already-translated, personal-data-masked text; it is stored in the outbox, so a
digest is composed once and delivered (again, after a crash) exactly as composed. Catalogue text in it is
raw: each channel makes it inert for its own format when rendering.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from reconcile.lifecycle import StoredFinding
from reports.digest.i18n import t
from reports.digest.mask import mask_person_params, mask_personal
from reports.findings import render_message
from store.base import Store
from store.digest_reads import (
    CatalogueChanges,
    FindingChanges,
    load_catalogue_changes,
    load_finding_changes,
    load_headline_numbers,
)
from store.journey import Changes, load_changes_since
from store.outbox import OutboxEntry

__all__ = ["ComposeOptions", "compose_payload", "is_nothing_new", "PAYLOAD_VERSION"]

PAYLOAD_VERSION = 1
_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
_STEP_LABELS = "reconcile"  # step titles come from the reconcile catalogue (one source for both reports)


@dataclass(frozen=True)
class ComposeOptions:
    lang: str = "nl"
    top: int = 5  # findings shown per step and kind, and catalogue names per list
    report_base_url: str | None = None  # public URL of the report folder; None: name the files by path
    report_dir: Path | None = None


def compose_payload(
    store: Store,
    *,
    channel: str,
    start: datetime,
    end: datetime,
    options: ComposeOptions,
    previous: OutboxEntry | None,
    failed: list[OutboxEntry],
) -> dict[str, Any]:
    """The digest of (start, end] for `channel`; `previous` (the last delivered one) gives the deltas."""
    lang = options.lang
    findings = load_finding_changes(store, start, end)
    numbers = {**load_headline_numbers(store), "alerting_findings": findings.alerting}
    before = (previous.payload.get("numbers") if previous else None) or {}
    payload: dict[str, Any] = {
        "version": PAYLOAD_VERSION,
        "lang": lang,
        "channel": channel,
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "numbers": numbers,
        "headline": [
            {"key": k, "label": t(lang, f"headline.{k}"), "value": v, "delta": _delta(v, before.get(k))}
            for k, v in numbers.items()
        ],
        "findings": _findings(findings, lang, options.top),
        "journey": _journey(load_changes_since(store, start), end, lang),
        "catalogue": _catalogue(load_catalogue_changes(store, start, end, top=options.top), lang),
        "failed": [_failed(entry, lang) for entry in failed],
        "links": _links(options),
    }
    payload["nothing_new"] = is_nothing_new(payload)
    return payload


def _delta(now: int, before: Any) -> int | None:
    return None if not isinstance(before, int) else now - before


def is_nothing_new(payload: dict[str, Any]) -> bool:
    """Nothing to tell: no finding, journey or catalogue change, no failed digest, same headline numbers."""
    counts = payload["findings"]["counts"]
    catalogue = payload["catalogue"]
    return (
        not any(counts.values())
        and not payload["journey"]["steps"]
        and not payload["journey"]["issues"]
        and not any(catalogue[k]["count"] for k in ("new_organisations", "new_concept_packages"))
        and not catalogue["deletions"]
        and not catalogue["held_deletions"]  # a held (mass) deletion is always news
        and not payload["failed"]
        and all(not item["delta"] for item in payload["headline"])
    )


def _stored(row: dict[str, Any]) -> StoredFinding:
    return StoredFinding(**{**row, "params": mask_person_params(row["rule"], row["params"])})


def _finding_line(row: dict[str, Any], kind: str, lang: str) -> dict[str, str]:
    item = _stored(row)
    return {
        "kind": kind,
        "kind_label": t(lang, f"findings.kind.{kind}"),
        "severity": item.severity,
        "severity_label": t(lang, f"severity.{item.severity}"),
        "text": mask_personal(render_message(item, lang)),
    }


def _findings(changes: FindingChanges, lang: str, top: int) -> dict[str, Any]:
    kinds = {"new": changes.new, "resolved": changes.resolved, "reopened": changes.reopened}
    steps: dict[str, dict[str, Any]] = {}
    for kind, rows in kinds.items():
        for row in rows:
            step = steps.setdefault(row["step"], {"step": row["step"], "new": 0, "resolved": 0, "reopened": 0,
                                                  "rows": []})  # fmt: skip
            step[kind] += 1
            step["rows"].append((kind, row))
    return {
        "counts": {kind: len(rows) for kind, rows in kinds.items()},
        "alerting": changes.alerting,
        "steps": [_step(steps[key], lang, top) for key in sorted(steps, key=_step_key)],
    }


def _step(step: dict[str, Any], lang: str, top: int) -> dict[str, Any]:
    from reports.findings import t as reconcile_t

    ranked = sorted(step.pop("rows"), key=lambda kr: (_SEVERITY_ORDER.get(kr[1]["severity"], 9),
                                                      kr[0] != "new", kr[1]["subject"]))  # fmt: skip
    total = len(ranked)
    return {
        **step,
        "title": reconcile_t(lang, f"step.{step['step']}"),
        "counts_text": t(lang, "findings.counts", **{k: step[k] for k in ("new", "resolved", "reopened")}),
        "top": [_finding_line(row, kind, lang) for kind, row in ranked[:top]],
        "more": max(0, total - top),
        "more_text": t(lang, "findings.more", count=total - top) if total > top else "",
    }


def _step_key(step: str) -> tuple[int, ...]:
    parts = [int(p) if p.isdigit() else 999 for p in step.split(".")]
    return tuple(parts)


def _journey(changes: Changes, end: datetime, lang: str) -> dict[str, Any]:
    none = t(lang, "journey.status.none")
    steps = [
        {"journey": c.journey, "step": c.step, "old": c.old, "new": c.new,
         "text": t(lang, "journey.step", step=c.step, old=c.old or none, new=c.new)}
        for c in changes.steps if c.at <= end
    ]  # fmt: skip
    issues = []
    for c in changes.issues:
        kind = _issue_kind(c.field, c.old, c.new)
        if kind is None or c.at > end:
            continue
        issues.append({"ref": str(c.key), "url": c.key.url, "change": kind,
                       "text": t(lang, f"journey.issue.{kind}", ref=str(c.key),
                                 state=c.new or "?")})  # fmt: skip
    return {"steps": steps, "issues": issues}


def _issue_kind(field: str, old: str | None, new: str | None) -> str | None:
    """closed | reopened | moved | vanished, or None for a change the digest does not tell."""
    if field == "state" and old is not None:
        return {"closed": "closed", "open": "reopened"}.get(new or "")
    if field == "fetch_state" and new in ("moved", "deleted", "missing"):
        return "moved" if new == "moved" else "vanished"
    return None


def _names(records: list[Any]) -> list[str]:
    return [mask_personal(r.name or r.id) for r in records]


def _catalogue(changes: CatalogueChanges, lang: str) -> dict[str, Any]:
    def counted(key: str, count: int, top: list[Any]) -> dict[str, Any]:
        return {"count": count, "text": t(lang, f"catalogue.{key}", count=count), "names": _names(top)}

    def per_type(key: str, counts: dict[str, int]) -> str:
        items = ", ".join(f"{n} {t(lang, f'entity.{k}')}" for k, n in sorted(counts.items()))
        return t(lang, f"catalogue.{key}", items=items) if counts else ""

    return {
        "new_organisations": counted(
            "new_organisations", changes.new_organisations, changes.new_organisations_top
        ),
        "suppliers_waiting": counted(
            "suppliers_waiting", changes.suppliers_waiting, changes.suppliers_waiting_top
        ),
        "new_concept_packages": counted(
            "new_concept_packages", changes.new_concept_packages, changes.new_concept_packages_top
        ),
        "deletions": changes.deletions,
        "deletions_text": per_type("deletions", changes.deletions),
        "held_deletions": changes.held_deletions,
        "held_deletions_text": per_type("held_deletions", changes.held_deletions),
    }


def _failed(entry: OutboxEntry, lang: str) -> dict[str, Any]:
    end = entry.period_end.date().isoformat()
    error = mask_personal(entry.last_error or "?")
    return {"channel": entry.channel, "end": end, "error": error,
            "text": t(lang, "failed.item", channel=entry.channel, end=end, error=error)}  # fmt: skip


def _links(options: ComposeOptions) -> list[dict[str, str]]:
    """One link per HTML report in the report folder: under the public base URL, else its file path."""
    folder = options.report_dir
    if folder is None or not folder.is_dir():
        return []
    newest: dict[str, Path] = {}  # one per report: reconcile-12-nl.html and reconcile-13-nl.html are one
    for path in sorted(folder.iterdir(), key=lambda p: (p.stat().st_mtime, p.name)):
        if path.suffix == ".html" and not path.name.startswith("."):
            newest[re.sub(r"-\d+", "", path.stem)] = path
    files = [newest[key] for key in sorted(newest)]
    base = (options.report_base_url or "").rstrip("/")
    return [{"title": p.stem, "href": f"{base}/{p.name}" if base else str(p.resolve())} for p in files]
