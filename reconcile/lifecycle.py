"""Findings across runs: new -> open -> resolved (reopened as new when it comes back); accept / unaccept."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from config.errors import SwcError
from reconcile.model import Finding
from store.findings_tables import finding as finding_table

__all__ = [
    "StoredFinding",
    "LifecycleStats",
    "FindingNotFound",
    "save_findings",
    "list_findings",
    "get_finding",
    "accept_finding",
    "unaccept_finding",
]

ACTIVE = ("new", "open")


class FindingNotFound(SwcError):
    """No finding (or more than one) has the given fingerprint (prefix)."""


@dataclass(frozen=True)
class StoredFinding:
    """A finding as kept in the store, with its lifecycle."""

    fingerprint: str
    rule: str
    subject: str
    step: str
    severity: str
    status: str  # new | open | resolved
    params: dict[str, Any]
    evidence: list[dict[str, Any]]
    evidence_total: int
    first_seen: datetime
    last_seen: datetime
    resolved_at: datetime | None
    reopened: int
    accepted_at: datetime | None
    accepted_reason: str | None

    @property
    def accepted(self) -> bool:
        return self.accepted_at is not None

    @property
    def alerting(self) -> bool:
        """Worth telling someone: still there and not accepted."""
        return self.status in ACTIVE and not self.accepted


@dataclass(frozen=True)
class LifecycleStats:
    """What one run changed."""

    total: int  # findings found this run
    new: int  # first seen this run
    reopened: int  # resolved before, found again (status new)
    resolved: int  # no longer found
    resolved_fingerprints: tuple[str, ...] = ()


_COLUMNS = [c for c in finding_table.c if c.name != "last_run_id"]


def _stored(row: Any) -> StoredFinding:
    values = dict(row._mapping)
    values.pop("last_run_id", None)
    return StoredFinding(**values)


def _values(item: Finding) -> dict[str, Any]:
    return {
        "rule": item.rule, "subject": item.subject, "step": item.step, "severity": item.severity,
        "params": dict(item.params), "evidence": [e.as_dict() for e in item.evidence],
        "evidence_total": item.evidence_total,
    }  # fmt: skip


def save_findings(
    session: Session,
    findings: Sequence[Finding],
    rules_run: Iterable[str],
    now: datetime,
    run_id: int | None = None,
) -> LifecycleStats:
    """Apply one run's findings: insert new ones, mark seen ones open, reopen, resolve the vanished.

    Only findings of `rules_run` can be resolved (a disabled rule leaves its findings as they were).
    """
    rules = sorted(set(rules_run))
    query = sa.select(finding_table.c.fingerprint, finding_table.c.status).where(
        finding_table.c.rule.in_(rules)
    )
    existing: dict[str, str] = {row[0]: row[1] for row in session.execute(query)}
    current = {item.fingerprint: item for item in findings}
    inserts, updates, reopened = [], [], 0
    for fp, item in current.items():
        row = {**_values(item), "b_fp": fp, "last_seen": now, "last_run_id": run_id}
        status = existing.get(fp)
        if status is None:
            inserts.append({**row, "fingerprint": fp, "status": "new", "first_seen": now, "reopened": 0})
        elif status == "resolved":
            reopened += 1
            updates.append({**row, "status": "new", "resolved_at": None, "reopen": 1})
        else:
            updates.append({**row, "status": "open", "resolved_at": None, "reopen": 0})
    gone = sorted(fp for fp, status in existing.items() if status in ACTIVE and fp not in current)
    if inserts:
        session.execute(
            finding_table.insert(), [{k: v for k, v in r.items() if k != "b_fp"} for r in inserts]
        )
    if updates:
        _update(session, updates)
    for start in range(0, len(gone), 500):
        session.execute(
            finding_table.update()
            .where(finding_table.c.fingerprint.in_(gone[start : start + 500]))
            .values(status="resolved", resolved_at=now)
        )
    return LifecycleStats(len(current), len(inserts), reopened, len(gone), tuple(gone))


def _update(session: Session, updates: list[dict[str, Any]]) -> None:
    names = ("rule", "subject", "step", "severity", "params", "evidence", "evidence_total", "last_seen",
             "last_run_id", "status", "resolved_at")  # fmt: skip
    stmt = (
        finding_table.update()
        .where(finding_table.c.fingerprint == sa.bindparam("b_fp"))
        .values(
            {
                **{name: sa.bindparam(f"b_{name}") for name in names},
                "reopened": finding_table.c.reopened + sa.bindparam("b_reopen"),
            }
        )
    )
    rows = [{"b_fp": u["b_fp"], "b_reopen": u["reopen"], **{f"b_{n}": u[n] for n in names}} for u in updates]
    session.connection().execute(stmt, rows)


def list_findings(
    session: Session,
    *,
    statuses: Sequence[str] = ACTIVE,
    rules: Sequence[str] | None = None,
    fingerprints: Iterable[str] | None = None,
) -> list[StoredFinding]:
    """Stored findings with the given statuses (default: new and open), ordered by step, rule, subject."""
    stmt = sa.select(*_COLUMNS, finding_table.c.last_run_id).where(finding_table.c.status.in_(list(statuses)))
    if rules is not None:
        stmt = stmt.where(finding_table.c.rule.in_(list(rules)))
    if fingerprints is not None:
        stmt = stmt.where(finding_table.c.fingerprint.in_(list(fingerprints)))
    stmt = stmt.order_by(finding_table.c.step, finding_table.c.rule, finding_table.c.subject)
    return [_stored(row) for row in session.execute(stmt)]


def get_finding(session: Session, fingerprint: str) -> StoredFinding:
    """The finding whose fingerprint is or starts with `fingerprint` (at least 6 characters)."""
    key = fingerprint.strip().lower()
    if len(key) < 6:
        raise FindingNotFound(f"Fingerprint {fingerprint!r} is too short", hint="give at least 6 characters")
    rows = session.execute(
        sa.select(*_COLUMNS, finding_table.c.last_run_id)
        .where(finding_table.c.fingerprint.like(_like_prefix(key), escape="\\"))
        .limit(2)
    ).all()
    if len(rows) != 1:
        what = "No finding" if not rows else "More than one finding"
        raise FindingNotFound(
            f"{what} with fingerprint {fingerprint!r}",
            hint="see `swc-beheer findings list --all` for fingerprints",
        )
    return _stored(rows[0])


def accept_finding(session: Session, fingerprint: str, reason: str, now: datetime) -> StoredFinding:
    """Accept a finding: it stays listed but no longer alerts. The reason is required."""
    if not reason.strip():
        raise SwcError("Accepting a finding needs a reason", hint="pass --reason 'why this is fine'")
    found = get_finding(session, fingerprint)
    session.execute(
        finding_table.update()
        .where(finding_table.c.fingerprint == found.fingerprint)
        .values(accepted_at=now, accepted_reason=reason.strip())
    )
    return get_finding(session, found.fingerprint)


def unaccept_finding(session: Session, fingerprint: str) -> StoredFinding:
    """Withdraw an acceptance: the finding alerts again while it is new or open."""
    found = get_finding(session, fingerprint)
    session.execute(
        finding_table.update()
        .where(finding_table.c.fingerprint == found.fingerprint)
        .values(accepted_at=None, accepted_reason=None)
    )
    return get_finding(session, found.fingerprint)


def _like_prefix(key: str) -> str:
    """A LIKE pattern matching `key` literally as a prefix (% and _ in user input match only themselves)."""
    return key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
