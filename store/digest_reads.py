"""What a digest reads from the store: findings that changed in a period, catalogue changes, headline numbers.

Read-only queries; the digest (reports/digest) turns their rows into text. Periods are half-open:
(start, end], so a moment belongs to exactly one digest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from store.base import Store
from store.catalogue_tables import catalogue_version, held_deletion, organisation, package, usage
from store.catalogue_tables import contact as contact_table
from store.findings_tables import finding

__all__ = [
    "CatalogueChanges",
    "FindingChanges",
    "NamedRecord",
    "load_catalogue_changes",
    "load_finding_changes",
    "load_headline_numbers",
]


@dataclass(frozen=True)
class FindingChanges:
    """Finding rows (the `finding` table's columns, without last_run_id) that changed in a period."""

    new: list[dict[str, Any]] = field(default_factory=list)
    resolved: list[dict[str, Any]] = field(default_factory=list)
    reopened: list[dict[str, Any]] = field(default_factory=list)
    alerting: int = 0  # new or open and not accepted, now


@dataclass(frozen=True)
class NamedRecord:
    id: str
    name: str | None
    kind: str | None = None


@dataclass(frozen=True)
class CatalogueChanges:
    new_organisations: int
    new_organisations_top: list[NamedRecord]
    suppliers_waiting: int
    suppliers_waiting_top: list[NamedRecord]
    new_concept_packages: int
    new_concept_packages_top: list[NamedRecord]
    deletions: dict[str, int]  # entity type -> soft deletes in the period
    held_deletions: dict[str, int]  # entity type -> deletions held by the brake, now


_FINDING_COLUMNS = [c for c in finding.c if c.name != "last_run_id"]


def load_finding_changes(store: Store, start: datetime, end: datetime) -> FindingChanges:
    """Findings first seen, resolved or reopened in (start, end]."""

    def in_period(column: Any) -> Any:
        return sa.and_(column > start, column <= end)

    queries = {
        "new": sa.and_(in_period(finding.c.first_seen), finding.c.reopened == 0),
        "resolved": sa.and_(finding.c.status == "resolved", in_period(finding.c.resolved_at)),
        "reopened": sa.and_(
            finding.c.status.in_(("new", "open")), finding.c.reopened > 0, finding.c.first_seen <= start,
            in_period(finding.c.last_seen),
        ),
    }  # fmt: skip
    found: dict[str, list[dict[str, Any]]] = {}
    with store.sessions() as session:
        for name, condition in queries.items():
            stmt = sa.select(*_FINDING_COLUMNS).where(condition).order_by(finding.c.step, finding.c.subject)
            found[name] = [dict(row._mapping) for row in session.execute(stmt)]
        alerting = session.execute(
            sa.select(sa.func.count())
            .select_from(finding)
            .where(finding.c.status.in_(("new", "open")), finding.c.accepted_at.is_(None))
        ).scalar_one()
    return FindingChanges(found["new"], found["resolved"], found["reopened"], int(alerting))


def _named(session: Any, table: sa.Table, condition: Any, limit: int) -> tuple[int, list[NamedRecord]]:
    total = session.execute(sa.select(sa.func.count()).select_from(table).where(condition)).scalar_one()
    kind = table.c.type if "type" in table.c else sa.null()
    rows = session.execute(
        sa.select(table.c.id, table.c.name, kind)
        .where(condition)
        .order_by(table.c.first_seen.desc(), table.c.name)
        .limit(limit)
    ).all()
    return int(total), [NamedRecord(row[0], row[1], row[2]) for row in rows]


def load_catalogue_changes(store: Store, start: datetime, end: datetime, *, top: int = 5) -> CatalogueChanges:
    """New organisations and concept packages in (start, end], suppliers waiting now, deletions."""

    def live_new(table: sa.Table) -> Any:
        return sa.and_(table.c.deleted_at.is_(None), table.c.first_seen > start, table.c.first_seen <= end)

    with store.sessions() as session:
        orgs = _named(session, organisation, live_new(organisation), top)
        waiting = _named(
            session, organisation,
            sa.and_(organisation.c.deleted_at.is_(None), organisation.c.type == "leverancier",
                    organisation.c.status == "concept"),
            top,
        )  # fmt: skip
        concepts = _named(session, package, sa.and_(live_new(package), package.c.status == "concept"), top)
        deletions = session.execute(
            sa.select(catalogue_version.c.entity_type, sa.func.count())
            .where(
                catalogue_version.c.change == "deleted",
                catalogue_version.c.valid_from > start,
                catalogue_version.c.valid_from <= end,
            )
            .group_by(catalogue_version.c.entity_type)
        ).all()
        held = session.execute(
            sa.select(held_deletion.c.entity_type, sa.func.count()).group_by(held_deletion.c.entity_type)
        ).all()
    return CatalogueChanges(
        orgs[0], orgs[1], waiting[0], waiting[1], concepts[0], concepts[1],
        {str(k): int(v) for k, v in deletions}, {str(k): int(v) for k, v in held},
    )  # fmt: skip


def load_headline_numbers(store: Store) -> dict[str, int]:
    """Municipalities with a landscape (live gebruik), active users (live contacts), live packages."""
    landscapes = (
        sa.select(sa.func.count(sa.distinct(usage.c.organisation_id)))
        .select_from(usage.join(organisation, organisation.c.id == usage.c.organisation_id))
        .where(
            usage.c.deleted_at.is_(None),
            organisation.c.deleted_at.is_(None),
            organisation.c.type == "gemeente",
        )
    )

    def live(table: sa.Table) -> Any:
        return sa.select(sa.func.count()).select_from(table).where(table.c.deleted_at.is_(None))

    with store.sessions() as session:
        return {
            "municipalities_with_landscape": int(session.execute(landscapes).scalar_one()),
            "active_users": int(session.execute(live(contact_table)).scalar_one()),
            "packages": int(session.execute(live(package)).scalar_one()),
        }
