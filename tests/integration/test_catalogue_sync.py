"""Catalogue sync over real HTTP: sandbox catalogue -> CatalogueClient -> run_catalogue_sync -> store."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from connectors.catalogue import CatalogueClient
from connectors.http import RetryPolicy
from sandbox.catalogue import CatalogueState, create_app
from sandbox.faults import FaultPlan
from sandbox.server import serve_in_thread
from store import Store, open_store
from tests.helpers.sync_checks import (
    PASSWORD,
    SCHEMA_OF,
    USER,
    Catalogue,
    run,
    served_hashes,
    stored_hashes,
    tiny_dataset,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def catalogue() -> Iterator[Catalogue]:
    state = CatalogueState(tiny_dataset())
    with serve_in_thread(create_app(state, users={USER: PASSWORD})) as server:
        yield Catalogue(state, server.url)


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    s = open_store(store_url)
    yield s
    s.close()


def test_full_sync_equals_the_served_catalogue(store: Store, catalogue: Catalogue) -> None:
    report = run(store, catalogue.client())
    assert report.status == "success", report.error
    assert stored_hashes(store) == served_hashes(catalogue.state)
    snapshot = catalogue.state.snapshot()
    assert {e: s.new for e, s in report.stats.items()} == {e: len(snapshot[s]) for e, s in SCHEMA_OF.items()}
    assert all(s.complete for s in report.stats.values())


def test_incremental_run_without_changes_costs_one_request_per_type(
    store: Store, catalogue: Catalogue
) -> None:
    run(store, catalogue.client())
    catalogue.state.reset_counters()
    report = run(store, catalogue.client(), mode="incremental")
    assert report.status == "success"
    assert all(s.new == s.changed == s.deleted == 0 for s in report.stats.values())
    assert catalogue.state.request_count <= len(SCHEMA_OF)
    assert report.requests == catalogue.state.request_count


@pytest.mark.parametrize("mode", ["full", "incremental"])
def test_mutations_are_seen_exactly(store: Store, catalogue: Catalogue, mode: str) -> None:
    run(store, catalogue.client())
    state = catalogue.state
    org = state.snapshot()["organisatie"][0]
    added = state.add(
        "gebruik", {"afnemer": org["id"], "module": state.ids("module")[0], "status": "Gepland"}
    )
    changed = state.ids("module")[3]
    state.update("module", changed, naam="Hernoemd pakket")
    deleted = state.ids("koppeling")[0]
    state.delete("koppeling", deleted)  # 1 of 10 koppelingen: over the brake on purpose? no: see below
    report = run(store, catalogue.client(), mode=mode, confirm_deletions=True)
    stats = report.stats
    assert (stats["usage"].new, stats["usage"].changed) == (1, 0)
    assert (stats["package"].new, stats["package"].changed) == (0, 1)
    assert sum(s.new for s in stats.values()) == 1 and sum(s.changed for s in stats.values()) == 1
    hashes = stored_hashes(store)
    assert added["id"] in hashes["usage"]
    if mode == "full":
        assert stats["koppeling"].deleted == 1 and deleted not in hashes["koppeling"]
        assert hashes == served_hashes(state)
    else:
        assert sum(s.deleted for s in stats.values()) == 0 and deleted in hashes["koppeling"]


def test_deletion_brake_holds_a_30_percent_shrink(store: Store, catalogue: Catalogue) -> None:
    run(store, catalogue.client())
    state = catalogue.state
    gone = state.ids("gebruik")[:24]  # 30% of 80
    for oid in gone:
        state.delete("gebruik", oid)
    held = run(store, catalogue.client())
    assert held.status == "partial" and held.exit_code == 3
    assert held.stats["usage"].held_deletions == 24 and held.held_total == 24
    assert set(gone) <= set(stored_hashes(store)["usage"])
    confirmed = run(store, catalogue.client(), confirm_deletions=True)
    assert confirmed.status == "success" and confirmed.stats["usage"].deleted == 24
    assert stored_hashes(store) == served_hashes(state)


FAULT_SEED = 11  # with these rates and page size, this seed injects every kind of fault


def test_faults_end_in_the_same_store_as_a_clean_run(store: Store) -> None:
    state = CatalogueState(tiny_dataset(seed=2))
    plan = FaultPlan(
        seed=FAULT_SEED, error_rate=0.1, rate_limit_rate=0.05, timeout_rate=0.05, truncate_rate=0.05,
        reset_rate=0.05, retry_after=0, timeout_sleep=1.0,
    )  # fmt: skip
    with serve_in_thread(create_app(state, users={USER: PASSWORD}, faults=plan)) as server:
        cat = Catalogue(state, server.url)
        retry = RetryPolicy(max_retries=8, max_retry_seconds=30, backoff_initial=0.01, backoff_max=0.05)
        report = run(store, cat.client(timeout=0.4, retry=retry, page_size=5))
    assert report.status == "success", report.error
    # every kind of fault reached the sync, and each was retried away
    assert {kind for kind, count in plan.injected.items() if count} == {
        "error",
        "rate_limit",
        "timeout",
        "truncate",
        "reset",
    }, plan.injected
    assert report.retries >= sum(plan.injected.values())
    assert stored_hashes(store) == served_hashes(state)


def test_unreachable_catalogue_fails_the_run_and_keeps_the_store(store: Store, catalogue: Catalogue) -> None:
    run(store, catalogue.client())
    before = stored_hashes(store)
    catalogue.state.update("module", catalogue.state.ids("module")[0], naam="Niet opgeslagen")
    client = CatalogueClient.connect(catalogue.url, user=USER, password="wrong", page_size=10)
    report = run(store, client)
    assert report.status == "failed" and report.exit_code == 1
    assert report.error and "SWC_CATALOGUE__" in report.error and "wrong" not in report.error
    assert stored_hashes(store) == before
