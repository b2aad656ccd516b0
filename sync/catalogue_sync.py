"""One catalogue sync run: fetch page by page -> hash/diff -> save, atomically, with history and a brake.

`run_catalogue_sync(store, client, mode=...)` returns a RunReport; it never prints. Semantics:

* Change detection: `content_hash(raw)` = sha256 over canonical JSON (sorted keys, no whitespace) of the raw
  object with volatile parts removed: every `@self` key except those in KEPT_SELF_KEYS (so `updated`,
  `version`, `size`, `description` (falls back to the internal db id), `register`/`schema` (numeric ids per
  installation), `name`, `relations`, `files`, ... do not count), and empty values (null, "", [], {}) at any
  depth, because 2026 servers strip them and older ones send them. Unchanged hash: only last_seen and
  last_run_id are touched (one batch UPDATE per page), no version row.
* Streaming: pages are saved as they arrive (existing rows are selected for the page's ids only); nothing
  holds a whole entity type in memory. "Seen in this run" is `last_run_id = run id`, so deletions are one
  set query.
* Full runs soft-delete records missing from a COMPLETE listing (version row "deleted"); an incomplete
  listing deletes nothing and makes the run "partial". A deleted record that shows up again is "restored".
* Deletion brake: when more than `deletion_brake` of a type's live records would disappear, the deletions
  are held (`held_deletion` rows, reported) and the run is "partial". `confirm_deletions=True` lifts the
  brake for that run: every record still missing (including held ones) is deleted.
* Incremental runs read from the `sync_cursor` watermark (minus `overlap`) and never delete; without a
  watermark yet they read everything (and still delete nothing).
* Atomic: all data changes are ONE transaction that commits at the end together with the run's final
  status. A failed, interrupted or killed run leaves the store as the last completed run left it.
  A ConnectorError (or other SwcError) marks the run "failed" with its message; it is not raised.

A full run whose organisations came back but whose users or usage came back empty is "partial" too: that
is what a catalogue account without functioneel-beheerder/admin rights sees (RBAC answers 200, filtered).

Exit codes (RunReport.exit_code): 0 success; 3 partial (records skipped, deletions held or a listing
incomplete: the data that did arrive is saved); 1 failed or interrupted (nothing saved).
"""

from __future__ import annotations

import asyncio
import functools
import gc
import hashlib
import logging
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from config.errors import SwcError
from connectors import jsoncodec
from connectors.catalogue_models import ENTITY_TYPES, CatalogueRecord, EntityType
from store.base import RawJSON, Store
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
from store.runs import RunMode, RunStatus, finish_run, run_lock, stamp_finished, start_run
from sync.completeness import AccessCheck, CompletenessJudge, Judgement

__all__ = [
    "KEPT_SELF_KEYS",
    "content_hash",
    "CatalogueSource",
    "EntityStats",
    "SkippedRecord",
    "HeldDeletion",
    "RunReport",
    "ProgressCallback",
    "run_catalogue_sync",
    "REPORT_CAP",
]

# `@self` keys that carry meaning (soft delete, ownership, publication); all other `@self` keys are volatile.
KEPT_SELF_KEYS = frozenset({"deleted", "organisation", "owner", "published", "depublished"})
REPORT_CAP = 50  # skipped records and held deletions listed in a RunReport (all are in the database)
ProgressCallback = Callable[[str, int, int | None], None]
_T = TypeVar("_T")

log = logging.getLogger("swc.sync")


# --- what the sync needs from a catalogue client (connectors.catalogue.CatalogueClient fits) -------------


class _Skipped(Protocol):
    @property
    def id(self) -> str | None: ...
    @property
    def reason(self) -> str: ...


class _Page(Protocol):
    @property
    def records(self) -> Sequence[CatalogueRecord]: ...
    @property
    def skipped(self) -> Sequence[_Skipped]: ...


class _Listing(Protocol):
    @property
    def complete(self) -> bool: ...
    @property
    def requests(self) -> int: ...


class _Stats(Protocol):
    @property
    def requests(self) -> int: ...
    @property
    def retries(self) -> int: ...


class CatalogueSource(Protocol):
    """The part of CatalogueClient a sync uses."""

    @property
    def stats(self) -> _Stats: ...

    def fetch_pages(
        self, entity: EntityType, *, since: datetime | None = None, overlap: timedelta = ...
    ) -> AsyncIterator[_Page]: ...

    def listing(self, entity: EntityType) -> _Listing: ...


# --- content hash -----------------------------------------------------------------------------------------


_CONTAINERS = (dict, list)
_EMPTY_TYPES = (str, list, dict)


def _prune(value: Any) -> Any:
    """Drop empty values at any depth (2026 servers strip them, v0.2.7 servers send nulls)."""
    # hot path (every record of every run): recurse only into containers, test scalars inline
    if type(value) is dict:
        pruned = {}
        for key, item in value.items():
            if type(item) in _CONTAINERS:
                item = _prune(item)
            if item is None or (not item and type(item) in _EMPTY_TYPES):  # "", [], {}; not 0 or False
                continue
            pruned[key] = item
        return pruned
    if type(value) is list:
        return [_prune(item) if type(item) in _CONTAINERS else item for item in value]
    return value


def content_hash(raw: dict[str, Any]) -> str:
    """sha256 hex of the normalised raw object (see the module docstring for what is left out)."""
    body = {k: v for k, v in raw.items() if k != "@self"}
    meta = raw.get("@self")
    if isinstance(meta, dict):
        kept = {k: meta[k] for k in KEPT_SELF_KEYS if k in meta}
        if kept:
            body["@self"] = kept
    return hashlib.sha256(jsoncodec.dumps_canonical(_prune(body))).hexdigest()


# --- report -----------------------------------------------------------------------------------------------


@dataclass
class EntityStats:
    """What one run did to one entity type."""

    entity_type: str
    listed: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    restored: int = 0
    deleted: int = 0
    skipped: int = 0
    held_deletions: int = 0
    complete: bool | None = None  # full runs: whether the listing was complete; None for incremental
    requests: int = 0


@dataclass(frozen=True)
class SkippedRecord:
    entity_type: str
    id: str | None
    reason: str


@dataclass(frozen=True)
class HeldDeletion:
    entity_type: str
    id: str


# Below this many organisations an empty user or usage list is plausible (a new or test catalogue); the real
# catalogue has over a thousand, every one with users.
RIGHTS_CHECK_MIN_ORGANISATIONS = 50


@dataclass
class RunReport:
    """The outcome of one sync run. `exit_code`: 0 success, 3 partial, 1 failed or interrupted."""

    run_id: int
    mode: RunMode
    status: RunStatus
    started: datetime
    finished: datetime | None
    stats: dict[str, EntityStats] = field(default_factory=dict)
    skipped: list[SkippedRecord] = field(default_factory=list)  # the first REPORT_CAP
    skipped_total: int = 0
    held: list[HeldDeletion] = field(default_factory=list)  # the first REPORT_CAP
    held_total: int = 0
    requests: int = 0
    retries: int = 0
    store_location: str = ""
    error: str | None = None
    # the error for users: message-catalogue keys and values (see config.errors.SwcError); None: `error` as is
    error_key: str | None = None
    error_hint_key: str | None = None
    error_params: dict[str, Any] = field(default_factory=dict)
    error_hint: str | None = None
    deletion_brake: float = 0.05
    # full runs: why each type's listing was judged complete or not (sync/completeness.py)
    completeness: dict[str, Judgement] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == "success"

    @property
    def exit_code(self) -> int:
        return {"success": 0, "partial": 3}.get(self.status, 1)

    @property
    def duration(self) -> float:
        """Seconds from start to finish (0 while unfinished)."""
        return (self.finished - self.started).total_seconds() if self.finished else 0.0

    @property
    def incomplete(self) -> list[str]:
        return [name for name, s in self.stats.items() if s.complete is False]

    @property
    def rights_suspect(self) -> list[str]:
        """Types a full listing returned empty while organisations were there.

        OpenRegister answers 200 with filtered rows when the account lacks rights (RBAC, multitenancy), so
        an account that is not functioneel-beheerder/admin sees no users or usage of other organisations.
        """
        orgs = self.stats.get("organisation")
        if self.mode != "full" or orgs is None or orgs.listed < RIGHTS_CHECK_MIN_ORGANISATIONS:
            return []
        return [name for name in ("contact", "usage") if name in self.stats and self.stats[name].listed == 0]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(
            started=self.started.isoformat(),
            finished=self.finished.isoformat() if self.finished else None,
            duration=round(self.duration, 3),
            ok=self.ok,
            exit_code=self.exit_code,
        )
        return data


# --- saving pages -----------------------------------------------------------------------------------------


@dataclass
class _Run:
    session: Session
    run_id: int
    now: datetime
    mode: RunMode
    # every use of `session` during the run goes through this one worker thread, in submission order: the
    # entity types are fetched at the same time, the session is not thread-safe, and the event loop keeps
    # fetching while a page is saved
    worker: ThreadPoolExecutor
    judge: CompletenessJudge = field(default_factory=lambda: CompletenessJudge(None, ENTITY_TYPES))

    @property
    def dialect(self) -> Dialect:
        return self.session.get_bind().dialect

    async def store(self, work: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
        """Run `work(*args, **kwargs)` on the store's worker thread."""
        return await self.submit(work, *args, **kwargs)

    def submit(self, work: Callable[..., _T], *args: Any, **kwargs: Any) -> asyncio.Future[_T]:
        """Queue `work` on the store's worker thread (after everything queued before); await it later."""
        loop = asyncio.get_running_loop()
        return loop.run_in_executor(self.worker, functools.partial(work, *args, **kwargs))


def _row(entity: EntityType, record: CatalogueRecord, digest: str) -> dict[str, Any]:
    tuples = TUPLE_COLUMNS[entity]
    row = {col: getattr(record, name) for name, col in RECORD_COLUMNS[entity]}
    for col in tuples:
        row[col] = list(row[col] or ())
    row["content_hash"] = digest
    return row


def _version(entity: str, run: _Run, rid: str, no: int, change: str, digest: str) -> dict[str, Any]:
    # no raw: a version row's raw stays NULL while it is the current version (the entity row holds it) and
    # is filled in when a newer version replaces it (`_keep_replaced_raw`), so a first sync writes it once
    return {
        "entity_type": entity,
        "id": rid,
        "version_no": no,
        "run_id": run.run_id,
        "valid_from": run.now,
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
    skipped: Sequence[_Skipped]
    inserter: RowWriter | None
    version_inserter: RowWriter | None


def prepare_page(run: _Run, entity: EntityType, page: _Page) -> PreparedPage:
    """Hash, serialise and convert a page's records (CPU work, done while the store thread writes)."""
    records = {r.id: r for r in page.records}
    prepared = PreparedPage(entity, records, {}, {}, {}, {}, page.skipped, None, None)
    for rid, record in records.items():
        digest = prepared.digests[rid] = content_hash(record.raw)
        raw = prepared.raws[rid] = RawJSON.dump(record.raw)  # serialised once, read by both row kinds
        row = _row(entity, record, digest)
        row.update(
            raw=raw,
            first_seen=run.now,
            last_seen=run.now,
            changed_at=run.now,
            version=1,
            last_run_id=run.run_id,
        )
        version = _version(entity, run, rid, 1, "new", digest)
        if prepared.inserter is None or prepared.version_inserter is None:
            prepared.inserter = inserter(run.dialect, ENTITY_TABLES[entity], list(row))
            prepared.version_inserter = inserter(run.dialect, catalogue_version, list(version))
        prepared.new_rows[rid] = prepared.inserter.values(row)
        prepared.new_versions[rid] = prepared.version_inserter.values(version)
    return prepared


def save_prepared(run: _Run, page: PreparedPage, stats: EntityStats) -> None:
    """Write a prepared page: insert new, update changed/restored, touch unchanged (batched)."""
    entity = page.entity
    table = ENTITY_TABLES[entity]
    existing = {
        row.id: row
        for row in run.session.execute(
            sa.select(
                table.c.id, table.c.content_hash, table.c.deleted_at, table.c.version, table.c.last_run_id
            ).where(table.c.id.in_(list(page.records)))
        )
    }
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
            stats.new += 1
            continue
        seen_before = old.last_run_id == run.run_id
        if old.deleted_at is None and old.content_hash == digest:
            if not seen_before:
                touches.append(rid)
                stats.unchanged += 1
            continue
        change = "restored" if old.deleted_at is not None else "changed"
        row = _row(entity, record, digest)
        row.update(
            b_id=rid,
            raw=page.raws[rid],
            last_seen=run.now,
            changed_at=run.now,
            deleted_at=None,
            version=old.version + 1,
            last_run_id=run.run_id,
        )
        updates.append(row)
        versions.append(_version(entity, run, rid, old.version + 1, change, digest))
        if change == "restored":
            stats.restored += 1
        elif not seen_before:
            stats.changed += 1
    stats.listed += len(page.records)
    connection = run.session.connection()
    if page.inserter is not None and page.version_inserter is not None:
        page.inserter.execute(connection, inserts)
        page.version_inserter.execute(connection, new_versions)
    if updates:
        _keep_replaced_raw(run, entity, [row["b_id"] for row in updates])
        update_many(connection, table, updates, key="b_id")
        insert_many(connection, catalogue_version, versions)
    if touches:
        run.session.execute(
            sa.update(table).where(table.c.id.in_(touches)).values(last_seen=run.now, last_run_id=run.run_id)
        )


def _keep_replaced_raw(run: _Run, entity: EntityType, ids: list[str]) -> None:
    """Before entity rows get a new version: copy their raw into the version row that held it by reference."""
    table, v = ENTITY_TABLES[entity], catalogue_version
    current = sa.select(table.c.raw).where(table.c.id == v.c.id).scalar_subquery()
    run.session.execute(
        sa.update(v)
        .where(v.c.entity_type == entity, v.c.id.in_(ids), v.c.raw.is_(None), v.c.change != "deleted")
        .values(raw=current)
    )


def save_skipped(run: _Run, entity: str, skipped: Sequence[_Skipped], stats: EntityStats) -> None:
    if not skipped:
        return
    stats.skipped += len(skipped)
    run.session.execute(
        sa.insert(sync_skipped),
        [
            {"run_id": run.run_id, "entity_type": entity, "record_id": s.id, "reason": s.reason}
            for s in skipped
        ],
    )


# --- deletions and cursor -----------------------------------------------------------------------------------


def _missing(table: sa.Table, run_id: int) -> sa.ColumnElement[bool]:
    return sa.and_(
        table.c.deleted_at.is_(None), sa.or_(table.c.last_run_id.is_(None), table.c.last_run_id != run_id)
    )


def apply_deletions(
    run: _Run, entity: EntityType, stats: EntityStats, *, brake: float, confirm: bool
) -> None:
    """After a complete full listing: soft-delete what was not listed, or hold it when the brake trips."""
    table, session = ENTITY_TABLES[entity], run.session
    missing = _missing(table, run.run_id)
    count = session.execute(sa.select(sa.func.count()).select_from(table).where(missing)).scalar_one()
    session.execute(sa.delete(held_deletion).where(held_deletion.c.entity_type == entity))
    if count == 0:
        return
    live = session.execute(
        sa.select(sa.func.count()).select_from(table).where(table.c.deleted_at.is_(None))
    ).scalar_one()
    live_before = live - stats.new - stats.restored
    if not confirm and count > brake * live_before:
        session.execute(
            sa.insert(held_deletion).from_select(
                ["entity_type", "id", "run_id"],
                sa.select(sa.literal(entity), table.c.id, sa.literal(run.run_id)).where(missing),
            )
        )
        stats.held_deletions = count
        return
    session.execute(
        sa.insert(catalogue_version).from_select(
            ["entity_type", "id", "version_no", "run_id", "valid_from", "change", "content_hash"],
            sa.select(
                sa.literal(entity),
                table.c.id,
                table.c.version + 1,
                sa.literal(run.run_id),
                sa.literal(run.now, UTCDateTime()),
                sa.literal("deleted"),
                table.c.content_hash,
            ).where(missing),
        )
    )
    session.execute(
        sa.update(table)
        .where(missing)
        .values(deleted_at=run.now, changed_at=run.now, version=table.c.version + 1, last_run_id=run.run_id)
    )
    stats.deleted = count


def read_watermark(session: Session, entity: str) -> datetime | None:
    value: datetime | None = session.execute(
        sa.select(sync_cursor.c.watermark).where(sync_cursor.c.entity_type == entity)
    ).scalar_one_or_none()
    return value


def save_watermark(run: _Run, entity: str, newest: datetime | None) -> None:
    if newest is None:
        return
    current = read_watermark(run.session, entity)
    if current is None:
        run.session.execute(
            sa.insert(sync_cursor).values(entity_type=entity, watermark=newest, run_id=run.run_id)
        )
    elif newest > current:
        run.session.execute(
            sa.update(sync_cursor)
            .where(sync_cursor.c.entity_type == entity)
            .values(watermark=newest, run_id=run.run_id)
        )


# --- the run ------------------------------------------------------------------------------------------------


async def sync_entity(
    run: _Run,
    client: CatalogueSource,
    entity: EntityType,
    *,
    overlap: timedelta,
    brake: float,
    confirm: bool,
    progress: ProgressCallback | None,
) -> tuple[EntityStats, list[SkippedRecord]]:
    """Stream one entity type into the store; returns its stats and (capped) skipped records."""
    stats = EntityStats(entity)
    since = await run.store(read_watermark, run.session, entity) if run.mode == "incremental" else None
    newest: datetime | None = None
    skipped: list[SkippedRecord] = []
    saving: asyncio.Future[None] | None = None
    received = 0  # objects listed so far (the stats count them once saved, a page later)
    async for page in client.fetch_pages(entity, since=since, overlap=overlap):
        # A two-stage pipeline: this page's CPU work runs here, on the event loop, while the worker thread
        # still writes the previous page (SQLite and psycopg release the GIL while they write); the
        # connector keeps fetching meanwhile. The worker runs saves in submission order, so a page's id
        # lookups see every earlier page. At most one save per type waits: memory stays flat.
        prepared = prepare_page(run, entity, page)
        if saving is not None:
            await saving
        saving = run.submit(_save_page_and_skipped, run, prepared, stats)
        skipped.extend(
            SkippedRecord(entity, s.id, s.reason) for s in page.skipped[: REPORT_CAP - len(skipped)]
        )
        for record in page.records:
            if record.updated is not None and (newest is None or record.updated > newest):
                newest = record.updated
        received += len(page.records) + len(page.skipped)
        if progress:
            progress(entity, received, getattr(page, "total", None))
    if saving is not None:
        await saving
    listing = client.listing(entity)
    stats.requests = listing.requests
    if run.mode == "full":
        stats.complete = (await run.judge.judge(entity, listing)).complete
    await run.store(_finish_entity, run, entity, stats, newest, brake=brake, confirm=confirm)
    return stats, skipped


def _finish_entity(
    run: _Run, entity: EntityType, stats: EntityStats, newest: datetime | None, *, brake: float, confirm: bool
) -> None:
    save_watermark(run, entity, newest)
    if stats.complete:
        apply_deletions(run, entity, stats, brake=brake, confirm=confirm)
    _save_stats(run, stats)


def _save_page_and_skipped(run: _Run, page: PreparedPage, stats: EntityStats) -> None:
    save_prepared(run, page, stats)
    save_skipped(run, page.entity, page.skipped, stats)


def _save_stats(run: _Run, stats: EntityStats) -> None:
    values = asdict(stats)
    values.pop("requests")
    run.session.execute(sa.insert(sync_run_stats).values(run_id=run.run_id, **values))


def _held_sample(session: Session, run_id: int) -> tuple[list[HeldDeletion], int]:
    """The deletions this run held (a sample and the total)."""
    mine = held_deletion.c.run_id == run_id
    total = session.execute(sa.select(sa.func.count()).select_from(held_deletion).where(mine)).scalar_one()
    rows = session.execute(
        sa.select(held_deletion.c.entity_type, held_deletion.c.id)
        .where(mine)
        .order_by(held_deletion.c.entity_type, held_deletion.c.id)
        .limit(REPORT_CAP)
    )
    return [HeldDeletion(r.entity_type, r.id) for r in rows], int(total)


async def _run_all(
    run: _Run,
    client: CatalogueSource,
    report: RunReport,
    entity_types: Sequence[EntityType],
    *,
    brake: float,
    confirm: bool,
    overlap: timedelta,
    progress: ProgressCallback | None,
) -> None:
    """All entity types at once (the client bounds the requests in flight); the first failure stops all."""
    tasks = [
        asyncio.create_task(
            sync_entity(run, client, e, overlap=overlap, brake=brake, confirm=confirm, progress=progress)
        )
        for e in entity_types
    ]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
    finally:
        for task in tasks:
            task.cancel()  # no-op for finished ones
        await asyncio.gather(*tasks, return_exceptions=True)
    for task in tasks:
        if not task.cancelled() and (error := task.exception()) is not None:
            raise error
    for entity, task in zip(entity_types, tasks, strict=True):
        stats, skipped = task.result()
        report.stats[entity] = stats
        report.skipped.extend(skipped[: REPORT_CAP - len(report.skipped)])
        report.skipped_total += stats.skipped
    report.held, report.held_total = await run.store(_held_sample, run.session, run.run_id)


def _status(report: RunReport) -> RunStatus:
    if report.skipped_total or report.held_total or report.incomplete or report.rights_suspect:
        return "partial"
    return "success"


@contextmanager
def _fewer_gc_passes() -> Iterator[None]:
    """Let the cyclic garbage collector run rarely while a run allocates millions of short-lived objects.

    A run's objects die by reference counting (a page is dropped once saved); the collector finds next to
    nothing, yet its passes over a heap of parsed pages took up to a third of a first sync's CPU. Objects
    alive at the start (modules, settings, the engine) are frozen out of its scans for the run.
    """
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(max(threshold[0], GC_THRESHOLD), *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


GC_THRESHOLD = 10_000  # allocations between young-generation passes during a run (Python's default: 700)
# Not higher: httpx leaves each response in a reference cycle (Response <-> its bound stream) holding the
# page's bytes; at 100_000 those reached the old generation and peak memory grew with the catalogue's size.


async def run_catalogue_sync(
    store: Store,
    client: CatalogueSource,
    *,
    mode: RunMode = "full",
    deletion_brake: float = 0.05,
    confirm_deletions: bool = False,
    overlap: timedelta = timedelta(minutes=5),
    progress: ProgressCallback | None = None,
    entity_types: Sequence[EntityType] = ENTITY_TYPES,
    settings_digest: str | None = None,
    access: AccessCheck | None = None,
) -> RunReport:
    """Run one catalogue sync into `store` (see the module docstring). Raises SyncAborted if one runs.

    `access`: the account check a full run awaits before it may delete (sync/completeness.py); None
    means the caller vouches for the account, and only the listings are judged.
    """
    if mode not in ("full", "incremental"):
        raise ValueError(f"mode must be 'full' or 'incremental', not {mode!r}")
    with run_lock(store, "catalogue"), _fewer_gc_passes():
        run_id, started = start_run(store, mode=mode, settings_digest=settings_digest)
        report = RunReport(
            run_id,
            mode,
            "running",
            started,
            None,
            store_location=store.location,
            deletion_brake=deletion_brake,
        )
        base_requests, base_retries = client.stats.requests, client.stats.retries
        try:
            with store.transaction() as session, ThreadPoolExecutor(1, "swc-store") as worker:
                run = _Run(session, run_id, started, mode, worker, CompletenessJudge(access, entity_types))
                await _run_all(
                    run,
                    client,
                    report,
                    entity_types,
                    brake=deletion_brake,
                    confirm=confirm_deletions,
                    overlap=overlap,
                    progress=progress,
                )
                report.completeness = run.judge.judgements
                report.status = _status(report)
                _count_requests(report, client, base_requests, base_retries)
                report.finished = await run.store(
                    finish_run,
                    session,
                    run_id,
                    status=report.status,
                    requests=report.requests,
                    retries=report.retries,
                )
        except SwcError as exc:
            report.error_key, report.error_hint_key, report.error_hint = exc.key, exc.hint_key, exc.hint
            report.error_params = dict(exc.params)
            _fail(store, report, client, base_requests, base_retries, "failed", str(exc))
        except BaseException as exc:  # interrupted (Ctrl-C, cancelled) or a bug: record it, then re-raise
            interrupted = isinstance(exc, KeyboardInterrupt | SystemExit | GeneratorExit) or _cancelled(exc)
            message = "interrupted" if interrupted else f"internal error: {type(exc).__name__}: {exc}"
            _fail(
                store,
                report,
                client,
                base_requests,
                base_retries,
                "interrupted" if interrupted else "failed",
                message,
            )
            raise
        if report.status in ("success", "partial"):
            _stamp_after_commit(store, report)
    return report


def _stamp_after_commit(store: Store, report: RunReport) -> None:
    """Let the run's end include its commit; the data is safe already, so a failure here only loses that."""
    try:
        with store.transaction() as session:
            finished = stamp_finished(session, report.run_id)
        report.finished = finished  # only once the database holds it too
    except Exception as exc:  # e.g. the database went away right after the commit
        log.warning("run %s: could not record its end after the commit: %s", report.run_id, exc)


def _cancelled(exc: BaseException) -> bool:
    import asyncio

    return isinstance(exc, asyncio.CancelledError)


def _count_requests(
    report: RunReport, client: CatalogueSource, base_requests: int, base_retries: int
) -> None:
    report.requests = client.stats.requests - base_requests
    report.retries = client.stats.retries - base_retries


def _fail(
    store: Store,
    report: RunReport,
    client: CatalogueSource,
    base_requests: int,
    base_retries: int,
    status: RunStatus,
    message: str,
) -> None:
    """Record a run whose data transaction rolled back; the report keeps no stats (nothing was saved)."""
    report.status, report.error = status, message
    report.stats.clear()
    report.skipped.clear()
    report.held.clear()
    report.skipped_total = report.held_total = 0
    _count_requests(report, client, base_requests, base_retries)
    with store.transaction() as session:
        report.finished = finish_run(
            session,
            report.run_id,
            status=status,
            error=message,
            requests=report.requests,
            retries=report.retries,
        )
