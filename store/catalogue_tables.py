"""The catalogue area of the store: one typed table per entity type, version history, sync runs and cursors.

Alembic branch "catalogue" (store/migrations/versions/*catalogue*) creates exactly these tables;
`tests/unit/sync/test_catalogue_tables.py` checks that the migration and this module agree.

Entity tables (`catalogue_<entity>`) hold the newest known state of every object ever seen:
the record's fields as typed columns (tuples as JSON arrays) plus the common bookkeeping columns

    id              the object uuid (primary key)
    content_hash    sha256 of the normalised raw object (see sync.content_hash)
    raw             the object as last received
    remote_created  @self.created;  remote_updated  @self.updated
    first_seen      when a sync first saw it;  last_seen  the last sync that listed it
    changed_at      the last run that changed it (new, changed, deleted, restored)
    deleted_at      soft delete: NULL = live
    version         number of the newest row in catalogue_version for it
    last_run_id     the last sync_run that listed (or deleted) it

All timestamps are timezone-aware UTC on both SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from connectors.catalogue_models import ENTITY_TYPES, RECORD_TYPES, CatalogueRecord, EntityType
from store.base import metadata

__all__ = [
    "UTCDateTime",
    "JSONType",
    "ENTITY_TABLES",
    "RECORD_COLUMNS",
    "TUPLE_COLUMNS",
    "catalogue_version",
    "sync_run",
    "sync_run_stats",
    "sync_skipped",
    "sync_cursor",
    "held_deletion",
    "sync_lock",
    "StoredRecord",
    "VersionRow",
    "iter_stored",
    "as_of",
    "entity_table",
    "count_live",
]


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """A timestamp stored as UTC and always returned timezone-aware (SQLite keeps no zone itself)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: the store keeps aware UTC timestamps only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _common_columns() -> list[sa.Column[Any]]:
    return [
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("raw", JSONType, nullable=False),
        sa.Column("generation", sa.SmallInteger, nullable=False),
        sa.Column("remote_created", UTCDateTime),
        sa.Column("remote_updated", UTCDateTime),
        sa.Column("published", UTCDateTime),
        sa.Column("owner", sa.Text),
        sa.Column("tenant", sa.Text),
        sa.Column("first_seen", UTCDateTime, nullable=False),
        sa.Column("last_seen", UTCDateTime, nullable=False),
        sa.Column("changed_at", UTCDateTime, nullable=False),
        sa.Column("deleted_at", UTCDateTime),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("last_run_id", sa.Integer),
    ]


def _text(*names: str) -> list[sa.Column[Any]]:
    return [sa.Column(name, sa.Text) for name in names]


def _json(*names: str) -> list[sa.Column[Any]]:
    return [sa.Column(name, JSONType) for name in names]


organisation = sa.Table(
    "catalogue_organisation",
    metadata,
    *_common_columns(),
    *_text("name", "type", "type_raw", "status", "status_raw", "website", "email", "phone", "kvk"),
    sa.Column("cbs_code", sa.Integer),
    *_text("cooperation_type", "merged_into"),
    *_json("members", "memberships", "contacts"),
    sa.Index(None, "type"),
    sa.Index(None, "cbs_code"),
    sa.Index(None, "kvk"),
)

contact = sa.Table(
    "catalogue_contact",
    metadata,
    *_common_columns(),
    *_text("first_name", "infix", "last_name", "email", "phone", "job_title", "organisation_id", "username"),
    *_json("roles"),
    sa.Index(None, "organisation_id"),
    sa.Index(None, "email"),
)

package = sa.Table(
    "catalogue_package",
    metadata,
    *_common_columns(),
    *_text(
        "name",
        "short_description",
        "supplier_id",
        "contact_id",
        "package_type",
        "licence_type",
        "registered_by",
        "status",
        "status_raw",
    ),
    sa.Index(None, "supplier_id"),
)

usage = sa.Table(
    "catalogue_usage",
    metadata,
    *_common_columns(),
    *_text("organisation_id", "package_id", "package_version_id", "status", "status_raw", "contact_id"),
    *_json("members", "koppelingen"),
    sa.Index(None, "organisation_id"),
    sa.Index(None, "package_id"),
)

koppeling = sa.Table(
    "catalogue_koppeling",
    metadata,
    *_common_columns(),
    *_text(
        "name",
        "koppeling_type",
        "status",
        "status_raw",
        "direction",
        "package_a_id",
        "package_b_id",
        "intermediary_id",
        "external_id",
        "supplier_id",
    ),
)

ENTITY_TABLES: dict[EntityType, sa.Table] = {
    "organisation": organisation,
    "contact": contact,
    "package": package,
    "usage": usage,
    "koppeling": koppeling,
}

# Model field -> column for the common fields whose column name differs.
_RENAMED = {"created": "remote_created", "updated": "remote_updated"}

# Per entity: the model fields that have a column (fields a newer model adds stay in `raw` only).
RECORD_COLUMNS: dict[EntityType, tuple[tuple[str, str], ...]] = {
    entity: tuple(
        (field, _RENAMED.get(field, field))
        for field in RECORD_TYPES[entity].model_fields
        if _RENAMED.get(field, field) in ENTITY_TABLES[entity].c
    )
    for entity in ENTITY_TYPES
}
TUPLE_COLUMNS: dict[EntityType, frozenset[str]] = {
    entity: frozenset(
        c.name for c in ENTITY_TABLES[entity].c if c.name != "raw" and isinstance(c.type, sa.JSON)
    )
    for entity in ENTITY_TYPES
}

catalogue_version = sa.Table(
    "catalogue_version",
    metadata,
    sa.Column("entity_type", sa.String(20), primary_key=True),
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("version_no", sa.Integer, primary_key=True),
    sa.Column("run_id", sa.Integer, nullable=False),
    sa.Column("valid_from", UTCDateTime, nullable=False),
    sa.Column("change", sa.String(10), nullable=False),  # new | changed | deleted | restored
    sa.Column("content_hash", sa.String(64)),
    sa.Column("raw", JSONType),  # NULL for "deleted", and for the current version (the entity row has it)
    sa.Index(None, "entity_type", "valid_from"),
    sa.Index(None, "run_id"),
)

sync_run = sa.Table(
    "sync_run",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("source", sa.String(20), nullable=False, server_default="catalogue"),
    sa.Column("mode", sa.String(12), nullable=False),  # full | incremental
    sa.Column("started", UTCDateTime, nullable=False),
    sa.Column("finished", UTCDateTime),
    sa.Column("status", sa.String(12), nullable=False),  # running | success | partial | failed | interrupted
    sa.Column("error", sa.Text),
    sa.Column("requests", sa.Integer, nullable=False, server_default="0"),
    sa.Column("retries", sa.Integer, nullable=False, server_default="0"),
    sa.Column("settings_digest", sa.String(64)),
    sa.Column("pid", sa.Integer),
    sa.Column("host", sa.Text),
    sa.Index(None, "status"),
)

sync_run_stats = sa.Table(
    "sync_run_stats",
    metadata,
    sa.Column("run_id", sa.Integer, primary_key=True),
    sa.Column("entity_type", sa.String(20), primary_key=True),
    sa.Column("new", sa.Integer, nullable=False),
    sa.Column("changed", sa.Integer, nullable=False),
    sa.Column("unchanged", sa.Integer, nullable=False),
    sa.Column("restored", sa.Integer, nullable=False),
    sa.Column("deleted", sa.Integer, nullable=False),
    sa.Column("skipped", sa.Integer, nullable=False),
    sa.Column("held_deletions", sa.Integer, nullable=False),
    sa.Column("listed", sa.Integer, nullable=False),
    sa.Column("complete", sa.Boolean),  # NULL: not a full listing (incremental)
)

sync_skipped = sa.Table(
    "sync_skipped",
    metadata,
    sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.Integer, nullable=False),
    sa.Column("entity_type", sa.String(20), nullable=False),
    sa.Column("record_id", sa.Text),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Index(None, "run_id"),
)

sync_cursor = sa.Table(
    "sync_cursor",
    metadata,
    sa.Column("entity_type", sa.String(20), primary_key=True),
    sa.Column("watermark", UTCDateTime, nullable=False),  # max @self.updated seen
    sa.Column("run_id", sa.Integer, nullable=False),
)

held_deletion = sa.Table(
    "held_deletion",
    metadata,
    sa.Column("entity_type", sa.String(20), primary_key=True),
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("run_id", sa.Integer, nullable=False),
)

# SQLite's single-run lock (PostgreSQL uses an advisory lock): one row per lock name while held.
sync_lock = sa.Table(
    "sync_lock",
    metadata,
    sa.Column("name", sa.String(40), primary_key=True),
    sa.Column("run_id", sa.Integer),
    sa.Column("pid", sa.Integer, nullable=False),
    sa.Column("host", sa.Text, nullable=False),
    sa.Column("process_started", sa.Float),  # psutil create_time, guards against pid reuse
    sa.Column("acquired", UTCDateTime, nullable=False),
)


def entity_table(entity_type: str) -> sa.Table:
    """The table of an entity type; ValueError naming the valid types otherwise."""
    try:
        return ENTITY_TABLES[entity_type]  # type: ignore[index]
    except KeyError:
        raise ValueError(
            f"unknown entity type {entity_type!r}; expected one of {', '.join(ENTITY_TYPES)}"
        ) from None


@dataclass(frozen=True, slots=True)
class StoredRecord:
    """A record as stored, with the sync's bookkeeping."""

    record: CatalogueRecord
    first_seen: datetime
    last_seen: datetime
    changed_at: datetime
    deleted_at: datetime | None

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


def iter_stored(
    session: Session,
    entity_type: EntityType,
    *,
    include_deleted: bool = False,
    with_raw: bool = True,
    batch_size: int = 5000,
) -> Iterator[StoredRecord]:
    """Stream the stored records of one type (live only by default), rebuilt without validation.

    Rows are fetched in batches of `batch_size`; memory stays flat however large the table.
    `with_raw=False` skips the raw JSON (record.raw is then {}), which roughly halves the cost.
    """
    table = entity_table(entity_type)
    model = RECORD_TYPES[entity_type]
    fields = (
        RECORD_COLUMNS[entity_type]
        if with_raw
        else tuple(p for p in RECORD_COLUMNS[entity_type] if p[0] != "raw")
    )
    tuples = TUPLE_COLUMNS[entity_type]
    bookkeeping = [table.c.first_seen, table.c.last_seen, table.c.changed_at, table.c.deleted_at]
    stmt = sa.select(*bookkeeping, *(table.c[col] for _, col in fields))
    if not include_deleted:
        stmt = stmt.where(table.c.deleted_at.is_(None))
    names = [field for field, _ in fields]
    tuple_positions = [i for i, (_, col) in enumerate(fields) if col in tuples]
    build = _builder(model)
    result = session.execute(stmt.execution_options(yield_per=batch_size))
    for partition in result.partitions():
        for row in partition:
            values = list(row[4:])
            for i in tuple_positions:
                values[i] = tuple(values[i] or ())
            record = build(dict(zip(names, values, strict=True)))
            yield StoredRecord(record, row[0], row[1], row[2], row[3])


def _builder(model: type[CatalogueRecord]) -> Callable[[dict[str, Any]], CatalogueRecord]:
    """A fast `model_construct`: the stored values were validated when they were saved."""
    defaults = {
        name: field.get_default(call_default_factory=False)
        for name, field in model.model_fields.items()
        if field.default_factory is None
    }
    factories = {
        name: field.default_factory for name, field in model.model_fields.items() if field.default_factory
    }

    def build(values: dict[str, Any]) -> CatalogueRecord:
        data = {**defaults, **values}
        for name, factory in factories.items():
            if name not in data:
                data[name] = factory()  # type: ignore[call-arg]
        record = model.__new__(model)
        object.__setattr__(record, "__dict__", data)
        object.__setattr__(record, "__pydantic_fields_set__", set(values))
        object.__setattr__(record, "__pydantic_extra__", None)
        object.__setattr__(record, "__pydantic_private__", None)
        return record

    return build


@dataclass(frozen=True, slots=True)
class VersionRow:
    """One row of catalogue_version: the state of an object from `valid_from` on."""

    entity_type: str
    id: str
    version_no: int
    run_id: int
    valid_from: datetime
    change: str
    content_hash: str | None
    raw: dict[str, Any] | None


def as_of(session: Session, entity_type: EntityType, when: datetime) -> Iterator[VersionRow]:
    """The objects of a type that were live at `when`, each as its newest version at that moment.

    Based on catalogue_version (written by every sync that changed something), so the answer is
    what the store knew at that time. Parse `raw` with connectors.catalogue_models.parse_record to
    get typed records.
    """
    table = entity_table(entity_type)
    v = catalogue_version
    latest = (
        sa.select(v.c.id, sa.func.max(v.c.version_no).label("version_no"))
        .where(v.c.entity_type == entity_type, v.c.valid_from <= when)
        .group_by(v.c.id)
        .subquery()
    )
    # the current version's row holds no raw: the entity row does (see store.catalogue_writes._version)
    raw = sa.func.coalesce(v.c.raw, table.c.raw, type_=JSONType)
    columns = [c for c in v.c if c.name != "raw"]
    stmt = (
        sa.select(*columns, raw.label("raw"))
        .join(latest, sa.and_(v.c.id == latest.c.id, v.c.version_no == latest.c.version_no))
        .join(table, table.c.id == v.c.id)
        .where(v.c.entity_type == entity_type, v.c.change != "deleted")
        .order_by(v.c.id)
    )
    for row in session.execute(stmt.execution_options(yield_per=2000)):
        yield VersionRow(**row._mapping)


def count_live(session: Session, entity_types: Sequence[EntityType] = ENTITY_TYPES) -> dict[str, int]:
    """Live (not deleted) records per entity type."""
    counts: dict[str, int] = {}
    for entity in entity_types:
        table = ENTITY_TABLES[entity]
        counts[entity] = session.execute(
            sa.select(sa.func.count()).select_from(table).where(table.c.deleted_at.is_(None))
        ).scalar_one()
    return counts
