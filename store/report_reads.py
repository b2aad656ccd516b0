"""What the reports read from the store: catalogue rows now or as of a date, creation dates and deletions
for growth per month, and the reconcile runs. Plain column reads with flat memory; no report logic here.

"As of" a moment means what the store knew then: for every object its newest `catalogue_version` row at
that moment (deleted ones left out). When that is still the current version the typed columns of the entity
row are used; an older version is rebuilt from its raw JSON with the catalogue connector's own mapping.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from connectors.catalogue_models import EntityType, RecordError, parse_record
from store.catalogue_tables import RECORD_COLUMNS, TUPLE_COLUMNS, catalogue_version, entity_table, sync_run
from store.findings_tables import reconcile_run

__all__ = [
    "ReconcileRunRow",
    "UsageAggregates",
    "creation_months",
    "deletion_events",
    "first_sync_at",
    "read_rows",
    "reconcile_runs",
    "usage_aggregates",
]

_BATCH = 5000


def read_rows(
    session: Session, entity: EntityType, columns: Sequence[str], *, as_of: datetime | None = None
) -> Iterator[tuple[Any, ...]]:
    """Tuples of the given entity-table columns for every live object (JSON arrays as tuples).

    With `as_of`, the objects live at that moment as the store knew them, each in its version of then.
    """
    table = entity_table(entity)
    tuples = [i for i, name in enumerate(columns) if name in TUPLE_COLUMNS[entity]]
    selected = [table.c[name] for name in columns]
    if as_of is None:
        stmt = sa.select(*selected).where(table.c.deleted_at.is_(None))
        for row in session.execute(stmt.execution_options(yield_per=_BATCH)):
            yield _tupled(tuple(row), tuples)
        return
    yield from _rows_as_of(session, entity, columns, as_of, tuples)


def _tupled(row: tuple[Any, ...], positions: list[int]) -> tuple[Any, ...]:
    if not positions:
        return row
    values = list(row)
    for i in positions:
        values[i] = tuple(values[i] or ())
    return tuple(values)


def _rows_as_of(
    session: Session, entity: EntityType, columns: Sequence[str], when: datetime, tuples: list[int]
) -> Iterator[tuple[Any, ...]]:
    table, v = entity_table(entity), catalogue_version
    latest = (
        sa.select(v.c.id, sa.func.max(v.c.version_no).label("version_no"))
        .where(v.c.entity_type == entity, v.c.valid_from <= when)
        .group_by(v.c.id)
        .subquery()
    )
    stmt = (
        sa.select(v.c.version_no == table.c.version, v.c.raw, *(table.c[c] for c in columns))
        .join(latest, sa.and_(v.c.id == latest.c.id, v.c.version_no == latest.c.version_no))
        .join(table, table.c.id == v.c.id)
        .where(v.c.entity_type == entity, v.c.change != "deleted")
    )
    field_of = {column: field for field, column in RECORD_COLUMNS[entity]}
    for current, raw, *values in session.execute(stmt.execution_options(yield_per=_BATCH)):
        if current or raw is None:
            yield _tupled(tuple(values), tuples)
            continue
        try:
            record = parse_record(entity, raw)
        except RecordError:
            continue  # a version the sync skipped as unmappable was never stored as live either
        yield _tupled(
            tuple(
                getattr(record, field_of[c]) if c in field_of else values[i] for i, c in enumerate(columns)
            ),
            tuples,
        )


def _aware(value: Any) -> datetime:
    """coalesce() loses the column type on SQLite: parse text and add the UTC zone the store keeps."""
    from datetime import UTC

    moment: datetime = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def deletion_events(session: Session, entity: EntityType) -> list[tuple[str, datetime, str]]:
    """(id, when, "deleted" | "restored") from the store's history, oldest first."""
    v = catalogue_version
    stmt = (
        sa.select(v.c.id, v.c.valid_from, v.c.change)
        .where(v.c.entity_type == entity, v.c.change.in_(("deleted", "restored")))
        .order_by(v.c.valid_from, v.c.version_no)
    )
    return [(row[0], row[1], row[2]) for row in session.execute(stmt)]


def first_sync_at(session: Session) -> datetime | None:
    """When the store's history begins: the start of its first successful or partial catalogue sync."""
    found: datetime | None = session.execute(
        sa.select(sa.func.min(sync_run.c.started)).where(sync_run.c.status.in_(("success", "partial")))
    ).scalar_one_or_none()
    return _aware(found) if found is not None else None


@dataclass(frozen=True, slots=True)
class ReconcileRunRow:
    id: int
    started_at: datetime
    total: int
    new: int
    resolved: int
    reopened: int


def reconcile_runs(session: Session, limit: int = 2) -> list[ReconcileRunRow]:
    """The newest reconcile runs, newest first."""
    r = reconcile_run
    stmt = (
        sa.select(r.c.id, r.c.started_at, r.c.total, r.c.new, r.c.resolved, r.c.reopened)
        .order_by(r.c.id.desc())
        .limit(limit)
    )
    return [ReconcileRunRow(*row) for row in session.execute(stmt)]


@dataclass
class UsageAggregates:
    """The usage report's counts over the live catalogue, computed by the database."""

    per_organisation: dict[str, int]  # afnemer -> live gebruik
    status: dict[str, int]  # normalised status ("" for none) -> live gebruik
    package_usages: dict[str, int]  # package -> live gebruik
    package_municipalities: dict[str, int]  # package -> distinct live gemeente afnemers
    supplier_customers: dict[str, int]  # supplier (of a live package) -> distinct afnemers
    koppelingen: dict[str, int]  # "intern" | "extern" -> live koppelingen
    contacts: int
    usages: int


def _counts(session: Session, stmt: Any) -> dict[Any, int]:
    return {row[0]: int(row[1]) for row in session.execute(stmt)}


def usage_aggregates(session: Session) -> UsageAggregates:
    """Counts for the usage report, grouped in SQL (flat memory at any scale)."""
    u, o, p = entity_table("usage"), entity_table("organisation"), entity_table("package")
    k, c = entity_table("koppeling"), entity_table("contact")
    live_u = u.c.deleted_at.is_(None)
    count = sa.func.count()
    distinct_orgs = sa.func.count(sa.distinct(u.c.organisation_id))
    gemeente = sa.and_(o.c.id == u.c.organisation_id, o.c.deleted_at.is_(None), o.c.type == "gemeente")
    supplier = sa.and_(p.c.id == u.c.package_id, p.c.deleted_at.is_(None))
    extern = sa.case((k.c.external_id.is_(None), "intern"), else_="extern")
    status = _counts(session, sa.select(u.c.status, count).where(live_u).group_by(u.c.status))
    not_null = (live_u, u.c.organisation_id.is_not(None))
    per_org = sa.select(u.c.organisation_id, count).where(*not_null).group_by(u.c.organisation_id)
    per_package = sa.select(u.c.package_id, count).where(live_u, u.c.package_id.is_not(None))
    municipalities = (
        sa.select(u.c.package_id, distinct_orgs)
        .join(o, gemeente)
        .where(live_u, u.c.package_id.is_not(None))
        .group_by(u.c.package_id)
    )
    customers = (
        sa.select(p.c.supplier_id, distinct_orgs)
        .join(p, supplier)
        .where(*not_null, p.c.supplier_id.is_not(None))
        .group_by(p.c.supplier_id)
    )
    kinds = sa.select(extern, count).where(k.c.deleted_at.is_(None)).group_by(extern)
    contacts = sa.select(count).select_from(c).where(c.c.deleted_at.is_(None))
    return UsageAggregates(
        per_organisation=_counts(session, per_org),
        status={key or "": value for key, value in status.items()},
        package_usages=_counts(session, per_package.group_by(u.c.package_id)),
        package_municipalities=_counts(session, municipalities),
        supplier_customers=_counts(session, customers),
        koppelingen=_counts(session, kinds),
        contacts=int(session.execute(contacts).scalar_one()),
        usages=sum(status.values()),
    )


def creation_months(session: Session, entity: EntityType, until: datetime) -> dict[str, int]:
    """ "YYYY-MM" -> objects (live or deleted) created in that month (UTC) up to `until`.

    Created: @self.created, else the sync that first saw the object.
    """
    table = entity_table(entity)
    created = sa.func.coalesce(table.c.remote_created, table.c.first_seen)
    if session.get_bind().dialect.name == "postgresql":
        month = sa.func.to_char(sa.func.timezone("UTC", created), "YYYY-MM")
    else:  # SQLite keeps UTC as text, 'YYYY-MM-DD HH:MM:SS...'
        month = sa.func.substr(created, 1, 7)
    stmt = sa.select(month, sa.func.count()).where(created <= until).group_by(month)
    return _counts(session, stmt)
