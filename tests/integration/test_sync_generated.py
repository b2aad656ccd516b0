"""A full sync of the generator's catalogue (with its real-data quirks) equals what the sandbox serves.

Content is compared two ways: the stored raw objects (by content hash), and the typed columns against
expectations computed here from the wire objects, independently of the connector's mapping code.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa

from connectors.catalogue import CatalogueClient
from store import open_store
from store.catalogue_tables import ENTITY_TABLES
from sync.catalogue_sync import run_catalogue_sync
from tests.helpers.sync_checks import served_hashes, stored_hashes

pytestmark = pytest.mark.integration

SCHEMA_OF = {"organisation": "organisatie", "contact": "contactpersoon", "package": "module",
             "usage": "gebruik", "koppeling": "koppeling"}  # fmt: skip


def _relations(value: Any) -> set[str]:
    """A relation as the wire may carry it: uuid, list of uuids, or either JSON-encoded as a string."""
    if isinstance(value, str) and value.startswith(("[", '"')):
        value = json.loads(value)
    if value is None or value == "":
        return set()
    return {str(v).lower() for v in (value if isinstance(value, list) else [value])}


def _one(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    return None if value is None else str(value)


def test_full_sync_of_the_generated_catalogue(
    store_url: str, make_catalogue_server: Callable[..., Any]
) -> None:
    server = make_catalogue_server()
    shapes: set[str] = set()
    store = open_store(store_url)
    try:

        async def sync() -> Any:
            async with CatalogueClient.connect(
                server.url, user=server.user, password=server.password, page_size=200
            ) as client:
                return await run_catalogue_sync(store, client, mode="full")

        report = asyncio.run(sync())
        assert report.status == "success", report.error
        snapshot = server.state.snapshot()
        for entity, schema in SCHEMA_OF.items():
            assert report.stats[entity].new == len(snapshot[schema]) > 0, entity
        assert stored_hashes(store) == served_hashes(server.state)

        with store.sessions() as session:
            orgs = {row.id: row for row in session.execute(sa.select(ENTITY_TABLES["organisation"]))}
            usages = {row.id: row for row in session.execute(sa.select(ENTITY_TABLES["usage"]))}
        for raw in snapshot["organisatie"]:
            row = orgs[raw["id"]]
            assert row.type == (_one(raw.get("type")) or "").lower(), raw["id"]
            assert (row.status or None) == ((raw.get("status") or "").strip().lower() or None), raw["id"]
            assert set(row.members or []) == _relations(raw.get("deelnemers")), raw["id"]
            assert row.name == raw.get("naam")
            shapes.add("type_list" if isinstance(raw.get("type"), list) else "type_str")
            if isinstance(raw.get("deelnemers"), str):
                shapes.add("relation_json_string")
        for raw in snapshot["gebruik"]:
            row = usages[raw["id"]]
            assert {row.organisation_id} - {None} == _relations(raw.get("afnemer"))
            assert {row.package_id} - {None} == _relations(raw.get("module"))
            assert set(row.koppelingen or []) == _relations(raw.get("koppelingen"))
        assert {"type_list", "type_str"} <= shapes  # the generated data really carried the quirks
    finally:
        store.close()
