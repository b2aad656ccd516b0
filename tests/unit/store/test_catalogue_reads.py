"""store.catalogue_reads: the lean column rows reconcile reads, deleted records flagged, id lists decoded."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from store import Store, open_store
from store.catalogue_reads import load_column_rows, load_records
from tests.helpers.records import Usage, supplier, sync_records, user


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    s = open_store(store_url)
    yield s
    s.close()


def test_rows_carry_the_deleted_flag_and_decoded_id_lists(store: Store) -> None:
    kept = Usage(id="u1", organisation_id="o1", package_id="p1", koppelingen=("k1", "k2"))
    gone = Usage(id="u2", organisation_id="o1", package_id="p2", koppelingen=())
    sync_records(store, [supplier("o1", "Eén"), kept, gone, user("c1", "o1", roles=("A", "B"))])
    sync_records(store, [supplier("o1", "Eén"), kept, user("c1", "o1", roles=())])
    with store.transaction() as session:
        usages = sorted(
            tuple(r) for r in load_column_rows(session, "usage", ("id", "koppelingen", "package_id"))
        )
        contacts = [tuple(r) for r in load_column_rows(session, "contact", ("roles", "id"))]
        records = [(s.record.id, s.is_deleted) for s in load_records(session, "usage", include_deleted=True)]
        live = [s.record.id for s in load_records(session, "usage")]
    assert usages == [(False, "u1", ("k1", "k2"), "p1"), (True, "u2", (), "p2")]
    assert contacts == [(False, (), "c1")]
    assert sorted(records) == [("u1", False), ("u2", True)] and live == ["u1"]
