"""The sandbox's `cloud/users/details` (Nextcloud 14+ `getUsersDetails`), on the app directly (no sockets):
pages by limit/offset in uid order, an empty page as PHP's `[]`, nothing for a non-admin. Expected uids are
literal; expected details are what the sandbox serves for `cloud/users/{uid}`."""

from __future__ import annotations

import json
from base64 import b64encode
from typing import Any

from sandbox.catalogue import CatalogueState, build_accounts, create_app
from sandbox.server import App, Request

ADMIN = ("beheer", "sandbox-app-password")
UIDS = [  # every account the sandbox makes of the catalogue below, sorted
    "beheer",
    "functioneel.beheer@vngrealisatie.nl",
    "persoon0@gemeente-a.nl",
    "persoon1@gemeente-b.nl",
    "redactie@vngrealisatie.nl",
    "servicedesk@vngrealisatie.nl",
    "test.leverancier@voorbeeld.nl",
]


def catalogue() -> CatalogueState:
    org = {"id": "aaaaaaaa-0000-4000-8000-000000000001", "naam": "Gemeente A", "type": "Gemeente"}
    contacts = [
        {"id": f"dddddddd-0000-4000-8000-00000000000{i}", "achternaam": f"Persoon {i}",
         "e-mailadres": f"persoon{i}@gemeente-{x}.nl", "organisatie": org["id"]}
        for i, x in enumerate("ab")
    ]  # fmt: skip
    return CatalogueState({"organisatie": [org], "contactpersoon": contacts})


def ocs(app: App, path: str, login: tuple[str, str], **params: str) -> tuple[int, Any]:
    query = [("format", "json"), *params.items()]
    headers = {
        "ocs-apirequest": "true",
        "authorization": "Basic " + b64encode(":".join(login).encode()).decode(),
    }
    raw = "&".join(f"{k}={v}" for k, v in query)
    response = app(Request("GET", f"/ocs/v2.php/cloud/{path}", query=query, headers=headers, raw_query=raw))
    return response.status, json.loads(response.body)


def users(app: App, login: tuple[str, str] = ADMIN, **params: str) -> Any:
    status, body = ocs(app, "users/details", login, **params)
    assert status == 200 and body["ocs"]["meta"]["statuscode"] == 200
    return body["ocs"]["data"]["users"]


def test_details_page_by_limit_and_offset_in_uid_order_with_each_account_as_its_own_lookup() -> None:
    app = create_app(catalogue())
    pages = [users(app, limit="3", offset=str(offset)) for offset in (0, 3, 6)]
    assert [list(page) for page in pages] == [UIDS[0:3], UIDS[3:6], UIDS[6:7]]
    for page in pages:
        for uid, details in page.items():
            assert details == ocs(app, f"users/{uid}", ADMIN)[1]["ocs"]["data"]
    assert pages[2]["test.leverancier@voorbeeld.nl"]["enabled"] is False
    assert pages[1]["servicedesk@vngrealisatie.nl"]["lastLogin"] == 0  # never logged in


def test_without_a_limit_every_account_comes_and_a_search_narrows_them() -> None:
    app = create_app(catalogue())
    assert list(users(app)) == UIDS
    assert list(users(app, search="gemeente", limit="10")) == UIDS[2:4]


def test_past_the_end_the_page_is_php_s_empty_array() -> None:
    app = create_app(catalogue())
    assert users(app, limit="7", offset="7") == []
    assert users(app, limit="3", offset="100") == []


def test_a_non_admin_gets_an_empty_list_not_an_error() -> None:
    state = catalogue()
    book = build_accounts(state)
    org = book.logins["organisation"]
    assert users(create_app(state, accounts=book), (org.uid, org.password), limit="3") == []


def test_uids_0_to_n_minus_1_come_as_a_json_list_as_php_encodes_them() -> None:
    state = catalogue()
    app = create_app(state, accounts=build_accounts(state, admins={"0": "pw", "1": "pw"}))
    first = users(app, limit="2")
    assert isinstance(first, list) and [d["id"] for d in first] == ["0", "1"]
    assert list(users(app, limit="2", offset="1")) == ["1", "beheer"]  # not 0..n-1: an object


def test_the_route_follows_the_ocs_switch_and_wins_over_a_uid_details() -> None:
    state = catalogue()
    off = create_app(state, ocs=False)
    status, body = ocs(off, "users/details", ADMIN, limit="3")
    assert (status, body["ocs"]["meta"]["statuscode"]) == (404, 998)
    app = create_app(state, accounts=build_accounts(state, admins={"details": "pw"}))
    assert "details" in users(app)
