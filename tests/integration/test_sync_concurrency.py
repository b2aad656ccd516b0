"""A full sync lists all entity types at once, over real HTTP against the sandbox catalogue.

One asyncio task per entity type; `CatalogueClient` bounds the requests in flight across all of them with a
semaphore of `concurrency`; all store work goes through one worker thread, in one transaction. Checked:

* the server never sees more than `concurrency` requests at once, yet sees several, of different types;
* one type failing fatally mid-listing (404 or 401 on its later pages, after the other types were saved)
  fails the run with a message naming it, and rolls everything back: the store is exactly what the previous
  run left; the next run succeeds and sees the changes again;
* after a concurrent run, the live records per type are the catalogue's.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from connectors.catalogue import CatalogueClient
from connectors.http import build_http_client
from sandbox.catalogue import CatalogueState, create_app
from sandbox.server import App, Request, Response, serve_in_thread
from store import Store, open_store
from store.catalogue_tables import (
    ENTITY_TABLES,
    catalogue_version,
    count_live,
    held_deletion,
    sync_cursor,
    sync_run,
    sync_run_stats,
    sync_skipped,
)
from tests.helpers.sync_checks import (
    PASSWORD,
    SCHEMA_OF,
    USER,
    run,
    served_hashes,
    stored_hashes,
    tiny_dataset,
)

pytestmark = pytest.mark.integration

_SCHEMA_IN_PATH = re.compile(r"/objects/[^/]+/([^/]+)")


def schema_of_path(path: str) -> str:
    found = _SCHEMA_IN_PATH.search(path)
    return found.group(1) if found else "-"


class InFlight:
    """Wraps an app: counts the requests being answered at the same moment, in all and per schema."""

    def __init__(self, app: App, delay: float = 0.02) -> None:
        self.app, self.delay = app, delay
        self.lock = threading.Lock()
        self.current: Counter[str] = Counter()
        self.max_in_flight = 0
        self.together: set[frozenset[str]] = set()  # schemas that had requests in flight at one moment
        self.served: Counter[str] = Counter()

    def __call__(self, request: Request) -> Response:
        schema = schema_of_path(request.path)
        with self.lock:
            self.current[schema] += 1
            self.max_in_flight = max(self.max_in_flight, sum(self.current.values()))
            busy = frozenset(s for s, n in self.current.items() if n)
            if len(busy) > 1:
                self.together.add(busy)
        try:
            time.sleep(self.delay)  # so that requests overlap when the client lets them
            return self.app(request)
        finally:
            with self.lock:
                self.current[schema] -= 1
                self.served[schema] += 1


class FailingSchema:
    """Wraps an app: once `ready()` holds, every request for `schema` after its first gets `status`."""

    def __init__(self, app: App, schema: str, status: int, body: dict[str, Any], ready: Callable[[], bool]):
        self.app, self.schema, self.status, self.body, self.ready = app, schema, status, body, ready
        self.enabled = True
        self.lock = threading.Lock()
        self.seen = 0
        self.failed = 0

    def __call__(self, request: Request) -> Response:
        if self.enabled and schema_of_path(request.path) == self.schema:
            with self.lock:
                self.seen += 1
                first = self.seen == 1
                fail = not first and self.ready()
                self.failed += fail
            if fail:
                return Response.json(self.body, status=self.status)
            if not first:
                time.sleep(0.01)  # the failing type lags behind: the other types finish first
        return self.app(request)


class Progress:
    """A progress callback remembering, per entity type, how many records were saved (and of how many)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.done: dict[str, tuple[int, int | None]] = {}

    def __call__(self, entity: str, done: int, total: int | None) -> None:
        with self.lock:
            self.done[entity] = (done, total)

    def complete(self, entities: list[str]) -> bool:
        with self.lock:
            return all(_saved_all(self.done.get(entity)) for entity in entities)


def _saved_all(done: tuple[int, int | None] | None) -> bool:
    return done is not None and done[1] is not None and done[0] >= done[1]


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    s = open_store(store_url)
    yield s
    s.close()


def semaphore_client(url: str, *, concurrency: int, page_size: int) -> CatalogueClient:
    """A client whose HTTP pool is larger than `concurrency`: only the client's semaphore can bound it."""
    http = build_http_client(url, auth=(USER, PASSWORD), timeout=5.0, max_connections=4 * concurrency)
    return CatalogueClient(http, concurrency=concurrency, page_size=page_size, owns_http=True)


def live_counts(state: CatalogueState) -> dict[str, int]:
    snapshot = state.snapshot()
    return {entity: len(snapshot[schema]) for entity, schema in SCHEMA_OF.items()}


def store_state(store: Store) -> dict[str, Any]:
    """Everything a run writes besides its own sync_run row: every row of the data tables."""
    tables = [
        *ENTITY_TABLES.values(),
        catalogue_version,
        sync_run_stats,
        sync_cursor,
        held_deletion,
        sync_skipped,
    ]
    with store.sessions() as session:
        return {
            t.name: sorted(tuple(map(repr, row)) for row in session.execute(sa.select(t))) for t in tables
        }


def test_requests_in_flight_stay_within_concurrency_and_types_overlap(store: Store) -> None:
    state = CatalogueState(tiny_dataset())
    app = InFlight(create_app(state, users={USER: PASSWORD}))
    concurrency = 3
    with serve_in_thread(app) as server:
        report = run(store, semaphore_client(server.url, concurrency=concurrency, page_size=5))
    assert report.status == "success", report.error
    pages = {schema: n for schema, n in app.served.items()}
    assert all(pages[schema] >= 2 for schema in SCHEMA_OF.values()), pages  # several pages for every type
    assert 1 < app.max_in_flight <= concurrency, (app.max_in_flight, pages)
    # requests of different entity types were answered at the same moment: the types are listed at once
    assert any(len(schemas) >= 2 for schemas in app.together), app.together
    with store.sessions() as session:
        assert count_live(session) == live_counts(state)
    assert stored_hashes(store) == served_hashes(state)


@pytest.mark.parametrize(
    ("status", "body", "words"),
    [
        (
            404,
            {"message": "Schema gebruik not found"},
            ["404", "schema 'gebruik'", "Schema gebruik not found"],
        ),
        (401, {"message": "Current user is not logged in"}, ["401", "gebruik", "authentication failed"]),
    ],
    ids=["404", "401"],
)
def test_one_type_failing_mid_listing_fails_the_run_and_keeps_the_previous_store(
    store: Store, status: int, body: dict[str, Any], words: list[str]
) -> None:
    state = CatalogueState(tiny_dataset(usages=300))  # gebruik: 30 pages of 10, the others 1 to 3 each
    progress = Progress()
    others = [entity for entity in SCHEMA_OF if entity != "usage"]
    app = FailingSchema(
        create_app(state, users={USER: PASSWORD}), "gebruik", status, body, lambda: progress.complete(others)
    )
    app.enabled = False
    with serve_in_thread(app) as server:

        def client() -> CatalogueClient:
            return CatalogueClient.connect(
                server.url, user=USER, password=PASSWORD, page_size=10, concurrency=3
            )

        first = run(store, client())
        assert first.status == "success", first.error
        before = store_state(store)

        # changes in every type, the failing one included: the failed run saves them, then rolls back
        added = state.add(
            "organisatie", {"naam": "Gemeente Nieuwkomer", "type": "Gemeente", "status": "Actief"}
        )
        state.update("module", state.ids("module")[0], naam="Hernoemd pakket")
        state.update("contactpersoon", state.ids("contactpersoon")[0], achternaam="de Vries-Zoë")
        gone = state.ids("koppeling")[0]
        state.delete("koppeling", gone)
        state.update("gebruik", state.ids("gebruik")[0], status="Gepland")

        app.enabled = True
        failed = run(
            store, client(), confirm_deletions=True, progress=progress
        )  # the report says it: no raise
        assert app.failed >= 1, "the failure was never injected"
        assert progress.complete(others), (
            progress.done
        )  # the other types' changes had been saved when it failed
        assert failed.status == "failed" and failed.exit_code == 1
        assert failed.error and all(word in failed.error for word in words), failed.error
        assert failed.stats == {}
        assert store_state(store) == before
        with store.sessions() as session:
            row = session.execute(sa.select(sync_run).where(sync_run.c.id == failed.run_id)).one()
            assert (row.status, row.error) == ("failed", failed.error)
            assert session.execute(
                sa.select(sa.func.count()).select_from(catalogue_version)
            ).scalar_one() == sum(first.stats[e].new for e in first.stats)

        app.enabled = False
        after = run(store, client(), confirm_deletions=True)
    assert after.status == "success", after.error
    stats = after.stats  # the rolled-back changes are seen again, exactly once
    assert (stats["organisation"].new, stats["package"].changed, stats["contact"].changed) == (1, 1, 1)
    assert (stats["usage"].changed, stats["koppeling"].deleted) == (1, 1)
    hashes = stored_hashes(store)
    assert added["id"] in hashes["organisation"] and gone not in hashes["koppeling"]
    assert hashes == served_hashes(state)
    with store.sessions() as session:
        assert count_live(session) == live_counts(state)
