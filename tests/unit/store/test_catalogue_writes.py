"""store.catalogue_writes on its own: pages, replaced raw JSON, deletions and held deletions, watermarks.

The digest is handed in by the caller (the sync's content hash in production); here it is a literal per
record, so the expected rows are written out by hand.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from connectors.catalogue_models import Package
from store import Store, open_store
from store.catalogue_tables import ENTITY_TABLES, catalogue_version, held_deletion
from store.catalogue_writes import (
    PageCounts,
    RunScope,
    clear_held,
    count_live_records,
    count_missing,
    delete_missing,
    hold_missing,
    load_held_sample,
    load_watermark,
    prepare_page,
    save_page,
    save_watermark,
)
from store.runs import start_run

PACKAGES = ENTITY_TABLES["package"]
T1 = datetime(2026, 2, 1, 9, tzinfo=UTC)


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    s = open_store(store_url)
    yield s
    s.close()


def package(pid: str, name: str) -> Package:
    return Package(id=pid, name=name, raw={"id": pid, "naam": name})


def by_name(raw: dict[str, Any]) -> str:
    return f"digest-{raw['naam']}"


def save(store: Store, *packages: Package) -> tuple[int, PageCounts]:
    """One run (its own transaction) that saves `packages` as one page."""
    run_id, started = start_run(store, mode="full")
    with store.transaction() as session:
        scope = RunScope(session, run_id, started)
        counts = save_page(scope, prepare_page(scope, "package", packages, [], by_name))
    return run_id, counts


def rows(store: Store, sql: sa.Select[Any]) -> list[tuple[Any, ...]]:
    with store.sessions() as session:
        return [tuple(row) for row in session.execute(sql)]


def load_held(store: Store, run_id: int, limit: int = 50) -> tuple[list[tuple[str, str]], int]:
    with store.sessions() as session:
        return load_held_sample(session, run_id, limit)


def test_a_page_is_inserted_then_updated_and_the_replaced_raw_is_kept(store: Store) -> None:
    first, counts = save(store, package("a", "Alpha"), package("b", "Beta"))
    assert counts == PageCounts(listed=2, new=2)
    second, counts = save(store, package("a", "Alpha 2"), package("b", "Beta"))
    assert counts == PageCounts(listed=2, changed=1, unchanged=1)
    entity = sa.select(PACKAGES.c.id, PACKAGES.c.name, PACKAGES.c.content_hash, PACKAGES.c.version)
    assert sorted(rows(store, entity)) == [
        ("a", "Alpha 2", "digest-Alpha 2", 2),
        ("b", "Beta", "digest-Beta", 1),
    ]
    v = catalogue_version
    versions = rows(
        store,
        sa.select(v.c.id, v.c.version_no, v.c.run_id, v.c.change, v.c.raw).order_by(v.c.id, v.c.version_no),
    )
    # the replaced version holds its raw now; the current ones leave it to the entity row
    assert [(i, n, r, c) for i, n, r, c, _ in versions] == [
        ("a", 1, first, "new"),
        ("a", 2, second, "changed"),
        ("b", 1, first, "new"),
    ]
    raws = [raw if raw is None or isinstance(raw, dict) else json.loads(raw) for *_, raw in versions]
    assert raws == [{"id": "a", "naam": "Alpha"}, None, None]


def test_missing_records_are_held_then_deleted(store: Store) -> None:
    save(store, package("a", "Alpha"), package("b", "Beta"), package("c", "Gamma"))
    run_id, started = start_run(store, mode="full")
    with store.transaction() as session:
        scope = RunScope(session, run_id, started)
        save_page(scope, prepare_page(scope, "package", [package("a", "Alpha")], [], by_name))
        assert (count_missing(scope, "package"), count_live_records(scope, "package")) == (2, 3)
        hold_missing(scope, "package")
    assert load_held(store, run_id) == ([("package", "b"), ("package", "c")], 2)
    assert load_held(store, run_id, limit=1) == ([("package", "b")], 2)

    run_id, started = start_run(store, mode="full")
    with store.transaction() as session:
        scope = RunScope(session, run_id, started)
        save_page(scope, prepare_page(scope, "package", [package("a", "Alpha")], [], by_name))
        clear_held(scope, "package")
        delete_missing(scope, "package")
        assert (count_missing(scope, "package"), count_live_records(scope, "package")) == (0, 1)
    assert rows(store, sa.select(held_deletion.c.id)) == []
    deleted = rows(
        store, sa.select(PACKAGES.c.id, PACKAGES.c.version).where(PACKAGES.c.deleted_at.is_not(None))
    )
    assert sorted(deleted) == [("b", 2), ("c", 2)]
    v = catalogue_version
    gone = rows(
        store, sa.select(v.c.id, v.c.version_no, v.c.change, v.c.run_id).where(v.c.change == "deleted")
    )
    assert sorted(gone) == [("b", 2, "deleted", run_id), ("c", 2, "deleted", run_id)]


def test_a_watermark_only_moves_forward(store: Store) -> None:
    run_id, started = start_run(store, mode="incremental")
    with store.transaction() as session:
        scope = RunScope(session, run_id, started)
        assert load_watermark(session, "package") is None
        save_watermark(scope, "package", None)
        assert load_watermark(session, "package") is None
        save_watermark(scope, "package", T1)
        save_watermark(scope, "package", T1 - timedelta(days=1))
        assert load_watermark(session, "package") == T1
        save_watermark(scope, "package", T1 + timedelta(hours=1))
        assert load_watermark(session, "package") == T1 + timedelta(hours=1)
