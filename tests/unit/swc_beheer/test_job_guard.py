"""One run per trigger across daemons sharing a store; skips are recorded, never reported as failures."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from config.errors import SwcError
from store import Store, open_store
from store.job_runs import count_job_runs, load_job_summaries
from store.runs import SyncAborted, run_lock
from swc_beheer.job_guard import run_guarded

SLOT = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    s = open_store(store_url)
    yield s
    s.close()


def test_three_daemons_on_one_trigger_run_the_job_once(store_url: str) -> None:
    stores = [open_store(store_url) for _ in range(3)]
    ran: list[str] = []
    barrier = threading.Barrier(3)
    outcomes: dict[str, str] = {}

    def daemon(name: str, own: Store) -> None:
        barrier.wait()
        result = run_guarded(own, "reconcile:run", SLOT, lambda: (ran.append(name) or "success", "ok"),
                             owner=name)  # fmt: skip
        outcomes[name] = result.outcome if result.recorded else "elsewhere"

    threads = [threading.Thread(target=daemon, args=(f"d{i}", s)) for i, s in enumerate(stores)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    try:
        assert len(ran) == 1
        assert sorted(outcomes.values()) == ["elsewhere", "elsewhere", "success"]
        assert count_job_runs(stores[0], "reconcile:run") == {("reconcile:run", SLOT): 1}
    finally:
        for s in stores:
            s.close()


def test_a_job_still_running_elsewhere_makes_this_trigger_skipped_not_failed(store: Store) -> None:
    with run_lock(store, "job:sync:catalogue"):  # an earlier trigger's run, still going elsewhere
        result = run_guarded(store, "sync:catalogue", SLOT, lambda: ("success", "should not run"))
    assert (result.outcome, result.ran_here, result.recorded) == ("skipped", False, True)
    assert "running elsewhere" in result.message
    summary = load_job_summaries(store)["sync:catalogue"]
    assert summary.last_outcome == "skipped" and summary.runs == 0 and summary.last_success is None


def test_a_held_catalogue_lock_inside_the_job_is_a_skip(store: Store) -> None:
    def job() -> tuple[str, str]:
        raise SyncAborted("Another catalogue sync is running on x.")

    result = run_guarded(store, "sync:catalogue", SLOT, job)
    assert result.outcome == "skipped" and "Another catalogue sync" in result.message


def test_expected_and_unexpected_failures_are_recorded(store: Store) -> None:
    def down() -> tuple[str, str]:
        raise SwcError("catalogue unreachable")

    def bug() -> tuple[str, str]:
        raise KeyError("oops")

    assert run_guarded(store, "sync:catalogue", SLOT, down).outcome == "failed"
    assert run_guarded(store, "journey:refresh", SLOT, bug).outcome == "error"
    summaries = load_job_summaries(store)
    assert summaries["sync:catalogue"].last_message == "catalogue unreachable"
    assert summaries["journey:refresh"].last_message == "KeyError: 'oops'"
