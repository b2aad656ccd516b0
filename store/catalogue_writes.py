"""The catalogue sync's reads and writes inside its one data transaction (see sync.catalogue_sync).

Everything here runs in the session of one `RunScope`: the run's transaction, which commits at the end
together with the run's final status, so a failed or killed run leaves the store as the last completed
run left it. The sync decides (what is complete, what may be deleted, what to report); this module only
turns those decisions into SQL:

* `prepare_page` / `save_page`: a page of records in two halves. `prepare_page` (CPU work, on the event
  loop) builds every record's entity and version row as driver values, as if new; `save_page` (on the
  store's worker thread) looks the page's ids up, inserts the new ones, updates changed and restored ones
  (keeping the replaced raw JSON in the version row that held it by reference) and touches unchanged
  ones, all through the bulk writers of `store.bulk`.
* `save_skipped`, `save_watermark` / `load_watermark`, `save_run_stats`;
* deletions: `count_missing`, `count_live_records`, `clear_held`, `hold_missing`, `delete_missing` (the
  brake's arithmetic stays with the sync), and `load_held_sample` for the report.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from connectors.catalogue_models import CatalogueRecord, EntityType
from store.base import RawJSON
from store.bulk import RowWriter, insert_many, inserter, update_many
from store.catalogue_tables import (
    ENTITY_TABLES,
    RECORD_COLUMNS,
    TUPLE_COLUMNS,
    UTCDateTime,
    catalogue_version,
    held_deletion,
    sync_cursor,
    sync_run_stats,
    sync_skipped,
)

__all__ = [
    "RunScope",
    "SkippedLike",
    "PreparedPage",
    "PageCounts",
    "prepare_page",
    "save_page",
    "save_page_isolated",
    "save_skipped",
    "load_watermark",
    "save_watermark",
    "count_missing",
    "count_live_records",
    "clear_held",
    "hold_missing",
    "delete_missing",
    "save_run_stats",
    "load_held_sample",
]


@dataclass(frozen=True)
class RunScope:
    """One catalogue run's data transaction: its session, run id and timestamp (the run's start)."""

    session: Session
    run_id: int
    now: datetime

    @property
    def dialect(self) -> Dialect:
        return self.session.get_bind().dialect


class SkippedLike(Protocol):
    """A record the connector could not map (connectors.catalogue's SkippedRecord fits)."""

    @property
    def id(self) -> str | None: ...
    @property
    def reason(self) -> str: ...


# --- pages ------------------------------------------------------------------------------------------------


def _row(entity: EntityType, record: CatalogueRecord, digest: str) -> dict[str, Any]:
    tuples = TUPLE_COLUMNS[entity]
    row = {col: getattr(record, name) for name, col in RECORD_COLUMNS[entity]}
    for col in tuples:
        row[col] = list(row[col] or ())
    row["content_hash"] = digest
    return row


def _version(entity: str, scope: RunScope, rid: str, no: int, change: str, digest: str) -> dict[str, Any]:
    # no raw: a version row's raw stays NULL while it is the current version (the entity row holds it) and
    # is filled in when a newer version replaces it (`_keep_replaced_raw`), so a first sync writes it once
    return {
        "entity_type": entity,
        "id": rid,
        "version_no": no,
        "run_id": scope.run_id,
        "valid_from": scope.now,
        "change": change,
        "content_hash": digest,
    }


@dataclass
class PreparedPage:
    """A page made ready for the store on the event loop, so the store's thread only looks up and writes.

    Every record is prepared as if new (the common case of a first sync): its entity row and version row
    as driver values. The store thread uses those for the records it does not know yet and builds update
    rows for the others.
    """

    entity: EntityType
    records: dict[str, CatalogueRecord]  # unique by id: a page listing an id twice keeps the last
    digests: dict[str, str]
    raws: dict[str, RawJSON]
    new_rows: dict[str, Any]
    new_versions: dict[str, Any]
    skipped: Sequence[SkippedLike]
    inserter: RowWriter | None
    version_inserter: RowWriter | None


@dataclass
class PageCounts:
    """What saving one page did (added to the run's EntityStats by the sync)."""

    listed: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    restored: int = 0


def prepare_page(
    scope: RunScope,
    entity: EntityType,
    records: Sequence[CatalogueRecord],
    skipped: Sequence[SkippedLike],
    digest: Callable[[dict[str, Any]], str],
) -> PreparedPage:
    """Hash (with `digest`), serialise and convert a page's records (CPU work, while the store writes)."""
    by_id = {r.id: r for r in records}
    prepared = PreparedPage(entity, by_id, {}, {}, {}, {}, skipped, None, None)
    for rid, record in by_id.items():
        content = prepared.digests[rid] = digest(record.raw)
        raw = prepared.raws[rid] = RawJSON.dump(record.raw)  # serialised once, read by both row kinds
        row = _row(entity, record, content)
        row.update(
            raw=raw,
            first_seen=scope.now,
            last_seen=scope.now,
            changed_at=scope.now,
            version=1,
            last_run_id=scope.run_id,
        )
        version = _version(entity, scope, rid, 1, "new", content)
        if prepared.inserter is None or prepared.version_inserter is None:
            prepared.inserter = inserter(scope.dialect, ENTITY_TABLES[entity], list(row))
            prepared.version_inserter = inserter(scope.dialect, catalogue_version, list(version))
        prepared.new_rows[rid] = prepared.inserter.values(row)
        prepared.new_versions[rid] = prepared.version_inserter.values(version)
    return prepared


def save_page(scope: RunScope, page: PreparedPage) -> PageCounts:
    """Write a prepared page: insert new, update changed/restored, touch unchanged (batched)."""
    entity = page.entity
    table = ENTITY_TABLES[entity]
    existing = {
        row.id: row
        for row in scope.session.execute(
            sa.select(
                table.c.id, table.c.content_hash, table.c.deleted_at, table.c.version, table.c.last_run_id
            ).where(table.c.id.in_(list(page.records)))
        )
    }
    counts = PageCounts(listed=len(page.records))
    inserts: list[Any] = []
    new_versions: list[Any] = []
    updates: list[dict[str, Any]] = []
    touches: list[str] = []
    versions: list[dict[str, Any]] = []
    for rid, record in page.records.items():
        digest = page.digests[rid]
        old = existing.get(rid)
        if old is None:
            inserts.append(page.new_rows[rid])
            new_versions.append(page.new_versions[rid])
            counts.new += 1
            continue
        seen_before = old.last_run_id == scope.run_id  # listed twice in one run: counted once
        if old.deleted_at is None and old.content_hash == digest:
            if not seen_before:
                touches.append(rid)
                counts.unchanged += 1
            continue
        change = "restored" if old.deleted_at is not None else "changed"
        row = _row(entity, record, digest)
        row.update(
            b_id=rid,
            raw=page.raws[rid],
            last_seen=scope.now,
            changed_at=scope.now,
            deleted_at=None,
            version=old.version + 1,
            last_run_id=scope.run_id,
        )
        updates.append(row)
        versions.append(_version(entity, scope, rid, old.version + 1, change, digest))
        if change == "restored":
            counts.restored += 1
        elif not seen_before:
            counts.changed += 1
    connection = scope.session.connection()
    if page.inserter is not None and page.version_inserter is not None:
        page.inserter.execute(connection, inserts)
        page.version_inserter.execute(connection, new_versions)
    if updates:
        _keep_replaced_raw(scope, entity, [row["b_id"] for row in updates])
        update_many(connection, table, updates, key="b_id")
        insert_many(connection, catalogue_version, versions)
    if touches:
        scope.session.execute(
            sa.update(table)
            .where(table.c.id.in_(touches))
            .values(last_seen=scope.now, last_run_id=scope.run_id)
        )
    return counts


def save_page_isolated(scope: RunScope, page: PreparedPage) -> tuple[PageCounts, list[tuple[str, str]]]:
    """`save_page`, but a record the database refuses is left out and returned as (id, reason), the page's
    other records saved; the reason names the database's error class, never the row's values.

    On PostgreSQL (whose limits a bounded record can still meet: an index row is at most ~2.7 kB, so a
    very long e-mail address or type cannot be indexed) the page is written under a savepoint, and only
    after a refusal record by record. SQLite holds whatever the mapping lets through (its limits are the
    mapping's: signed 64-bit integers, valid Unicode) and writes the page as is.
    """
    if scope.dialect.name != "postgresql":
        return save_page(scope, page), []
    try:
        with scope.session.begin_nested():
            return save_page(scope, page), []
    except sa.exc.DBAPIError as exc:
        if exc.connection_invalidated:
            raise
    counts, refused = PageCounts(), []
    for rid in list(page.records):
        try:
            with scope.session.begin_nested():
                one = save_page(scope, _only(page, rid))
        except sa.exc.DBAPIError as exc:
            if exc.connection_invalidated:
                raise
            refused.append((rid, f"could not be stored ({type(exc.orig or exc).__name__})"))
            continue
        for name in ("listed", "new", "changed", "unchanged", "restored"):
            setattr(counts, name, getattr(counts, name) + getattr(one, name))
    return counts, refused


def _only(page: PreparedPage, rid: str) -> PreparedPage:
    return PreparedPage(
        page.entity,
        {rid: page.records[rid]},
        {rid: page.digests[rid]},
        {rid: page.raws[rid]},
        {rid: page.new_rows[rid]},
        {rid: page.new_versions[rid]},
        (),
        page.inserter,
        page.version_inserter,
    )


def _keep_replaced_raw(scope: RunScope, entity: EntityType, ids: list[str]) -> None:
    """Before entity rows get a new version: copy their raw into the version row that held it by reference."""
    table, v = ENTITY_TABLES[entity], catalogue_version
    current = sa.select(table.c.raw).where(table.c.id == v.c.id).scalar_subquery()
    scope.session.execute(
        sa.update(v)
        .where(v.c.entity_type == entity, v.c.id.in_(ids), v.c.raw.is_(None), v.c.change != "deleted")
        .values(raw=current)
    )


def save_skipped(scope: RunScope, entity: str, skipped: Sequence[SkippedLike]) -> int:
    """Record the records a page could not map or store; returns how many.

    A skipped record the store already holds is marked as seen by this run (its last good version stays):
    a record that is listed but unreadable has not disappeared, so a full run never deletes it.
    """
    if not skipped:
        return 0
    scope.session.execute(
        sa.insert(sync_skipped),
        [
            {"run_id": scope.run_id, "entity_type": entity, "record_id": s.id, "reason": s.reason}
            for s in skipped
        ],
    )
    ids = [s.id for s in skipped if s.id is not None and len(s.id) <= 64]
    if ids and entity in ENTITY_TABLES:
        table = ENTITY_TABLES[entity]
        scope.session.execute(
            sa.update(table).where(table.c.id.in_(ids)).values(last_seen=scope.now, last_run_id=scope.run_id)
        )
    return len(skipped)


# --- watermarks -------------------------------------------------------------------------------------------


def load_watermark(session: Session, entity: str) -> datetime | None:
    """The newest `updated` an earlier run saw of `entity` (None before the first)."""
    value: datetime | None = session.execute(
        sa.select(sync_cursor.c.watermark).where(sync_cursor.c.entity_type == entity)
    ).scalar_one_or_none()
    return value


def save_watermark(scope: RunScope, entity: str, newest: datetime | None) -> None:
    """Move the watermark of `entity` forward to `newest` (never back)."""
    if newest is None:
        return
    current = load_watermark(scope.session, entity)
    if current is None:
        scope.session.execute(
            sa.insert(sync_cursor).values(entity_type=entity, watermark=newest, run_id=scope.run_id)
        )
    elif newest > current:
        scope.session.execute(
            sa.update(sync_cursor)
            .where(sync_cursor.c.entity_type == entity)
            .values(watermark=newest, run_id=scope.run_id)
        )


# --- deletions --------------------------------------------------------------------------------------------


def _missing(table: sa.Table, run_id: int) -> sa.ColumnElement[bool]:
    """Live records this run did not list."""
    return sa.and_(
        table.c.deleted_at.is_(None), sa.or_(table.c.last_run_id.is_(None), table.c.last_run_id != run_id)
    )


def count_missing(scope: RunScope, entity: EntityType) -> int:
    """How many live records of `entity` this run did not list."""
    table = ENTITY_TABLES[entity]
    count: int = scope.session.execute(
        sa.select(sa.func.count()).select_from(table).where(_missing(table, scope.run_id))
    ).scalar_one()
    return count


def count_live_records(scope: RunScope, entity: EntityType) -> int:
    """How many records of `entity` are live now (this run's new and restored ones included)."""
    table = ENTITY_TABLES[entity]
    count: int = scope.session.execute(
        sa.select(sa.func.count()).select_from(table).where(table.c.deleted_at.is_(None))
    ).scalar_one()
    return count


def clear_held(scope: RunScope, entity: EntityType) -> None:
    """Forget the deletions an earlier run held for `entity` (this run decides afresh)."""
    scope.session.execute(sa.delete(held_deletion).where(held_deletion.c.entity_type == entity))


def hold_missing(scope: RunScope, entity: EntityType) -> None:
    """Hold (record, not apply) the deletion of every live record of `entity` this run did not list."""
    table = ENTITY_TABLES[entity]
    scope.session.execute(
        sa.insert(held_deletion).from_select(
            ["entity_type", "id", "run_id"],
            sa.select(sa.literal(entity), table.c.id, sa.literal(scope.run_id)).where(
                _missing(table, scope.run_id)
            ),
        )
    )


def delete_missing(scope: RunScope, entity: EntityType) -> None:
    """Soft-delete every live record of `entity` this run did not list, with a "deleted" version row."""
    table = ENTITY_TABLES[entity]
    missing = _missing(table, scope.run_id)
    scope.session.execute(
        sa.insert(catalogue_version).from_select(
            ["entity_type", "id", "version_no", "run_id", "valid_from", "change", "content_hash"],
            sa.select(
                sa.literal(entity),
                table.c.id,
                table.c.version + 1,
                sa.literal(scope.run_id),
                sa.literal(scope.now, UTCDateTime()),
                sa.literal("deleted"),
                table.c.content_hash,
            ).where(missing),
        )
    )
    scope.session.execute(
        sa.update(table)
        .where(missing)
        .values(
            deleted_at=scope.now, changed_at=scope.now, version=table.c.version + 1, last_run_id=scope.run_id
        )
    )


def load_held_sample(session: Session, run_id: int, limit: int) -> tuple[list[tuple[str, str]], int]:
    """The deletions run `run_id` held: the first `limit` (entity type, id) pairs in order, and the total."""
    mine = held_deletion.c.run_id == run_id
    total = session.execute(sa.select(sa.func.count()).select_from(held_deletion).where(mine)).scalar_one()
    rows = session.execute(
        sa.select(held_deletion.c.entity_type, held_deletion.c.id)
        .where(mine)
        .order_by(held_deletion.c.entity_type, held_deletion.c.id)
        .limit(limit)
    )
    return [(r.entity_type, r.id) for r in rows], int(total)


# --- run stats --------------------------------------------------------------------------------------------


def save_run_stats(scope: RunScope, values: Mapping[str, Any]) -> None:
    """One `sync_run_stats` row for this run (`values`: its columns but run_id)."""
    scope.session.execute(sa.insert(sync_run_stats).values(run_id=scope.run_id, **values))
