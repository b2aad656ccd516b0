"""AccountsClient.fetch_accounts over `cloud/users/details`: PHP's `[]` page, entries without details, and
the fall back to one request per account when an older Nextcloud has no such route (respx stubs)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import respx

from connectors.accounts import AccountsClient
from connectors.errors import NotFound, UnexpectedPayload

pytestmark = pytest.mark.anyio

BASE = "https://catalogus.example.nl"
OCS = f"{BASE}/ocs/v2.php/cloud"


def ocs_body(data: Any, status: int = 200) -> dict[str, Any]:
    meta = {"status": "ok" if status == 200 else "failure", "statuscode": status, "message": ""}
    return {"ocs": {"meta": meta, "data": data}}


def user(uid: str, *, enabled: bool = True, login: int = 1_760_000_000_000) -> dict[str, Any]:
    return {"id": uid, "enabled": enabled, "lastLogin": login, "email": uid, "displayname": uid.upper(),
            "groups": ["gebruikers"], "quota": {"quota": "none"}}  # fmt: skip


def client() -> AccountsClient:
    return AccountsClient.connect(BASE, user="beheer", password="pw")


async def fetch(page_size: int = 500) -> list[tuple[str, bool | None]]:
    async with client() as accounts:
        return [(a.uid, a.enabled) async for a in accounts.fetch_accounts(page_size=page_size)]


@respx.mock
async def test_details_come_a_page_at_a_time_and_php_s_empty_array_ends_them() -> None:
    pages = {"0": {"a@x.nl": user("a@x.nl"), "b@x.nl": user("b@x.nl", enabled=False)}, "2": []}
    route = respx.get(f"{OCS}/users/details").mock(
        side_effect=lambda r: httpx.Response(200, json=ocs_body({"users": pages[r.url.params["offset"]]}))
    )
    assert await fetch(page_size=2) == [("a@x.nl", True), ("b@x.nl", False)]
    assert [dict(c.request.url.params) for c in route.calls] == [
        {"format": "json", "search": "", "limit": "2", "offset": "0"},
        {"format": "json", "search": "", "limit": "2", "offset": "2"},
    ]
    assert route.calls[0].request.headers["OCS-APIRequest"] == "true"


@respx.mock
async def test_a_first_page_as_a_list_and_an_entry_with_only_its_id_is_left_out() -> None:
    users = [user("0"), {"id": "1"}]  # uids 0..n-1: PHP encodes the map as a list; "1": no details
    respx.get(f"{OCS}/users/details").mock(return_value=httpx.Response(200, json=ocs_body({"users": users})))
    assert await fetch(page_size=5) == [("0", True)]


@respx.mock
async def test_a_non_admin_gets_no_accounts_from_an_empty_list() -> None:
    route = respx.get(f"{OCS}/users/details").mock(
        return_value=httpx.Response(200, json=ocs_body({"users": []}))
    )
    assert await fetch() == [] and route.call_count == 1


def old_nextcloud(details: httpx.Response) -> tuple[respx.Route, respx.Route]:
    """No details route; `cloud/users` lists three uids, c@x.nl is gone before its lookup (404)."""
    respx.get(f"{OCS}/users/details").mock(return_value=details)
    listing = respx.get(f"{OCS}/users").mock(
        return_value=httpx.Response(200, json=ocs_body({"users": ["a@x.nl", "b@x.nl", "c@x.nl"]}))
    )
    respx.get(f"{OCS}/users/c%40x.nl").mock(return_value=httpx.Response(404, json=ocs_body([], 998)))
    one = respx.get(url__regex=rf"{OCS}/users/[ab]%40x\.nl\?").mock(
        side_effect=lambda r: httpx.Response(200, json=ocs_body(user(r.url.path.rsplit("/", 1)[1])))
    )
    return listing, one


@pytest.mark.parametrize(
    "details",
    [
        httpx.Response(404, json=ocs_body([], 998)),  # Nextcloud < 14: getUser("details"), no such user
        httpx.Response(405, text="Method not allowed"),
        httpx.Response(200, json={"message": "not OCS"}),  # a proxy's own answer
        httpx.Response(200, json=ocs_body(user("details"))),  # an account named "details"
    ],
    ids=["404", "405", "no-envelope", "uid-details"],
)
@respx.mock
async def test_without_the_details_route_each_account_is_asked_for(details: httpx.Response) -> None:
    listing, one = old_nextcloud(details)
    assert await fetch() == [("a@x.nl", True), ("b@x.nl", True)]  # c@x.nl: gone meanwhile
    assert listing.call_count == 1 and one.call_count == 2


@respx.mock
async def test_the_fall_back_is_remembered_by_the_client() -> None:
    listing, _ = old_nextcloud(httpx.Response(404, json=ocs_body([], 998)))
    async with client() as accounts:
        for _ in range(2):
            assert len([a async for a in accounts.fetch_accounts()]) == 2
        details = respx.routes[0]
    assert details.call_count == 1 and listing.call_count == 2


@respx.mock
async def test_a_failure_after_the_first_page_is_an_error_not_a_fall_back() -> None:
    respx.get(f"{OCS}/users/details", params={"offset": "0"}).mock(
        return_value=httpx.Response(200, json=ocs_body({"users": {"a@x.nl": user("a@x.nl")}}))
    )
    respx.get(f"{OCS}/users/details", params={"offset": "1"}).mock(
        return_value=httpx.Response(404, json=ocs_body([], 998))
    )
    with pytest.raises(NotFound):
        await fetch(page_size=1)


@respx.mock
async def test_a_users_value_that_is_neither_map_nor_list_is_unexpected() -> None:
    respx.get(f"{OCS}/users/details").mock(return_value=httpx.Response(200, json=ocs_body({"users": "x"})))
    with pytest.raises(UnexpectedPayload):
        await fetch()
