"""The digest outbox: save a composed digest once, claim due ones for delivery, record each outcome.

Every function is its own short transaction, so each step of a delivery is durable on its own:

1. `save_digest` stores the composed digest as "pending" (a second save of the same key keeps the first);
2. `claim_due` moves due rows to "sending" with a conditional UPDATE naming this process, so two
   senders never deliver the same row at once; a "sending" row whose process died is claimed again;
3. after the receiver's answer, `mark_delivered`, `mark_retry` (back to "pending" with a later
   `next_attempt`) or `mark_failed`.

A crash between the receiver accepting and step 3 leaves the row "sending" under a dead process: the next
sender delivers it again, with the same Message-ID and idempotency key. That is the one duplicate possible.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from store.base import Store
from store.outbox_tables import digest_outbox
from store.runs import _holder_alive, _process_started

__all__ = [
    "count_outbox",
    "OutboxEntry",
    "NewDigest",
    "save_digest",
    "load_entry",
    "load_outbox",
    "load_last_delivered",
    "load_failed_since",
    "load_first_period_start",
    "claim_due",
    "mark_delivered",
    "mark_retry",
    "mark_failed",
    "CLAIM_STALE_AFTER",
]

# A "sending" row claimed by a process on another host (whose liveness we cannot check) is taken over
# after this long: no delivery takes an hour, so its sender is gone.
CLAIM_STALE_AFTER = timedelta(hours=1)


@dataclass(frozen=True)
class NewDigest:
    """A composed digest, ready to be stored."""

    idempotency_key: str
    channel: str
    kind: str
    lang: str
    period_start: datetime
    period_end: datetime
    subject: str
    body_text: str
    body_html: str
    body_md: str
    payload: dict[str, Any]
    message_id: str


@dataclass(frozen=True)
class OutboxEntry(NewDigest):
    """A stored digest with its delivery state."""

    id: int
    status: str
    attempts: int
    next_attempt: datetime
    last_error: str | None
    created_at: datetime
    updated_at: datetime
    delivered_at: datetime | None


_ENTRY_COLUMNS = [c for c in digest_outbox.c if not c.name.startswith("claim_")]


def _entry(row: Any) -> OutboxEntry:
    return OutboxEntry(**dict(row._mapping))


def save_digest(store: Store, digest: NewDigest, now: datetime) -> tuple[OutboxEntry, bool]:
    """Store `digest` as pending: (entry, True); when its period is stored already: (that entry, False)."""
    values = {
        **digest.__dict__, "status": "pending", "attempts": 0, "next_attempt": now,
        "created_at": now, "updated_at": now,
    }  # fmt: skip
    try:
        with store.transaction() as session:
            session.execute(sa.insert(digest_outbox).values(values))
        created = True
    except IntegrityError:  # composed before (or by a concurrent sender): the first one stands
        created = False
    existing = _load_where(
        store,
        sa.or_(
            digest_outbox.c.idempotency_key == digest.idempotency_key,
            sa.and_(
                digest_outbox.c.channel == digest.channel, digest_outbox.c.period_end == digest.period_end
            ),
        ),
    )
    return existing[0], created


def _load_where(store: Store, *conditions: Any, limit: int | None = None) -> list[OutboxEntry]:
    stmt = sa.select(*_ENTRY_COLUMNS).where(*conditions).order_by(digest_outbox.c.id).limit(limit)
    with store.sessions() as session:
        return [_entry(row) for row in session.execute(stmt)]


def load_entry(store: Store, entry_id: int) -> OutboxEntry | None:
    found = _load_where(store, digest_outbox.c.id == entry_id)
    return found[0] if found else None


def load_outbox(store: Store, statuses: Sequence[str] | None = None) -> list[OutboxEntry]:
    """Outbox rows (all, or with these statuses), oldest first."""
    if statuses is None:
        return _load_where(store)
    return _load_where(store, digest_outbox.c.status.in_(list(statuses)))


def count_outbox(store: Store) -> dict[str, int]:
    """Digests in the outbox by status (pending, sending, delivered, failed)."""
    stmt = sa.select(digest_outbox.c.status, sa.func.count()).group_by(digest_outbox.c.status)
    with store.sessions() as session:
        return {status: int(count) for status, count in session.execute(stmt).all()}


def load_last_delivered(store: Store, channel: str) -> OutboxEntry | None:
    """The delivered digest of `channel` with the latest period end."""
    stmt = (
        sa.select(*_ENTRY_COLUMNS)
        .where(digest_outbox.c.channel == channel, digest_outbox.c.status == "delivered")
        .order_by(digest_outbox.c.period_end.desc())
        .limit(1)
    )
    with store.sessions() as session:
        row = session.execute(stmt).first()
    return None if row is None else _entry(row)


def load_first_period_start(store: Store, channel: str) -> datetime | None:
    """The earliest period start of any digest of `channel` (None: the channel never had one)."""
    stmt = sa.select(sa.func.min(digest_outbox.c.period_start)).where(digest_outbox.c.channel == channel)
    with store.sessions() as session:
        value = session.execute(stmt).scalar_one_or_none()
    if value is None:
        return None
    return value if isinstance(value, datetime) and value.tzinfo else _aware(value)


def _aware(value: Any) -> datetime:
    """min() over a UTC column comes back from SQLite as text or a naive datetime: make it aware UTC."""
    from datetime import UTC

    parsed = datetime.fromisoformat(value) if isinstance(value, str) else value
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def load_failed_since(store: Store, since: datetime) -> list[OutboxEntry]:
    """Digests (any channel) that ended "failed" after `since`: the next digest reports them."""
    return _load_where(store, digest_outbox.c.status == "failed", digest_outbox.c.updated_at > since)


def claim_due(store: Store, now: datetime, *, channels: Sequence[str] | None = None) -> list[OutboxEntry]:
    """Claim the due rows for this process: pending ones whose time has come, and orphaned "sending" ones."""
    candidates = sa.select(
        digest_outbox.c.id, digest_outbox.c.status, digest_outbox.c.claim_pid, digest_outbox.c.claim_host,
        digest_outbox.c.claim_started, digest_outbox.c.updated_at,
    ).where(
        sa.or_(
            sa.and_(digest_outbox.c.status == "pending", digest_outbox.c.next_attempt <= now),
            digest_outbox.c.status == "sending",
        )
    )  # fmt: skip
    if channels is not None:
        candidates = candidates.where(digest_outbox.c.channel.in_(list(channels)))
    with store.sessions() as session:
        rows = session.execute(candidates.order_by(digest_outbox.c.id)).all()
    claimed = []
    for row in rows:
        if row.status == "sending" and not _orphaned(row, now):
            continue  # another live sender is delivering it right now
        if _claim(store, row.id, row.status, row.claim_pid, now):
            entry = load_entry(store, row.id)
            if entry is not None:
                claimed.append(entry)
    return claimed


def _orphaned(row: Any, now: datetime) -> bool:
    if row.claim_pid is None:
        return True
    if row.claim_host == socket.gethostname():
        return not _holder_alive(row.claim_pid, row.claim_host, row.claim_started)
    return bool(now - row.updated_at > CLAIM_STALE_AFTER)


def _claim(store: Store, entry_id: int, status: str, claim_pid: int | None, now: datetime) -> bool:
    """Conditional UPDATE: only one process turns a given (status, claimer) into its own claim."""
    me = os.getpid()
    pid_matches = (
        digest_outbox.c.claim_pid.is_(None) if claim_pid is None else digest_outbox.c.claim_pid == claim_pid
    )
    stmt = (
        sa.update(digest_outbox)
        .where(digest_outbox.c.id == entry_id, digest_outbox.c.status == status, pid_matches)
        .values(
            status="sending", claim_pid=me, claim_host=socket.gethostname(),
            claim_started=_process_started(me), updated_at=now,
        )
    )  # fmt: skip
    with store.transaction() as session:
        return int(getattr(session.execute(stmt), "rowcount", 0) or 0) == 1


def _finish(store: Store, entry_id: int, now: datetime, **values: Any) -> None:
    stmt = (
        sa.update(digest_outbox)
        .where(digest_outbox.c.id == entry_id)
        .values(
            attempts=digest_outbox.c.attempts + 1, claim_pid=None, claim_host=None, claim_started=None,
            updated_at=now, **values,
        )
    )  # fmt: skip
    with store.transaction() as session:
        session.execute(stmt)


def mark_delivered(store: Store, entry_id: int, now: datetime) -> None:
    _finish(store, entry_id, now, status="delivered", delivered_at=now, last_error=None)


def mark_retry(store: Store, entry_id: int, now: datetime, *, next_attempt: datetime, error: str) -> None:
    _finish(store, entry_id, now, status="pending", next_attempt=next_attempt, last_error=error)


def mark_failed(store: Store, entry_id: int, now: datetime, *, error: str) -> None:
    _finish(store, entry_id, now, status="failed", last_error=error)
