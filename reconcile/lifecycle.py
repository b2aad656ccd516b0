"""Findings across runs: new -> open -> resolved (reopened as new when it comes back); accept / unaccept.

The decisions live here; `store.findings` reads and writes the rows, in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from config.errors import SwcError
from reconcile.model import Finding
from store.base import Session
from store.findings import (
    ACTIVE,
    FindingRow,
    StoredFinding,
    load_finding_statuses,
    load_findings,
    load_findings_by_prefix,
    save_finding_acceptance,
)
from store.findings import save_findings as save_finding_rows

__all__ = [
    "ACTIVE",
    "StoredFinding",
    "LifecycleStats",
    "FindingNotFound",
    "save_findings",
    "list_findings",
    "get_finding",
    "accept_finding",
    "unaccept_finding",
]


class FindingNotFound(SwcError):
    """No finding (or more than one) has the given fingerprint (prefix)."""


@dataclass(frozen=True)
class LifecycleStats:
    """What one run changed."""

    total: int  # findings found this run
    new: int  # first seen this run
    reopened: int  # resolved before, found again (status new)
    resolved: int  # no longer found
    resolved_fingerprints: tuple[str, ...] = ()


def _row(item: Finding, fingerprint: str, status: str, *, reopened: bool = False) -> FindingRow:
    return FindingRow(
        fingerprint, item.rule, item.subject, item.step, item.severity, dict(item.params),
        [e.as_dict() for e in item.evidence], item.evidence_total, status, reopened,
    )  # fmt: skip


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
    existing = load_finding_statuses(session, rules_run)
    current = {item.fingerprint: item for item in findings}
    inserted, updated, reopened = [], [], 0
    for fp, item in current.items():
        status = existing.get(fp)
        if status is None:
            inserted.append(_row(item, fp, "new"))
        elif status == "resolved":
            reopened += 1
            updated.append(_row(item, fp, "new", reopened=True))
        else:
            updated.append(_row(item, fp, "open"))
    gone = sorted(fp for fp, status in existing.items() if status in ACTIVE and fp not in current)
    save_finding_rows(session, inserted=inserted, updated=updated, resolved=gone, now=now, run_id=run_id)
    return LifecycleStats(len(current), len(inserted), reopened, len(gone), tuple(gone))


def list_findings(
    session: Session,
    *,
    statuses: Sequence[str] = ACTIVE,
    rules: Sequence[str] | None = None,
    fingerprints: Iterable[str] | None = None,
) -> list[StoredFinding]:
    """Stored findings with the given statuses (default: new and open), ordered by step, rule, subject."""
    return load_findings(session, statuses=statuses, rules=rules, fingerprints=fingerprints)


def get_finding(session: Session, fingerprint: str) -> StoredFinding:
    """The finding whose fingerprint is or starts with `fingerprint` (at least 6 characters)."""
    key = fingerprint.strip().lower()
    if len(key) < 6:
        raise FindingNotFound(f"Fingerprint {fingerprint!r} is too short", hint="give at least 6 characters")
    found = load_findings_by_prefix(session, key, limit=2)
    if len(found) != 1:
        what = "No finding" if not found else "More than one finding"
        raise FindingNotFound(
            f"{what} with fingerprint {fingerprint!r}",
            hint="see `swc-beheer findings list --all` for fingerprints",
        )
    return found[0]


def accept_finding(session: Session, fingerprint: str, reason: str, now: datetime) -> StoredFinding:
    """Accept a finding: it stays listed but no longer alerts. The reason is required."""
    if not reason.strip():
        raise SwcError("Accepting a finding needs a reason", hint="pass --reason 'why this is fine'")
    found = get_finding(session, fingerprint)
    save_finding_acceptance(session, found.fingerprint, accepted_at=now, reason=reason.strip())
    return get_finding(session, found.fingerprint)


def unaccept_finding(session: Session, fingerprint: str) -> StoredFinding:
    """Withdraw an acceptance: the finding alerts again while it is new or open."""
    found = get_finding(session, fingerprint)
    save_finding_acceptance(session, found.fingerprint, accepted_at=None, reason=None)
    return get_finding(session, found.fingerprint)
