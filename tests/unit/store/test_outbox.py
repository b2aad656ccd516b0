"""The digest outbox: the migration matches the table; saving is idempotent; claims are exclusive."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

import store.tables  # noqa: F401  (fills the metadata)
from store import Store, metadata, open_store
from store.migrate import current_heads
from store.outbox import (
    NewDigest,
    claim_due,
    load_last_delivered,
    load_outbox,
    mark_delivered,
    mark_failed,
    mark_retry,
    save_digest,
)
from store.outbox_tables import digest_outbox

T0 = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    s = open_store(store_url)
    yield s
    s.close()


def _digest(channel: str = "mail", end: datetime = T0, key: str | None = None) -> NewDigest:
    return NewDigest(
        idempotency_key=key or f"{channel}:{end.isoformat()}", channel=channel, kind="email", lang="nl",
        period_start=end - timedelta(days=7), period_end=end, subject="Overzicht", body_text="t",
        body_html="<p>t</p>", body_md="t", payload={"n": 1}, message_id="<x@example.org>",
    )  # fmt: skip


def test_migration_creates_exactly_the_outbox_table(store: Store) -> None:
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    assert [d for d in diff if "digest_outbox" in repr(d)] == []
    assert "o0a1_outbox" in current_heads(store)


def test_saving_the_same_period_twice_keeps_the_first(store: Store) -> None:
    first, created = save_digest(store, _digest(), T0)
    again, created_again = save_digest(store, _digest(key="another key, same channel and period end"), T0)
    assert created and not created_again
    assert again.id == first.id and again.idempotency_key == "mail:2026-12-07T06:00:00+00:00"
    assert [(e.status, e.attempts) for e in load_outbox(store)] == [("pending", 0)]


def test_a_claimed_row_is_not_claimed_again_while_its_sender_lives(store: Store) -> None:
    entry, _ = save_digest(store, _digest(), T0)
    assert [e.id for e in claim_due(store, T0)] == [entry.id]
    assert claim_due(store, T0) == []  # this process holds it and is alive
    mark_retry(store, entry.id, T0, next_attempt=T0 + timedelta(minutes=5), error="451 try later")
    assert claim_due(store, T0 + timedelta(minutes=4)) == []
    retried = claim_due(store, T0 + timedelta(minutes=5))
    assert [(e.status, e.attempts, e.last_error) for e in retried] == [("sending", 1, "451 try later")]
    mark_delivered(store, entry.id, T0 + timedelta(minutes=5))
    last = load_last_delivered(store, "mail")
    assert last is not None and (last.status, last.attempts) == ("delivered", 2)
    assert claim_due(store, T0 + timedelta(days=1)) == []


def test_a_row_left_sending_by_a_dead_process_is_claimed_again(store: Store) -> None:
    entry, _ = save_digest(store, _digest(), T0)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True)  # fmt: skip
    import socket

    with store.transaction() as session:
        session.execute(
            sa.update(digest_outbox).values(
                status="sending",
                claim_pid=int(dead.stdout),
                claim_host=socket.gethostname(),
                claim_started=1.0,
            )
        )
    assert [e.id for e in claim_due(store, T0)] == [entry.id]


def test_failed_rows_are_not_claimed(store: Store) -> None:
    entry, _ = save_digest(store, _digest(), T0)
    claim_due(store, T0)
    mark_failed(store, entry.id, T0, error="400 bad webhook")
    assert claim_due(store, T0 + timedelta(days=30)) == []
    failed = [(e.status, e.last_error) for e in load_outbox(store, ["failed"])]
    assert failed == [("failed", "400 bad webhook")]
