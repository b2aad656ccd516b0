"""One catalogue sync run: fetch page by page -> hash/diff -> save, atomically, with history and a brake.

`run_catalogue_sync(store, client, mode=...)` returns a RunReport; it never prints. Semantics:

* Change detection: `content_hash(raw)` (sync.content_hash) leaves out volatile `@self` keys and empty
  values. Unchanged hash: only last_seen and last_run_id are touched (one batch UPDATE per page), no
  version row.
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

Exit codes (RunReport.exit_code, sync.run_report): 0 success; 3 partial (records skipped, deletions held
or a listing incomplete: the data that did arrive is saved); 1 failed or interrupted (nothing saved).

The SQL is the store's (store.catalogue_writes); this module decides what to write and when.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import logging
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

from config.errors import SwcError
from connectors.catalogue_models import ENTITY_TYPES, CatalogueRecord, EntityType
from store.base import Store
from store.catalogue_writes import (
    PreparedPage,
    RunScope,
    SkippedLike,
    clear_held,
    count_live_records,
    count_missing,
    delete_missing,
    hold_missing,
    load_held_sample,
    load_watermark,
    save_page_isolated,
    save_run_stats,
    save_skipped,
    save_watermark,
)
from store.catalogue_writes import prepare_page as prepare_rows
from store.runs import RunMode, RunStatus, finish_run, run_lock, stamp_finished, start_run
from sync.completeness import AccessCheck, CompletenessJudge
from sync.content_hash import content_hash
from sync.run_report import REPORT_CAP, EntityStats, HeldDeletion, RunReport, SkippedRecord

__all__ = [
    "CatalogueSource",
    "ProgressCallback",
    "run_catalogue_sync",
]

ProgressCallback = Callable[[str, int, int | None], None]
_T = TypeVar("_T")

log = logging.getLogger("swc.sync")


# --- what the sync needs from a catalogue client (connectors.catalogue.CatalogueClient fits) -------------


class _Page(Protocol):
    @property
    def records(self) -> Sequence[CatalogueRecord]: ...
    @property
    def skipped(self) -> Sequence[SkippedLike]: ...


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


# --- saving pages -----------------------------------------------------------------------------------------


@dataclass
class _Run:
    scope: RunScope  # the data transaction (session, run id, timestamp)
    mode: RunMode
    # every use of the session during the run goes through this one worker thread, in submission order:
    # the entity types are fetched at the same time, the session is not thread-safe, and the event loop
    # keeps fetching while a page is saved
    worker: ThreadPoolExecutor
    judge: CompletenessJudge = field(default_factory=lambda: CompletenessJudge(None, ENTITY_TYPES))

    @property
    def run_id(self) -> int:
        return self.scope.run_id

    async def store(self, work: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
        """Run `work(*args, **kwargs)` on the store's worker thread."""
        return await self.submit(work, *args, **kwargs)

    def submit(self, work: Callable[..., _T], *args: Any, **kwargs: Any) -> asyncio.Future[_T]:
        """Queue `work` on the store's worker thread (after everything queued before); await it later."""
        loop = asyncio.get_running_loop()
        return loop.run_in_executor(self.worker, functools.partial(work, *args, **kwargs))


def prepare_page(run: _Run, entity: EntityType, page: _Page) -> PreparedPage:
    """Hash, serialise and convert a page's records (CPU work, done while the store thread writes)."""
    return prepare_rows(run.scope, entity, page.records, page.skipped, content_hash)


def save_prepared(run: _Run, page: PreparedPage, stats: EntityStats) -> list[tuple[str, str]]:
    """Write a prepared page (store.catalogue_writes.save_page_isolated) and count what it did into `stats`;
    returns the records the database refused, as (id, reason)."""
    counts, refused = save_page_isolated(run.scope, page)
    stats.add(counts)
    return refused


# --- deletions --------------------------------------------------------------------------------------------


def apply_deletions(
    run: _Run, entity: EntityType, stats: EntityStats, *, brake: float, confirm: bool
) -> None:
    """After a complete full listing: soft-delete what was not listed, or hold it when the brake trips."""
    count = count_missing(run.scope, entity)
    clear_held(run.scope, entity)
    if count == 0:
        return
    live_before = count_live_records(run.scope, entity) - stats.new - stats.restored
    if not confirm and count > brake * live_before:
        hold_missing(run.scope, entity)
        stats.held_deletions = count
        return
    delete_missing(run.scope, entity)
    stats.deleted = count


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
    since = await run.store(load_watermark, run.scope.session, entity) if run.mode == "incremental" else None
    newest: datetime | None = None
    skipped: list[SkippedRecord] = []
    saving: asyncio.Future[list[SkippedRecord]] | None = None
    received = 0  # objects listed so far (the stats count them once saved, a page later)
    async for page in client.fetch_pages(entity, since=since, overlap=overlap):
        # A two-stage pipeline: this page's CPU work runs here, on the event loop, while the worker thread
        # still writes the previous page (SQLite and psycopg release the GIL while they write); the
        # connector keeps fetching meanwhile. The worker runs saves in submission order, so a page's id
        # lookups see every earlier page. At most one save per type waits: memory stays flat.
        prepared = prepare_page(run, entity, page)
        if saving is not None:
            skipped.extend((await saving)[: REPORT_CAP - len(skipped)])
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
        skipped.extend((await saving)[: REPORT_CAP - len(skipped)])
    listing = client.listing(entity)
    stats.requests = listing.requests
    if run.mode == "full":
        stats.complete = (await run.judge.judge(entity, listing)).complete
    await run.store(_finish_entity, run, entity, stats, newest, brake=brake, confirm=confirm)
    return stats, skipped


def _finish_entity(
    run: _Run, entity: EntityType, stats: EntityStats, newest: datetime | None, *, brake: float, confirm: bool
) -> None:
    save_watermark(run.scope, entity, newest)
    if stats.complete:
        apply_deletions(run, entity, stats, brake=brake, confirm=confirm)
    _save_stats(run, stats)


def _save_page_and_skipped(run: _Run, page: PreparedPage, stats: EntityStats) -> list[SkippedRecord]:
    """Save a page and its skipped records; returns the records the database refused (skipped too)."""
    refused = save_prepared(run, page, stats)
    also = [SkippedRecord(page.entity, rid, reason) for rid, reason in refused]
    stats.skipped += save_skipped(run.scope, page.entity, [*page.skipped, *also])
    return also


def _save_stats(run: _Run, stats: EntityStats) -> None:
    values = asdict(stats)
    values.pop("requests")
    save_run_stats(run.scope, values)


def _held_sample(run: _Run) -> tuple[list[HeldDeletion], int]:
    """The deletions this run held (a sample and the total)."""
    held, total = load_held_sample(run.scope.session, run.run_id, REPORT_CAP)
    return [HeldDeletion(entity, rid) for entity, rid in held], total


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
    report.held, report.held_total = await run.store(_held_sample, run)


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
                run = _Run(
                    RunScope(session, run_id, started), mode, worker, CompletenessJudge(access, entity_types)
                )
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
