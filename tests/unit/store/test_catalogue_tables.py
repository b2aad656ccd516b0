"""The catalogue tables: the migration matches the table definitions; stored records come back typed."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import datetime

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

import store.tables  # noqa: F401  (fills the metadata)
from store import Store, metadata, open_store
from store.catalogue_tables import ENTITY_TABLES, entity_table, iter_stored
from store.migrate import HEADS, current_heads
from sync.catalogue_sync import run_catalogue_sync
from tests.helpers.catalogue_fakes import FakeCatalogue, FakeClient


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    s = open_store(store_url)
    yield s
    s.close()


def test_migration_creates_exactly_the_catalogue_tables(store: Store) -> None:
    ours = {t.name for t in metadata.sorted_tables if t.name.startswith(("catalogue_", "sync_", "held_"))}
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    ours_diff = [d for d in diff if any(name in repr(d) for name in ours)]
    assert ours_diff == []
    assert current_heads(store) == HEADS  # c0a1_catalogue is in, below v0a1_views which depends on it


def test_stored_records_come_back_typed(store: Store) -> None:
    cat = FakeCatalogue()
    coop = cat.add("organisation", naam="Samen", type="Samenwerking", deelnemers=["a", "b"], cbs=None)
    cat.add("contact", email="x@example.nl", rollen=["Organisatie-beheerder"])
    asyncio.run(run_catalogue_sync(store, FakeClient(cat)))
    with store.sessions() as session:
        [org] = list(iter_stored(session, "organisation"))
        [contact] = list(iter_stored(session, "contact", with_raw=False))
    assert (
        org.record.id == coop["id"] and org.record.members == ("a", "b") and org.record.type == "samenwerking"
    )
    assert org.record.raw == coop and contact.record.raw == {}
    assert contact.record.roles == ("Organisatie-beheerder",)
    for value in (org.first_seen, org.last_seen, org.changed_at, org.record.updated):
        assert (
            isinstance(value, datetime)
            and value.utcoffset() is not None
            and value.utcoffset().total_seconds() == 0
        )
    assert org.record.updated.isoformat() == coop["@self"]["updated"]


def test_indexes_for_reconciliation_lookups_exist() -> None:
    indexed = {(t.name, c.name) for t in ENTITY_TABLES.values() for i in t.indexes for c in i.columns}
    expected = {
        ("catalogue_organisation", "type"),
        ("catalogue_organisation", "cbs_code"),
        ("catalogue_organisation", "kvk"),
        ("catalogue_contact", "organisation_id"),
        ("catalogue_contact", "email"),
        ("catalogue_usage", "organisation_id"),
        ("catalogue_usage", "package_id"),
        ("catalogue_package", "supplier_id"),
    }
    assert expected <= indexed


def test_unknown_entity_type_names_the_valid_ones() -> None:
    with pytest.raises(ValueError, match="organisation, contact"):
        entity_table("gebruiker")


def test_naive_timestamps_are_refused(store: Store) -> None:
    table = ENTITY_TABLES["package"]
    with pytest.raises(sa.exc.StatementError, match="naive datetime"):
        with store.transaction() as session:
            session.execute(
                sa.insert(table).values(
                    id="x",
                    content_hash="h",
                    raw={},
                    generation=2,
                    first_seen=datetime(2026, 1, 1),
                    last_seen=datetime(2026, 1, 1),
                    changed_at=datetime(2026, 1, 1),
                    version=1,
                )
            )
