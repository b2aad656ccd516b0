"""Run the rules over the stored catalogue and keep the findings' lifecycle: `run_reconcile`."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from config.errors import SwcError
from config.settings import ReconcileSettings
from connectors.catalogue_models import EntityType
from reconcile.lifecycle import LifecycleStats, StoredFinding, list_findings, save_findings
from reconcile.model import (
    CatalogueLinks,
    ContactRef,
    Finding,
    KoppelingRef,
    PackageRef,
    RuleContext,
    Snapshot,
    UsageRef,
)
from reconcile.register import Register
from reconcile.rules import RULES
from store.base import Session, Store
from store.catalogue_reads import load_column_rows, load_records
from store.findings import save_reconcile_run, save_reconcile_run_totals
from store.runs import last_run

__all__ = ["ReconcileReport", "enabled_rules", "check_rules", "load_snapshot", "run_reconcile", "STEP_ORDER"]

STEP_ORDER = ("1.1", "1.2", "1.3", "1.4", "1.5", "2.1", "3.1", "3.3", "integrity")
_ATTR = {"organisation": "organisations", "contact": "contacts", "package": "packages", "usage": "usages",
         "koppeling": "koppelingen"}  # fmt: skip


@dataclass
class ReconcileReport:
    """One reconcile run: the rules that ran, the current findings (new/open) and what changed."""

    run_id: int
    started_at: datetime
    finished_at: datetime
    rules: list[str]
    findings: list[StoredFinding]  # new and open findings of the rules that ran, accepted ones included
    stats: LifecycleStats
    resolved: list[StoredFinding] = field(default_factory=list)  # resolved by this run

    @property
    def alerting(self) -> list[StoredFinding]:
        """Findings to alert on (digest): new or open and not accepted."""
        return [f for f in self.findings if f.alerting]

    @property
    def new(self) -> list[StoredFinding]:
        return [f for f in self.findings if f.status == "new"]

    def by_step(self) -> dict[str, list[StoredFinding]]:
        """Findings grouped by journey step, steps in journey order."""
        groups: dict[str, list[StoredFinding]] = {}
        for item in sorted(self.findings, key=lambda f: (_step_key(f.step), f.rule, f.subject)):
            groups.setdefault(item.step, []).append(item)
        return groups


def _step_key(step: str) -> tuple[int, str]:
    return (STEP_ORDER.index(step), step) if step in STEP_ORDER else (len(STEP_ORDER), step)


def enabled_rules(settings: ReconcileSettings) -> list[str]:
    """Registered rule ids minus settings.disabled_rules; an unknown id there is an SwcError."""
    unknown = sorted(set(settings.disabled_rules) - set(RULES))
    if unknown:
        raise SwcError(
            f"SWC_RECONCILE__DISABLED_RULES names unknown rule(s): {', '.join(unknown)}",
            hint=f"valid rules: {', '.join(sorted(RULES))}",
        )
    return [rule_id for rule_id in RULES if rule_id not in settings.disabled_rules]


def check_rules(snapshot: Snapshot, ctx: RuleContext, rules: Iterable[str]) -> list[Finding]:
    """Run the given rules over the snapshot (pure); one finding per fingerprint."""
    ctx.snapshot = snapshot
    found: dict[str, Finding] = {}
    for rule_id in rules:
        for item in RULES[rule_id].findings(snapshot, ctx):
            found.setdefault(item.fingerprint, item)
    return list(found.values())


def load_snapshot(session: Session) -> Snapshot:
    """Live records of every type from the store, plus the ids the store marks deleted.

    Organisations are full records; the other types (the bulk) are lean refs with interned ids, read as
    plain column tuples, to keep memory flat.
    """
    snap = Snapshot()
    for stored in load_records(session, "organisation", include_deleted=True):
        if stored.is_deleted:
            snap.deleted.setdefault("organisation", set()).add(stored.record.id)
        else:
            snap.organisations[stored.record.id] = stored.record  # type: ignore[assignment]
    for entity, (columns, build) in _LEAN.items():
        target = getattr(snap, _ATTR[entity])
        deleted = snap.deleted.setdefault(entity, set())
        for row in load_column_rows(session, entity, columns):  # (deleted, *columns)
            if row[0]:
                deleted.add(row[1])
            else:
                target[row[1]] = build(row[1:])
    return snap


def _i(value: str | None) -> str | None:
    return sys.intern(value) if value else value


# entity -> (the columns the rules read, a builder of the lean ref from those values in that order)
_LEAN: dict[EntityType, tuple[tuple[str, ...], Callable[[Any], Any]]] = {
    "contact": (
        ("id", "first_name", "infix", "last_name", "email", "organisation_id", "roles"),
        lambda r: ContactRef(r[0], r[1], r[2], r[3], r[4], _i(r[5]), r[6]),
    ),
    "package": (
        ("id", "name", "supplier_id", "registered_by", "remote_created"),
        lambda r: PackageRef(r[0], r[1], _i(r[2]), _i(r[3]), r[4]),
    ),
    "usage": (
        ("id", "organisation_id", "package_id", "koppelingen"),
        lambda r: UsageRef(r[0], _i(r[1]), _i(r[2]), r[3]),
    ),
    "koppeling": (
        ("id", "name", "package_a_id", "package_b_id", "intermediary_id", "supplier_id"),
        lambda r: KoppelingRef(r[0], r[1], _i(r[2]), _i(r[3]), _i(r[4]), _i(r[5])),
    ),
}


def _require_full_sync(session: Session, store: Store) -> None:
    """Findings on a store that never saw a complete listing would be noise (every gemeente 'missing')."""
    if last_run(session, mode="full", statuses=("success", "partial")) is None:
        raise SwcError(
            f"The store at {store.location} has no completed full catalogue sync yet; nothing to reconcile.",
            hint="run `swc-beheer sync --full` first",
        )


def run_reconcile(
    store: Store,
    register: Register,
    settings: ReconcileSettings,
    now: datetime,
    *,
    links: CatalogueLinks | None = None,
    rules: Sequence[str] | None = None,
) -> ReconcileReport:
    """Check the stored catalogue against the rules and the register; record findings in one transaction."""
    rule_ids = list(rules) if rules is not None else enabled_rules(settings)
    with store.transaction() as session:
        _require_full_sync(session, store)
        snapshot = load_snapshot(session)
        ctx = RuleContext(register=register, settings=settings, now=now, links=links)
        findings = check_rules(snapshot, ctx, rule_ids)
        run_id = save_reconcile_run(session, started_at=now, rules=rule_ids)
        stats = save_findings(session, findings, rule_ids, now, run_id)
        finished = datetime.now(now.tzinfo)
        save_reconcile_run_totals(
            session, run_id, finished_at=finished, total=stats.total, new=stats.new,
            resolved=stats.resolved, reopened=stats.reopened,
        )  # fmt: skip
        current = list_findings(session, rules=rule_ids)
        resolved = list_findings(session, statuses=("resolved",), fingerprints=stats.resolved_fingerprints)
    return ReconcileReport(run_id, now, finished, rule_ids, current, stats, resolved)
