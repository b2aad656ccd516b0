"""Job runs shared by daemons: a trigger is claimed once, outcomes and summaries come from the store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

import store.tables  # noqa: F401  (fills the metadata)
from store import Store, metadata, open_store
from store.job_runs import (
    claim_job_run,
    count_job_runs,
    finish_job_run,
    load_job_summaries,
    mark_stale_job_runs,
)
from store.migrate import current_heads

SLOT = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    s = open_store(store_url)
    yield s
    s.close()


def test_migration_creates_exactly_the_job_table(store: Store) -> None:
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    assert [d for d in diff if "job_run" in repr(d)] == []
    assert "b0a1_jobs" in current_heads(store)


def test_a_trigger_is_claimed_once(store: Store) -> None:
    first = claim_job_run(store, "sync:catalogue", SLOT, "a:1")
    assert first is not None
    assert claim_job_run(store, "sync:catalogue", SLOT, "b:2") is None  # another daemon, same trigger
    assert claim_job_run(store, "reconcile:run", SLOT, "b:2") is not None  # another job, same moment
    # manual runs (no trigger) are never deduplicated
    assert claim_job_run(store, "sync:catalogue", None, "a:1") is not None
    assert claim_job_run(store, "sync:catalogue", None, "a:1") is not None
    expected = {("sync:catalogue", SLOT): 1, ("sync:catalogue", None): 2}
    assert count_job_runs(store, "sync:catalogue") == expected


def test_summaries_name_the_last_run_and_the_last_success(store: Store) -> None:
    ok = claim_job_run(store, "journey:refresh", SLOT, "a:1")
    assert ok is not None
    done = finish_job_run(store, ok, "success", "9 issues")
    later = claim_job_run(store, "journey:refresh", SLOT.replace(hour=7), "b:2")
    assert later is not None
    finish_job_run(store, later, "failed", "GitHub unreachable")
    skipped = claim_job_run(store, "journey:refresh", SLOT.replace(hour=8), "c:3")
    assert skipped is not None
    finish_job_run(store, skipped, "skipped", "running elsewhere")
    summary = load_job_summaries(store)["journey:refresh"]
    assert summary.runs == 2  # the skipped trigger ran nowhere
    assert summary.last_outcome == "skipped" and summary.last_owner == "c:3"
    assert summary.last_success == done


def test_rows_left_running_by_a_dead_daemon_become_interrupted(store: Store) -> None:
    dead = claim_job_run(store, "reconcile:run", SLOT, "dead:9")
    mine = claim_job_run(store, "reconcile:run", SLOT.replace(hour=7), "a:1")
    assert dead is not None and mine is not None
    assert mark_stale_job_runs(store, "reconcile:run", keep=mine) == 1
    summaries = load_job_summaries(store)
    assert summaries["reconcile:run"].last_outcome == "running"  # mine, still going
    finish_job_run(store, mine, "success", "")
    assert mark_stale_job_runs(store, "reconcile:run", keep=mine) == 0
