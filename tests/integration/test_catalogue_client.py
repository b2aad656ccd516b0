"""CatalogueClient against the sandbox catalogue over real HTTP: full, incremental and faulty listings."""

from __future__ import annotations

import asyncio
import json
import random
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from connectors.catalogue import CatalogueClient
from connectors.catalogue_models import ENTITY_TYPES, CatalogueRecord, EntityType, Usage
from connectors.errors import AuthFailed
from connectors.http import RetryPolicy
from sandbox.catalogue import CatalogueState, create_app
from sandbox.faults import FaultPlan
from sandbox.server import serve_in_thread

pytestmark = [pytest.mark.integration, pytest.mark.anyio]

USER, PASSWORD = "beheer", "sandbox-app-password"
SCHEMA_OF: dict[EntityType, str] = {
    "organisation": "organisatie", "contact": "contactpersoon", "package": "module", "usage": "gebruik",
    "koppeling": "koppeling",
}
T0 = datetime(2025, 6, 1, tzinfo=UTC)
FAST_RETRY = RetryPolicy(max_retries=8, max_retry_seconds=30, backoff_initial=0.01, backoff_max=0.1)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def dataset(seed: int = 3) -> dict[str, list[dict[str, Any]]]:
    """~300 gen-2 objects of every type, spread over months, with a few real-world quirks."""
    rng = random.Random(seed)
    stamp = iter(range(10_000))

    def obj(**props: Any) -> dict[str, Any]:
        created = T0 + timedelta(hours=next(stamp) * 7)
        updated = created + timedelta(days=rng.randint(0, 30))
        return {"id": str(uuid.UUID(int=rng.getrandbits(128), version=4)), **props,
                "@self": {"created": created.isoformat(), "updated": updated.isoformat()}}

    orgs = [obj(naam=f"Gemeente {i}", type="Gemeente", status="Actief", cbsCode=100 + i) for i in range(40)]
    orgs += [obj(naam=f"Leverancier {i}", type=["Leverancier"], status="Actief", kvkNummer=f"{10000000 + i}")
             for i in range(10)]
    members = json.dumps([o["id"] for o in orgs[:3]])  # JSON-encoded relation list, as in exports
    orgs.append(obj(naam="Samenwerking", type="Samenwerking", deelnemers=members))
    contacts = [obj(voornaam=f"P{i}", achternaam="Jansen", organisatie=rng.choice(orgs)["id"],
                    rollen=["Gebruik-beheerder"], **{"e-mailadres": f"p{i}@example.nl"}) for i in range(30)]
    modules = [obj(naam=f"Pakket {i}", beschrijvingKort="x", aanbieder=orgs[40 + i % 10]["id"])
               for i in range(40)]
    usages = [obj(afnemer=rng.choice(orgs[:40])["id"], module=rng.choice(modules)["id"],
                  status=rng.choice(["In productie", "Gepland", "Uit te faseren"])) for i in range(150)]
    koppelingen = [obj(naam=f"K{i}", moduleA=rng.choice(modules)["id"], moduleB=rng.choice(modules)["id"],
                       status="in gebruik") for i in range(30)]
    return {"organisatie": orgs, "contactpersoon": contacts, "module": modules, "gebruik": usages,
            "koppeling": koppelingen}


@contextmanager
def sandbox(state: CatalogueState, **options: Any) -> Iterator[str]:
    with serve_in_thread(create_app(state, **options)) as server:
        yield server.url


def client(url: str, **kw: Any) -> CatalogueClient:
    options: dict[str, Any] = {"user": USER, "password": PASSWORD, "page_size": 20, "concurrency": 4,
                               "timeout": 5.0, "retry": FAST_RETRY, **kw}
    return CatalogueClient.connect(url, **options)


async def list_all(catalogue: CatalogueClient, entity: EntityType, **kw: Any) -> list[CatalogueRecord]:
    return [r async for page in catalogue.fetch_pages(entity, **kw) for r in page.records]


def served(state: CatalogueState, entity: EntityType) -> dict[str, dict[str, Any]]:
    return {o["id"]: o for o in state.snapshot()[SCHEMA_OF[entity]]}


@pytest.mark.parametrize("generation", [
    {"next_links": True, "updated_filter": "range"},  # v0.2.7: broken `next` links present
    {"next_links": False, "updated_filter": "exact", "strip_empty": True},  # 2026: no default order
])
async def test_full_listing_equals_the_served_dataset(generation: dict[str, Any]) -> None:
    state = CatalogueState(dataset())
    with sandbox(state, **generation) as url:
        async with client(url) as catalogue:
            for entity in ENTITY_TYPES:
                records = await list_all(catalogue, entity)
                listing = catalogue.listing(entity)
                expected = served(state, entity)
                assert sorted(r.id for r in records) == sorted(expected), entity
                assert listing.complete and listing.seen == len(expected) == listing.total_reported
                assert listing.retries == 0
            usages = {r.id: r for r in await list_all(catalogue, "usage")}
    for object_id, raw in served(state, "usage").items():
        record = usages[object_id]
        assert isinstance(record, Usage)
        assert (record.organisation_id, record.package_id) == (raw["afnemer"], raw["module"])
        assert record.status_raw == raw["status"] and record.updated is not None


async def test_incremental_after_mutations_and_one_request_when_unchanged() -> None:
    state = CatalogueState(dataset())
    overlap = timedelta(minutes=5)
    with sandbox(state, next_links=False, updated_filter="exact") as url:
        async with client(url) as catalogue:
            watermarks: dict[EntityType, datetime] = {}
            for entity in ENTITY_TYPES:
                records = await list_all(catalogue, entity)
                watermarks[entity] = max(r.updated for r in records if r.updated is not None)

            state.clock.advance(3600)
            gebruik = state.ids("gebruik")
            for object_id in gebruik[:3]:
                state.update("gebruik", object_id, status="Uitgefaseerd")
            state.delete("gebruik", gebruik[3])
            added = [state.add("gebruik", {"afnemer": state.ids("organisatie")[0]})["id"] for _ in range(2)]

            for entity in ENTITY_TYPES:
                since = watermarks[entity]
                got = {r.id for r in await list_all(catalogue, entity, since=since, overlap=overlap)}
                expected = {i for i, o in served(state, entity).items()
                            if datetime.fromisoformat(o["@self"]["updated"]) >= since - overlap}
                assert got == expected, entity
                if entity == "usage":
                    assert set(gebruik[:3]) | set(added) <= got and gebruik[3] not in got
                    watermarks[entity] = state.clock.now().replace(tzinfo=UTC)

            for entity in ENTITY_TYPES:  # nothing changed since: one request per entity type
                await list_all(catalogue, entity, since=watermarks[entity], overlap=overlap)
                assert catalogue.listing(entity).requests == 1, entity


async def test_faults_still_give_the_complete_set() -> None:
    state = CatalogueState(dataset())
    plan = FaultPlan(seed=4, error_rate=0.12, rate_limit_rate=0.05, timeout_rate=0.05, truncate_rate=0.1,
                     reset_rate=0.05, retry_after=1, timeout_sleep=1.0)
    with sandbox(state, faults=plan) as url:
        async with client(url, page_size=10, timeout=0.5) as catalogue:
            for entity in ENTITY_TYPES:
                records = await list_all(catalogue, entity)
                assert sorted(r.id for r in records) == sorted(served(state, entity)), entity
                assert catalogue.listing(entity).complete
            retries = catalogue.stats.retries
    # seed 4 injects every kind (~25 faults); a loaded machine may shift the draws: ask for the main ones
    assert plan.fault_count >= 10 and retries >= plan.fault_count
    assert {"error", "truncate", "timeout", "rate_limit"} <= set(plan.injected)


async def test_wrong_password_is_auth_failed_without_the_password() -> None:
    state = CatalogueState(dataset())
    with sandbox(state) as url:
        async with client(url, password="wrong-secret-123") as catalogue:
            with pytest.raises(AuthFailed) as info:
                await list_all(catalogue, "organisation")
    assert "wrong-secret-123" not in str(info.value) and "SWC_CATALOGUE__PASSWORD" in (info.value.hint or "")


async def test_concurrent_listings_of_all_types_at_once() -> None:
    state = CatalogueState(dataset())
    with sandbox(state) as url:
        async with client(url) as catalogue:
            results = await asyncio.gather(*(list_all(catalogue, e) for e in ENTITY_TYPES))
    for entity, records in zip(ENTITY_TYPES, results, strict=True):
        assert len({r.id for r in records}) == len(served(state, entity))
