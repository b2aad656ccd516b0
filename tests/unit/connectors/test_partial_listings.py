"""Listings that must not count as complete, credentials that must never be sent, and the OCS client."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from config.errors import ConfigError
from connectors.accounts import AccountsClient
from connectors.catalogue import CatalogueClient, basic_auth
from connectors.errors import AuthFailed, NotFound
from connectors.http import build_http_client
from connectors.paginators import PageNumberPaginator, count_problem
from tests.helpers.fake_register import FakeRegister, make_object
from tests.helpers.fake_time import PASSWORD, FakeTime

pytestmark = pytest.mark.anyio

BASE = "https://catalogus.example.nl"


# -- credentials ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("user", "password"), [("svc", ""), ("svc", None), ("", "app-pw"), (None, "app-pw")])
async def test_half_credentials_are_refused_before_any_request(
    user: str | None, password: str | None
) -> None:
    """Nextcloud would serve a user with an empty password as anonymous: never send such a pair."""
    sent: list[httpx.Request] = []
    transport = httpx.MockTransport(lambda request: sent.append(request) or httpx.Response(200, json={}))
    with pytest.raises(ConfigError) as info:
        CatalogueClient.connect(BASE, user=user, password=password, transport=transport)
    assert info.value.key == "error.settings.half_credentials"
    with pytest.raises(ConfigError):
        AccountsClient.connect(BASE, user=user, password=password, transport=transport)
    with pytest.raises(ConfigError):
        build_http_client(BASE, auth=(user or "", password or ""), timeout=1.0, transport=transport)
    assert sent == []


async def test_no_request_ever_carries_an_empty_password() -> None:
    """Anonymous sends no Authorization header at all; a full pair sends both parts."""
    seen: list[str | None] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("authorization"))
        return httpx.Response(200, json={"results": [], "total": 0, "page": 1, "pages": 1, "limit": 10})

    for user, password in ((None, None), ("svc", PASSWORD)):
        async with CatalogueClient.connect(
            BASE, user=user, password=password, transport=httpx.MockTransport(handle), page_size=10
        ) as client:
            _ = [page async for page in client.fetch_pages("organisation")]
    assert seen[0] is None and seen[1] is not None and seen[1].startswith("Basic ")
    assert basic_auth(None, None) is None and basic_auth("svc", PASSWORD) == ("svc", PASSWORD)


# -- counts that contradict the rows -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("envelope", "page", "problem"),
    [
        ({"results": [1, 2], "total": 0, "pages": 0}, 1, "total_zero"),
        ({"results": [1, 2], "total": 2, "pages": 0}, 1, "pages_zero"),
        ({"results": [1, 2], "total": 11, "pages": 2}, 2, "total_below_rows"),  # offset 10 + 2 rows > 11
        ({"results": [1, 2], "total": 12, "pages": 1}, 2, "pages_below_page"),
        ({"results": [1, 2], "total": 12, "pages": 2}, 2, None),
        ({"results": [], "total": 0, "pages": 0}, 1, None),  # an empty page contradicts nothing
        ({"results": [1]}, 3, None),  # no counts: nothing to contradict
    ],
)
def test_count_problem(envelope: dict[str, Any], page: int, problem: str | None) -> None:
    assert count_problem(envelope, page=page, limit=10) == problem


def test_paginator_stops_trusting_counts_after_a_contradiction() -> None:
    paginator = PageNumberPaginator(limit=2)
    paginator.update_state({"results": [1, 2], "total": 0, "pages": 0, "page": 1})
    assert paginator.count_problem == "total_zero" and paginator.has_next_page  # a full page: go on
    paginator.update_state({"results": [3, 4], "total": 4, "pages": 2, "page": 2})
    assert paginator.has_next_page  # the counts now say "done", but they are not believed
    paginator.update_state({"results": [5], "total": 5, "pages": 3, "page": 3})
    assert not paginator.has_next_page  # a short page ends it


def miscounting(register: FakeRegister, rewrite: dict[int, dict[str, int]]) -> None:
    """Serve the listing with `total`/`pages` of the given pages replaced."""

    def fault(request: httpx.Request, page: int) -> httpx.Response | None:
        if page not in rewrite:
            return None
        body = register.listing("organisatie", request.url.params, page)
        return httpx.Response(200, json={**body, **rewrite[page]})

    register.fault = fault


async def test_a_zero_count_on_page_one_pages_on_until_a_short_page_and_is_incomplete() -> None:
    register = FakeRegister({"organisatie": [make_object(n) for n in range(45)]})
    miscounting(register, {p: {"total": 0, "pages": 0} for p in range(1, 10)})
    async with CatalogueClient.connect(
        BASE, transport=register.transport(), page_size=20, retry=FakeTime().policy()
    ) as client:
        pages = [page async for page in client.fetch_pages("organisation")]
        listing = client.listing("organisation")
    assert sum(len(p.records) for p in pages) == 45 and register.pages_requested() == [1, 2, 3]
    assert not listing.complete and (listing.count_problem, listing.count_problem_page) == ("total_zero", 1)


async def test_a_later_page_below_the_rows_seen_reads_beyond_the_claimed_page_count() -> None:
    register = FakeRegister({"organisatie": [make_object(n) for n in range(50)]})
    # page 1 claims 2 pages (40 rows); page 2 claims a total of 30 while 40 rows have been seen
    miscounting(register, {1: {"total": 40, "pages": 2}, 2: {"total": 30, "pages": 2}})
    async with CatalogueClient.connect(
        BASE, transport=register.transport(), page_size=20, concurrency=2, retry=FakeTime().policy()
    ) as client:
        pages = [page async for page in client.fetch_pages("organisation")]
        listing = client.listing("organisation")
    assert sum(len(p.records) for p in pages) == 50 and sorted(register.pages_requested()) == [1, 2, 3]
    assert not listing.complete and listing.count_problem == "total_below_rows"


async def test_a_listing_samples_the_rows_owning_organisations() -> None:
    rows = [make_object(n) for n in range(6)]
    for n, row in enumerate(rows):
        if n < 5:
            row["@self"]["organisation"] = f"00000000-0000-4000-8000-00000000000{n % 2}"
    register = FakeRegister({"organisatie": rows})
    async with CatalogueClient.connect(BASE, transport=register.transport(), page_size=10) as client:
        _ = [page async for page in client.fetch_pages("organisation")]
        listing = client.listing("organisation")
    assert listing.complete and len(listing.tenants) == 2 and listing.untenanted == 1


# -- the OCS accounts client ---------------------------------------------------------------------------------


def ocs_body(data: Any, status: int = 200, message: str = "OK") -> dict[str, Any]:
    state = "ok" if status in (100, 200) else "failure"
    return {"ocs": {"meta": {"status": state, "statuscode": status, "message": message}, "data": data}}


async def test_accounts_client_asks_ocs_as_nextcloud_wants_and_reads_groups() -> None:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.raw_path.startswith(b"/ocs/v2.php/cloud/users/beheer%40vng.nl/groups?"):
            return httpx.Response(200, json=ocs_body({"groups": ["admin", "functioneel-beheerder"]}))
        return httpx.Response(404, json=ocs_body([], 998, ""))

    transport = httpx.MockTransport(handle)
    async with AccountsClient.connect(
        BASE, user="beheer@vng.nl", password="pw", transport=transport
    ) as accounts:
        assert await accounts.fetch_groups("beheer@vng.nl") == ["admin", "functioneel-beheerder"]
        with pytest.raises(NotFound) as info:
            await accounts.fetch_groups("iemand@gemeente.nl")
    assert seen[0].headers["OCS-APIRequest"] == "true" and seen[0].url.params["format"] == "json"
    assert info.value.service == "accounts" and info.value.status == 404


async def test_accounts_client_lists_accounts_with_details() -> None:
    users = ["a@x.nl", "b@x.nl", "c@x.nl"]

    def handle(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/ocs/v2.php/cloud/users":
            offset, limit = int(request.url.params["offset"]), int(request.url.params["limit"])
            return httpx.Response(200, json=ocs_body({"users": users[offset : offset + limit]}))
        if path == "/ocs/v2.php/cloud/users/a@x.nl/groups":
            return httpx.Response(401, json=ocs_body([], 997, "Current user is not logged in"))
        uid = path.rsplit("/", 1)[1]
        login = 0 if uid == "c@x.nl" else 1_760_000_000_000
        data = {"id": uid, "enabled": uid != "b@x.nl", "lastLogin": login,
                "email": uid, "displayname": uid.upper(), "groups": ["gebruikers"]}  # fmt: skip
        return httpx.Response(200, json=ocs_body(data))

    transport = httpx.MockTransport(handle)
    async with AccountsClient.connect(BASE, user="beheer", password="pw", transport=transport) as accounts:
        found = [a async for a in accounts.fetch_accounts(page_size=2)]
        with pytest.raises(AuthFailed):
            await accounts.fetch_groups("a@x.nl")
    assert [a.uid for a in found] == users
    assert [a.enabled for a in found] == [True, False, True]
    assert found[2].last_login is None and found[0].last_login is not None
    assert found[0].display_name == "A@X.NL" and found[0].groups == ("gebruikers",)
