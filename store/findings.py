"""Reads and writes of the findings area: finding rows with their lifecycle columns, and reconcile runs.

The lifecycle itself (which finding is new, seen again, reopened or resolved) is decided in
`reconcile.lifecycle`; this module turns those decisions into SQL, in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from store.findings_tables import finding as finding_table
from store.findings_tables import reconcile_run

__all__ = [
    "ACTIVE",
    "FindingRow",
    "StoredFinding",
    "load_finding_statuses",
    "load_findings",
    "load_findings_by_prefix",
    "save_finding_acceptance",
    "save_findings",
    "save_reconcile_run",
    "save_reconcile_run_totals",
]

ACTIVE = ("new", "open")  # statuses of a finding that is still there
_RESOLVE_BATCH = 500  # fingerprints per UPDATE ... IN (...), well below every driver's parameter limit


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
class FindingRow:
    """What one run found under one fingerprint, as plain JSON-able values, and the status it gets."""

    fingerprint: str
    rule: str
    subject: str
    step: str
    severity: str
    params: dict[str, Any]
    evidence: list[dict[str, Any]]
    evidence_total: int
    status: str  # new | open
    reopened: bool = False  # a resolved finding found again: its `reopened` count goes up by one

    def values(self) -> dict[str, Any]:
        return {
            "rule": self.rule, "subject": self.subject, "step": self.step, "severity": self.severity,
            "params": self.params, "evidence": self.evidence, "evidence_total": self.evidence_total,
            "status": self.status,
        }  # fmt: skip


_COLUMNS = [c for c in finding_table.c if c.name != "last_run_id"]


def _stored(row: Any) -> StoredFinding:
    values = dict(row._mapping)
    values.pop("last_run_id", None)
    return StoredFinding(**values)


def load_finding_statuses(session: Session, rules: Iterable[str]) -> dict[str, str]:
    """fingerprint -> status of every stored finding of `rules`."""
    query = sa.select(finding_table.c.fingerprint, finding_table.c.status).where(
        finding_table.c.rule.in_(sorted(set(rules)))
    )
    return {row[0]: row[1] for row in session.execute(query)}


def save_findings(
    session: Session,
    *,
    inserted: Sequence[FindingRow],
    updated: Sequence[FindingRow],
    resolved: Sequence[str],
    now: datetime,
    run_id: int | None,
) -> None:
    """Insert first-seen findings, update the ones seen again, mark `resolved` fingerprints resolved.

    Found findings get last_seen `now` and the run id; inserted ones also first_seen `now`.
    """
    if inserted:
        rows = [
            {**row.values(), "fingerprint": row.fingerprint, "first_seen": now, "last_seen": now,
             "last_run_id": run_id, "reopened": 0}
            for row in inserted
        ]  # fmt: skip
        session.execute(finding_table.insert(), rows)
    if updated:
        _update(session, updated, now, run_id)
    for start in range(0, len(resolved), _RESOLVE_BATCH):
        session.execute(
            finding_table.update()
            .where(finding_table.c.fingerprint.in_(resolved[start : start + _RESOLVE_BATCH]))
            .values(status="resolved", resolved_at=now)
        )


_UPDATED = ("rule", "subject", "step", "severity", "params", "evidence", "evidence_total", "last_seen",
            "last_run_id", "status", "resolved_at")  # fmt: skip


def _update(session: Session, updated: Sequence[FindingRow], now: datetime, run_id: int | None) -> None:
    """One executemany UPDATE for all findings seen again (bind names prefixed: they shadow columns)."""
    stmt = (
        finding_table.update()
        .where(finding_table.c.fingerprint == sa.bindparam("b_fp"))
        .values(
            {
                **{name: sa.bindparam(f"b_{name}") for name in _UPDATED},
                "reopened": finding_table.c.reopened + sa.bindparam("b_reopen"),
            }
        )
    )
    rows = []
    for row in updated:
        values = {**row.values(), "last_seen": now, "last_run_id": run_id, "resolved_at": None}
        binds = {f"b_{name}": values[name] for name in _UPDATED}
        rows.append({"b_fp": row.fingerprint, "b_reopen": int(row.reopened), **binds})
    session.connection().execute(stmt, rows)


def load_findings(
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


def load_findings_by_prefix(session: Session, prefix: str, *, limit: int = 2) -> list[StoredFinding]:
    """At most `limit` findings whose fingerprint starts with `prefix` (taken literally: % and _ too)."""
    rows = session.execute(
        sa.select(*_COLUMNS, finding_table.c.last_run_id)
        .where(finding_table.c.fingerprint.like(_like_prefix(prefix), escape="\\"))
        .limit(limit)
    ).all()
    return [_stored(row) for row in rows]


def _like_prefix(key: str) -> str:
    """A LIKE pattern matching `key` literally as a prefix (% and _ in user input match only themselves)."""
    return key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def save_finding_acceptance(
    session: Session, fingerprint: str, *, accepted_at: datetime | None, reason: str | None
) -> None:
    """Set (or, with None and None, withdraw) the acceptance of the finding with exactly `fingerprint`."""
    session.execute(
        finding_table.update()
        .where(finding_table.c.fingerprint == fingerprint)
        .values(accepted_at=accepted_at, accepted_reason=reason)
    )


def save_reconcile_run(session: Session, *, started_at: datetime, rules: Sequence[str]) -> int:
    """A new reconcile_run row with zero totals; returns its id."""
    result = session.execute(
        reconcile_run.insert().values(
            started_at=started_at, rules=list(rules), total=0, new=0, resolved=0, reopened=0
        )
    )
    return int(result.inserted_primary_key[0])  # type: ignore[attr-defined]


def save_reconcile_run_totals(
    session: Session,
    run_id: int,
    *,
    finished_at: datetime,
    total: int,
    new: int,
    resolved: int,
    reopened: int,
) -> None:
    """Close a reconcile_run row: when it finished and what it changed."""
    session.execute(
        sa.update(reconcile_run)
        .where(reconcile_run.c.id == run_id)
        .values(finished_at=finished_at, total=total, new=new, resolved=resolved, reopened=reopened)
    )
