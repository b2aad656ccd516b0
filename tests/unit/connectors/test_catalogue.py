"""CatalogueClient against an in-memory OpenRegister: full and incremental listings, faults, completeness."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

import httpx
import pytest

from config.errors import ConfigError
from connectors.catalogue import CatalogueClient, Page
from connectors.catalogue_models import Organisation
from connectors.errors import AuthFailed, NotFound, RateLimited, RemoteUnavailable, UnexpectedPayload
from tests.helpers.fake_register import T0, FakeRegister, make_object
from tests.helpers.fake_time import PASSWORD, FakeTime

pytestmark = pytest.mark.anyio

BASE = "https://catalogus.example.nl"


def client_for(register: FakeRegister, *, page_size: int = 10, concurrency: int = 3,
               fake: FakeTime | None = None, **kw: Any) -> CatalogueClient:
    return CatalogueClient.connect(
        BASE, user="svc", password=PASSWORD, page_size=page_size, concurrency=concurrency,
        transport=register.transport(), retry=(fake or FakeTime()).policy(), **kw,
    )


async def collect(client: CatalogueClient, entity: str = "organisation", **kw: Any) -> list[Page]:
    return [page async for page in client.fetch_pages(entity, **kw)]  # type: ignore[arg-type]


def ids_of(pages: list[Page]) -> list[str]:
    return [record.id for page in pages for record in page.records]


def orgs(n: int) -> list[dict[str, Any]]:
    return [make_object(i) for i in range(n)]


# --- full listing ---------------------------------------------------------------------------------

async def test_full_listing_returns_every_object_once() -> None:
    register = FakeRegister({"organisatie": orgs(95)})
    async with client_for(register) as client:
        pages = await collect(client)
        listing = client.listing("organisation")
    assert sorted(ids_of(pages)) == sorted(o["id"] for o in register.objects["organisatie"])
    assert sorted(p.number for p in pages) == list(range(1, 11))
    assert all(isinstance(r, Organisation) for p in pages for r in p.records)
    assert listing.complete and (listing.seen, listing.total_reported, listing.requests) == (95, 95, 10)
    assert listing.retries == 0 and client.stats.requests == 10


async def test_full_listing_sends_explicit_order_with_tie_breaker_and_never_page_param() -> None:
    register = FakeRegister({"organisatie": orgs(25)})
    async with client_for(register) as client:
        await collect(client)
    for request in register.requests:
        items = request.url.params.multi_items()
        orders = [(k, v) for k, v in items if k.startswith("_order")]
        assert orders == [("_order[@self.created]", "asc"), ("_order[@self.uuid]", "asc")]
        assert "page" not in request.url.params  # the broken `next` link was never followed
        assert request.url.params["_limit"] == "10"
    assert sorted(register.pages_requested()) == [1, 2, 3]


async def test_full_listing_computes_pages_from_total_when_pages_missing() -> None:
    register = FakeRegister({"organisatie": orgs(23)})
    original = register.listing

    def without_pages(*args: Any) -> dict[str, Any]:
        body = original(*args)
        del body["pages"], body["next"]
        return body

    register.listing = without_pages  # type: ignore[method-assign]
    async with client_for(register) as client:
        pages = await collect(client)
    assert len(set(ids_of(pages))) == 23 and sorted(register.pages_requested()) == [1, 2, 3]


async def test_full_listing_of_an_empty_schema_costs_one_request() -> None:
    register = FakeRegister({"organisatie": []})
    async with client_for(register) as client:
        pages = await collect(client)
        assert client.listing("organisation").complete
    assert len(pages) == 1 and pages[0].records == [] and len(register.requests) == 1


async def test_concurrency_bound_is_respected() -> None:
    register = FakeRegister({"organisatie": orgs(200)}, delay=0.005)
    async with client_for(register, concurrency=4) as client:
        pages = await collect(client)
    assert len(set(ids_of(pages))) == 200
    assert 1 < register.max_in_flight <= 4


async def test_unmappable_objects_are_skipped_and_reported_not_fatal() -> None:
    objects = orgs(12)
    objects[3]["cbsCode"] = "niet bekend"
    objects[7] = {"naam": "zonder id"}
    register = FakeRegister({"organisatie": objects})
    async with client_for(register) as client:
        pages = await collect(client)
        listing = client.listing("organisation")
    skipped = [s for p in pages for s in p.skipped]
    assert sorted((s.id or "", s.reason) for s in skipped) == sorted([
        (objects[3]["id"], "cbsCode: expected a CBS code number, got 'niet bekend'"), ("", "no id")])
    assert len(ids_of(pages)) == 10
    assert listing.seen == 11 and listing.saw(objects[3]["id"])  # a skipped id still counts as present
    assert not listing.complete  # one object without an id cannot be accounted for


# --- completeness when data shifts ----------------------------------------------------------------

async def test_listing_is_incomplete_when_a_deletion_shifts_pages() -> None:
    register = FakeRegister({"organisatie": orgs(30)})
    removed = register.objects["organisatie"][2]

    def delete_once(page: int) -> None:
        if page > 1 and removed in register.objects["organisatie"]:
            register.objects["organisatie"].remove(removed)

    register.before_page = delete_once
    async with client_for(register, concurrency=1) as client:
        pages = await collect(client)
        listing = client.listing("organisation")
    seen = set(ids_of(pages))
    missed = {o["id"] for o in register.objects["organisatie"]} - seen
    assert missed  # the object that slid from page 2 onto page 1 was never served
    assert not listing.complete
    assert listing.total_reported == 30 and listing.total_smallest == 29 and listing.seen == 29


async def test_listing_picks_up_pages_that_appear_while_listing() -> None:
    register = FakeRegister({"organisatie": orgs(20)})

    def add_once(page: int) -> None:
        if page == 2 and len(register.objects["organisatie"]) == 20:
            register.objects["organisatie"].extend(make_object(100 + i) for i in range(5))

    register.before_page = add_once
    async with client_for(register, concurrency=1) as client:
        pages = await collect(client)
        listing = client.listing("organisation")
    assert len(set(ids_of(pages))) == 25 and listing.complete and listing.total_reported == 25


async def test_listing_stopped_early_by_the_caller_is_incomplete() -> None:
    register = FakeRegister({"organisatie": orgs(50)})
    async with client_for(register) as client:
        stream = client.fetch_pages("organisation")
        async for _ in stream:
            break
        await stream.aclose()  # type: ignore[attr-defined]
        assert not client.listing("organisation").complete


# --- faults during a full listing -----------------------------------------------------------------

async def test_full_listing_survives_transient_faults_and_counts_retries() -> None:
    register = FakeRegister({"organisatie": orgs(50)})
    failures = {2: [httpx.Response(503, headers={"Retry-After": "1"})],
                3: [httpx.Response(200, content=b'{"results": [{"id": "')],
                4: [httpx.Response(429, headers={"Retry-After": "2"}), httpx.Response(500)]}

    def fault(request: httpx.Request, page: int) -> httpx.Response | None:
        queue = failures.get(page)
        return queue.pop(0) if queue else None

    register.fault = fault
    fake = FakeTime()
    async with client_for(register, fake=fake) as client:
        pages = await collect(client)
        listing = client.listing("organisation")
    assert len(set(ids_of(pages))) == 50 and listing.complete
    assert listing.retries == 4 and listing.requests == 9
    assert 1.0 in fake.sleeps and 2.0 in fake.sleeps


async def test_a_page_failing_for_good_yields_the_others_then_raises() -> None:
    register = FakeRegister({"organisatie": orgs(50)})
    register.fault = lambda request, page: httpx.Response(500) if page == 3 else None
    seen: list[str] = []
    async with client_for(register) as client:
        with pytest.raises(RemoteUnavailable):
            async for page in client.fetch_pages("organisation"):
                seen.extend(r.id for r in page.records)
        listing = client.listing("organisation")
    assert len(seen) == 40 and not listing.complete and listing.failed_pages == (3,)


async def test_auth_failure_on_a_later_page_stops_the_listing() -> None:
    register = FakeRegister({"organisatie": orgs(50)})
    register.fault = lambda request, page: httpx.Response(401) if page == 4 else None
    async with client_for(register) as client:
        with pytest.raises(AuthFailed):
            await collect(client)
        assert not client.listing("organisation").complete


async def test_list_of_an_unknown_schema_names_the_slug_and_setting() -> None:
    register = FakeRegister({"organisatie": orgs(3)})
    async with client_for(register, schemas={"organisation": "organisaties"}) as client:
        with pytest.raises(NotFound) as info:
            await collect(client)
    assert "'organisaties'" in info.value.message and "SWC_CATALOGUE__SCHEMAS" in (info.value.hint or "")
    assert len(register.requests) == 1


async def test_a_body_without_results_is_unexpected_payload() -> None:
    register = FakeRegister({"organisatie": orgs(3)})
    register.fault = lambda request, page: httpx.Response(200, json={"data": []})
    async with client_for(register) as client:
        with pytest.raises(UnexpectedPayload, match="no `results`"):
            await collect(client)


async def test_entity_without_schema_slug_is_a_config_error() -> None:
    register = FakeRegister({})
    async with client_for(register, schemas={"organisation": "organisatie"}) as client:
        with pytest.raises(ConfigError, match="SWC_CATALOGUE__SCHEMAS"):
            await collect(client, "usage")
    assert register.requests == []


# --- incremental ----------------------------------------------------------------------------------

def aged(n: int, minutes_ago: float) -> dict[str, Any]:
    return make_object(n, updated=T0 + timedelta(days=30) - timedelta(minutes=minutes_ago))


NOW = T0 + timedelta(days=30)


async def test_incremental_unchanged_costs_exactly_one_request_per_type() -> None:
    register = FakeRegister({"organisatie": [aged(i, 60 + i) for i in range(100)],
                             "gebruik": [aged(i, 90) for i in range(100, 150)]})
    async with client_for(register) as client:
        for entity in ("organisation", "usage"):
            pages = await collect(client, entity, since=NOW, overlap=timedelta(minutes=5))
            assert ids_of(pages) == [] and client.listing(entity).requests == 1  # type: ignore[arg-type]
    assert len(register.requests) == 2


async def test_incremental_orders_newest_first_and_sends_no_updated_filter() -> None:
    register = FakeRegister({"organisatie": [aged(i, 60) for i in range(5)]})
    async with client_for(register) as client:
        await collect(client, since=NOW)
    params = register.requests[0].url.params
    assert [(k, v) for k, v in params.multi_items() if k.startswith("_order")] == [
        ("_order[@self.updated]", "desc"), ("_order[@self.uuid]", "desc")]
    assert not [k for k in params if "updated" in k and not k.startswith("_order")]


async def test_incremental_reads_until_the_first_object_older_than_the_cut() -> None:
    # 25 changed objects (newest 1..25 minutes ago, relative to since=NOW+30min), 40 old ones.
    since = NOW
    changed = [aged(i, -i) for i in range(25)]  # updated after `since`
    within_overlap = [aged(30, 3)]  # 3 minutes before since: inside the 5 minute overlap
    old = [aged(100 + i, 60 + i) for i in range(40)]
    register = FakeRegister({"organisatie": changed + within_overlap + old})
    async with client_for(register) as client:
        pages = await collect(client, since=since, overlap=timedelta(minutes=5))
        listing = client.listing("organisation")
    got = set(ids_of(pages))
    assert got == {o["id"] for o in changed + within_overlap}
    assert register.pages_requested() == [1, 2, 3]  # page 3 holds the first old object: stop there
    assert listing.mode == "incremental" and not listing.complete


async def test_incremental_failure_raises_without_skipping_pages() -> None:
    register = FakeRegister({"organisatie": [aged(i, -i) for i in range(30)]})
    register.fault = lambda request, page: httpx.Response(502) if page == 2 else None
    async with client_for(register) as client:
        with pytest.raises(RemoteUnavailable):
            await collect(client, since=NOW)
    assert max(register.pages_requested()) == 2


async def test_incremental_accepts_naive_since_as_utc() -> None:
    register = FakeRegister({"organisatie": [aged(1, -10), aged(2, 60)]})
    async with client_for(register) as client:
        pages = await collect(client, since=NOW.replace(tzinfo=None))
    assert len(ids_of(pages)) == 1


# --- fetch_one, secrets, errors -------------------------------------------------------------------

async def test_fetch_one_maps_and_404_names_the_object() -> None:
    objects = orgs(3)
    register = FakeRegister({"organisatie": objects})
    async with client_for(register) as client:
        record = await client.fetch_one("organisation", objects[1]["id"].upper())
        assert isinstance(record, Organisation) and record.name == "Org 1"
        missing = "00000000-0000-0000-0000-0000000000ff"
        with pytest.raises(NotFound, match=missing):
            await client.fetch_one("organisation", missing)


async def test_rate_limit_beyond_budget_surfaces_reset_at() -> None:
    register = FakeRegister({"organisatie": orgs(3)})
    register.fault = lambda request, page: httpx.Response(429, headers={"Retry-After": "86400"},
                                                          json={"error": "quota", "resetAt": "tomorrow"})
    async with client_for(register) as client:
        with pytest.raises(RateLimited) as info:
            await collect(client)
    assert info.value.reset_at is not None and len(register.requests) == 1


async def test_password_absent_from_client_repr_errors_and_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    register = FakeRegister({"organisatie": orgs(30)})
    register.fault = lambda request, page: httpx.Response(503) if page == 2 else None
    client = CatalogueClient.connect(f"https://svc:{PASSWORD}@catalogus.example.nl", password=None,
                                     transport=register.transport(), retry=FakeTime().policy(max_retries=2),
                                     page_size=10)
    async with client:
        assert PASSWORD not in repr(client)
        with pytest.raises(RemoteUnavailable) as info:
            await collect(client)
    assert register.requests[0].headers["Authorization"].startswith("Basic ")
    error = info.value
    texts = (str(error), repr(error), error.hint or "", str(error.url), repr(error.__cause__), caplog.text)
    for text in texts:
        assert PASSWORD not in text


async def test_password_without_user_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="SWC_CATALOGUE__USER"):
        CatalogueClient.connect(BASE, password=PASSWORD)


async def test_listing_before_any_fetch_is_a_config_error() -> None:
    async with client_for(FakeRegister({})) as client:
        with pytest.raises(ConfigError):
            client.listing("organisation")


async def test_pages_arrive_while_others_are_in_flight() -> None:
    """Pages are yielded as they complete: a slow page does not hold back the others."""
    register = FakeRegister({"organisatie": orgs(40)})
    slow = asyncio.Event()
    original = register.handle

    async def handle(request: httpx.Request) -> httpx.Response:
        if request.url.params.get("_page") == "2":
            await slow.wait()
        return await original(request)

    transport = httpx.MockTransport(handle)
    order: list[int] = []
    async with CatalogueClient.connect(BASE, transport=transport, page_size=10, concurrency=4,
                                       retry=FakeTime().policy()) as client:
        async for page in client.fetch_pages("organisation"):
            order.append(page.number)
            if len(order) == 3:
                slow.set()
    assert order[-1] == 2 and sorted(order) == [1, 2, 3, 4]


async def test_an_id_listed_twice_is_reported_and_the_first_kept() -> None:
    objects = orgs(15)
    twin = {**objects[2], "naam": "tweede exemplaar"}
    objects.insert(12, twin)  # page 1 holds the first, page 2 the repeat (page size 10)
    register = FakeRegister({"organisatie": objects})
    async with client_for(register) as client:
        pages = await collect(client)
    skipped = [(s.id, s.reason) for p in pages for s in p.skipped]
    assert skipped == [(objects[2]["id"], "duplicate id in listing")]
    kept = [r for p in pages for r in p.records if r.id == objects[2]["id"]]
    assert [r.name for r in kept] == [objects[2]["naam"]]  # type: ignore[attr-defined]
