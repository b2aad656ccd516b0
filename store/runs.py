"""Sync run bookkeeping: the single-run lock, `sync_run` rows and their life cycle, SyncAborted.

Life cycle of a run (see sync.catalogue_sync and store.catalogue_writes for the data part):

1. `run_lock(store)` takes the lock or raises SyncAborted. PostgreSQL: a session advisory lock on a
   dedicated connection (released by the server if the process dies), keyed by lock name and schema.
   SQLite: a `sync_lock` row naming pid, host and process start time; a row whose process is gone
   (killed) is taken over.
2. `start_run` (own committed transaction): rows still "running" belong to dead processes (we hold the
   lock) and become "interrupted"; then a new row with status "running".
3. The data transaction ends with `finish_run` inside it, so data and final status commit together.
   When it rolls back, `finish_run` is called in a fresh transaction with "failed" or "interrupted".
"""

from __future__ import annotations

import hashlib
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Literal

import psutil
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from config.errors import SwcError
from store.base import Store
from store.catalogue_tables import sync_lock, sync_run

__all__ = [
    "SyncAborted",
    "RunMode",
    "RunStatus",
    "run_lock",
    "start_run",
    "finish_run",
    "stamp_finished",
    "mark_interrupted",
    "last_run",
    "utcnow",
]

RunMode = Literal["full", "incremental"]
RunStatus = Literal["running", "success", "partial", "failed", "interrupted"]


class SyncAborted(SwcError):
    """The run could not start: another run holds the lock."""

    exit_code = 4


def utcnow() -> datetime:
    return datetime.now(UTC)


def _process_started(pid: int) -> float | None:
    try:
        return float(psutil.Process(pid).create_time())
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return None


def _holder_alive(pid: int, host: str, started: float | None) -> bool:
    """Whether the process that wrote a lock row still runs (only decidable on this host)."""
    if host != socket.gethostname():
        return True  # another machine: we cannot tell, so respect the lock
    actual = _process_started(pid)
    if actual is None:
        return False
    return started is None or abs(actual - started) < 1.0


def _advisory_key(name: str, schema: str) -> int:
    """The advisory lock key of lock `name` for the store in `schema`.

    Advisory locks are database-wide, so the schema is part of the key: two stores in two schemas of one
    database (one per environment, say) sync independently. 64 bits of blake2b: a collision between two
    schemas' keys is not a practical concern.
    """
    digest = hashlib.blake2b(f"swc-beheer:{schema}:{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@contextmanager
def run_lock(store: Store, name: str = "catalogue") -> Iterator[None]:
    """Hold the single-run lock `name` for the duration of the block, or raise SyncAborted."""
    if store.engine.dialect.name == "postgresql":
        with _advisory_lock(store, name):
            yield
    else:
        with _row_lock(store, name):
            yield


@contextmanager
def _advisory_lock(store: Store, name: str) -> Iterator[None]:
    with store.engine.connect() as conn:
        schema = conn.execute(sa.text("SELECT current_schema()")).scalar_one()
        key = _advisory_key(name, str(schema))
        got = conn.execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar_one()
        conn.commit()
        if not got:
            raise SyncAborted(
                f"Another {name} sync is running on {store.location}.",
                hint="wait for it to finish; `swc-beheer sync --json` afterwards shows the run",
                key="error.sync_running",
                hint_key="hint.sync_running",
                params={"service": name, "location": store.location},
            )
        try:
            yield
        finally:
            conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": key})
            conn.commit()


def _aborted(store: Store, name: str, pid: int, host: str) -> SyncAborted:
    return SyncAborted(
        f"Another {name} sync is running on {store.location} (process {pid} on {host}).",
        hint="wait for it to finish; a killed run's lock is released automatically at the next start",
        key="error.sync_running_pid",
        hint_key="hint.sync_running_pid",
        params={"service": name, "location": store.location, "pid": pid, "host": host},
    )


@contextmanager
def _row_lock(store: Store, name: str) -> Iterator[None]:
    me, host = os.getpid(), socket.gethostname()
    with store.sessions() as session:  # a read never waits for SQLite's writer (WAL)
        row = session.execute(sa.select(sync_lock).where(sync_lock.c.name == name)).first()
    if row is not None and _holder_alive(row.pid, row.host, row.process_started):
        raise _aborted(store, name, row.pid, row.host)
    try:
        with store.transaction() as session:
            if row is not None:
                session.execute(
                    sa.delete(sync_lock).where(sync_lock.c.name == name, sync_lock.c.pid == row.pid)
                )
            session.execute(
                sa.insert(sync_lock).values(
                    name=name, pid=me, host=host, process_started=_process_started(me), acquired=utcnow()
                )
            )
    except (IntegrityError, OperationalError) as exc:  # lost a race, or the writer lock stayed busy
        raise _aborted(store, name, me if row is None else row.pid, host) from exc
    try:
        yield
    finally:
        with store.transaction() as session:
            session.execute(sa.delete(sync_lock).where(sync_lock.c.name == name, sync_lock.c.pid == me))


def mark_interrupted(session: Session, source: str = "catalogue") -> int:
    """Runs left "running" by a dead process become "interrupted"; call only while holding the lock."""
    result = session.execute(
        sa.update(sync_run)
        .where(sync_run.c.status == "running", sync_run.c.source == source)
        .values(status="interrupted", finished=utcnow(), error="the process stopped before the run ended")
    )
    return int(getattr(result, "rowcount", 0) or 0)


def start_run(
    store: Store, *, mode: RunMode, settings_digest: str | None = None, source: str = "catalogue"
) -> tuple[int, datetime]:
    """Record a new running run in its own committed transaction; returns (run id, start time)."""
    started = utcnow()
    with store.transaction() as session:
        mark_interrupted(session, source)
        run_id = session.execute(
            sa.insert(sync_run)
            .values(
                source=source,
                mode=mode,
                started=started,
                status="running",
                settings_digest=settings_digest,
                pid=os.getpid(),
                host=socket.gethostname(),
            )
            .returning(sync_run.c.id)
        ).scalar_one()
    return int(run_id), started


def finish_run(
    session: Session,
    run_id: int,
    *,
    status: RunStatus,
    error: str | None = None,
    requests: int = 0,
    retries: int = 0,
) -> datetime:
    """Set the final status of a run (inside the caller's transaction); returns the finish time."""
    finished = utcnow()
    session.execute(
        sa.update(sync_run)
        .where(sync_run.c.id == run_id)
        .values(status=status, finished=finished, error=error, requests=requests, retries=retries)
    )
    return finished


def stamp_finished(session: Session, run_id: int) -> datetime:
    """Move a finished run's end to now: the moment its data became visible, after the commit.

    A large run's commit (with SQLite's WAL checkpoint) takes a noticeable share of it. A run killed before
    this keeps the end `finish_run` recorded inside its transaction.
    """
    finished = utcnow()
    session.execute(sa.update(sync_run).where(sync_run.c.id == run_id).values(finished=finished))
    return finished


def last_run(
    session: Session,
    *,
    source: str = "catalogue",
    statuses: tuple[RunStatus, ...] | None = None,
    mode: RunMode | None = None,
) -> sa.Row[tuple[object, ...]] | None:
    """The newest sync_run row (optionally with one of `statuses` and of `mode`)."""
    stmt = sa.select(sync_run).where(sync_run.c.source == source)
    if statuses:
        stmt = stmt.where(sync_run.c.status.in_(statuses))
    if mode:
        stmt = stmt.where(sync_run.c.mode == mode)
    return session.execute(stmt.order_by(sync_run.c.id.desc()).limit(1)).first()
