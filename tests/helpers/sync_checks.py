"""A small sandbox catalogue for sync tests, and the store-versus-served checks they share.

`tiny_dataset` builds a deterministic gen-2 catalogue; `Catalogue` wraps a running sandbox with a client
factory; `stored_hashes` reads the live records' hashes back through plain SQL and `served_hashes` hashes
what the sandbox serves, so a test can compare the two.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from connectors.catalogue import CatalogueClient
from sandbox.catalogue import CatalogueState, create_app
from sandbox.server import serve_in_thread
from store import Store
from store.catalogue_tables import ENTITY_TABLES
from sync.catalogue_sync import run_catalogue_sync
from sync.content_hash import content_hash
from sync.run_report import RunReport

__all__ = [
    "PASSWORD",
    "SCHEMA_OF",
    "USER",
    "Catalogue",
    "run",
    "served_hashes",
    "stored_hashes",
    "tiny_dataset",
]

USER, PASSWORD = "beheer", "sandbox-app-password"
SCHEMA_OF = {
    "organisation": "organisatie",
    "contact": "contactpersoon",
    "package": "module",
    "usage": "gebruik",
    "koppeling": "koppeling",
}


def tiny_dataset(seed: int = 1, *, gemeenten: int = 20, usages: int = 80) -> dict[str, list[dict[str, Any]]]:
    """A small gen-2 catalogue (~150 objects) with every entity type; deterministic for a seed."""
    rng = random.Random(seed)

    def uid() -> str:
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))

    orgs = [
        {"id": uid(), "naam": f"Gemeente {i}", "type": "Gemeente", "status": "Actief", "cbsCode": 100 + i}
        for i in range(gemeenten)
    ]
    suppliers = [
        {"id": uid(), "naam": f"Leverancier {i} B.V.", "type": "Leverancier", "status": "Actief",
         "kvkNummer": f"{10000000 + i}"}
        for i in range(5)
    ]  # fmt: skip
    coop = {"id": uid(), "naam": "Samenwerking West", "type": "Samenwerking", "status": "Actief",
            "deelnemers": [o["id"] for o in orgs[:4]]}  # fmt: skip
    modules = [
        {
            "id": uid(),
            "naam": f"Pakket {i}",
            "aanbieder": suppliers[i % 5]["id"],
            "beschrijvingKort": f"Pakket {i}",
        }
        for i in range(15)
    ]
    contacts = [
        {"id": uid(), "voornaam": f"Voornaam{i}", "achternaam": "Jansen", "e-mailadres": f"u{i}@example.nl",
         "organisatie": orgs[i % gemeenten]["id"], "rollen": ["Organisatie-beheerder"]}
        for i in range(gemeenten)
    ]  # fmt: skip
    gebruik = [
        {
            "id": uid(),
            "afnemer": orgs[i % gemeenten]["id"],
            "module": modules[i % 15]["id"],
            "status": "In productie",
        }
        for i in range(usages)
    ]
    koppelingen = [
        {"id": uid(), "moduleA": modules[i]["id"], "moduleB": modules[i + 1]["id"], "type": "Applicatie"}
        for i in range(10)
    ]
    data = {
        "organisatie": [*orgs, *suppliers, coop],
        "contactpersoon": contacts,
        "module": modules,
        "gebruik": gebruik,
        "koppeling": koppelingen,
    }
    start = datetime(2025, 3, 1, tzinfo=UTC)
    for objects in data.values():  # timestamps spread over months, as in the real catalogue
        for obj in objects:
            created = start + timedelta(hours=rng.randrange(24 * 200))
            updated = created + timedelta(hours=rng.randrange(24 * 100))
            obj["@self"] = {"created": created.isoformat(), "updated": updated.isoformat()}
    return data


class Catalogue:
    """A running sandbox catalogue and a way to build clients for it."""

    def __init__(self, state: CatalogueState, url: str) -> None:
        self.state, self.url = state, url

    def client(self, **kw: Any) -> CatalogueClient:
        options: dict[str, Any] = {"page_size": 10, "concurrency": 4, "timeout": 5.0}
        options.update(kw)
        return CatalogueClient.connect(self.url, user=USER, password=PASSWORD, **options)


def run(store: Store, client: CatalogueClient, **kw: Any) -> RunReport:
    async def go() -> RunReport:
        async with client:
            return await run_catalogue_sync(store, client, **kw)

    return asyncio.run(go())


def _live_hashes(table: sa.Table) -> sa.Select[tuple[str, str]]:
    return sa.select(table.c.id, table.c.content_hash).where(table.c.deleted_at.is_(None))


def stored_hashes(store: Store) -> dict[str, dict[str, str]]:
    """Live records per entity type: id -> content hash."""
    with store.sessions() as session:
        return {
            entity: {row.id: row.content_hash for row in session.execute(_live_hashes(t))}
            for entity, t in ENTITY_TABLES.items()
        }


def served_hashes(state: CatalogueState) -> dict[str, dict[str, str]]:
    snapshot = state.snapshot()
    return {
        entity: {o["id"]: content_hash(o) for o in snapshot.get(schema, [])}
        for entity, schema in SCHEMA_OF.items()
    }


def sync_dataset(store: Store, dataset: Any) -> None:
    """Serve the dataset from the sandbox catalogue and run one full catalogue sync over real HTTP."""
    state = CatalogueState(dataset)
    with serve_in_thread(create_app(state, users={USER: PASSWORD})) as server:

        async def go() -> Any:
            client = CatalogueClient.connect(
                server.url, user=USER, password=PASSWORD, page_size=1000, timeout=30.0
            )
            async with client:
                return await run_catalogue_sync(store, client)

        report = asyncio.run(go())
    assert report.status == "success", report.error
