"""The sandbox reproduces what OpenRegister's and Nextcloud's source do (catalogue-api.md §8), one test per
behaviour, on the app directly (no sockets): expected values are literal or counted from the data."""

from __future__ import annotations

import gzip
import json
from base64 import b64encode
from typing import Any

import pytest

from sandbox.catalogue import CatalogueState, build_accounts, create_app
from sandbox.faults import FaultSpecError, parse_faults
from sandbox.server import App, Request, Response

API = "/index.php/apps/openregister/api/objects/voorzieningen"
ORG_A, ORG_B = "aaaaaaaa-0000-4000-8000-000000000001", "bbbbbbbb-0000-4000-8000-000000000002"
SUPPLIER = "cccccccc-0000-4000-8000-000000000003"


def catalogue() -> CatalogueState:
    """Two gemeenten (one Concept), a supplier, a contact and three gebruik per gemeente."""
    orgs = [
        {"id": ORG_A, "naam": "Gemeente A", "type": "Gemeente", "status": "Actief", "website": ""},
        {"id": ORG_B, "naam": "Gemeente B", "type": "Gemeente", "status": "Concept"},
        {"id": SUPPLIER, "naam": "Leverancier", "type": "Leverancier", "status": "Actief"},
    ]
    contacts = [
        {"id": f"dddddddd-0000-4000-8000-00000000000{i}", "achternaam": f"Persoon {i}",
         "e-mailadres": f"persoon{i}@gemeente-{x}.nl", "username": f"persoon{i}@gemeente-{x}.nl",
         "organisatie": org, "rollen": ["Organisatie-beheerder"]}
        for i, (x, org) in enumerate((("a", ORG_A), ("b", ORG_B)))
    ]  # fmt: skip
    usage = [
        {"id": f"eeeeeeee-0000-4000-8000-0000000000{i:02d}", "afnemer": org, "module": SUPPLIER}
        for i, org in enumerate([ORG_A] * 4 + [ORG_B] * 3)
    ]
    return CatalogueState({"organisatie": orgs, "contactpersoon": contacts, "gebruik": usage})


def basic(user: str, password: str) -> dict[str, str]:
    return {"authorization": "Basic " + b64encode(f"{user}:{password}".encode()).decode()}


def get(app: App, path: str, query: list[tuple[str, str]] | None = None, **headers: str) -> Response:
    query = query or []
    raw = "&".join(f"{k}={v}" for k, v in query)
    return app(Request("GET", path, query=query, headers=dict(headers), raw_query=raw))


def body(response: Response) -> Any:
    data = response.body
    if response.header("Content-Encoding") == "gzip":
        data = gzip.decompress(data)
    return json.loads(data)


ADMIN = basic("beheer", "sandbox-app-password")


# -- the listing envelope ------------------------------------------------------------------------------------


def test_v1_envelope_has_no_offset_and_no_links_v02_has_both() -> None:
    state = catalogue()
    modern = body(get(create_app(state, next_links=False), f"{API}/gebruik", [("_limit", "2")], **ADMIN))
    assert set(modern) == {"results", "total", "page", "pages", "limit", "facets", "@self"}
    legacy = body(get(create_app(state), f"{API}/gebruik", [("_limit", "2")], **ADMIN))
    assert legacy["offset"] == 0 and legacy["next"].endswith("?_limit=2&page=2")


def test_v02_next_is_the_unchanged_url_when_it_holds_page() -> None:
    query = [("_limit", "2"), ("_page", "2")]
    legacy = body(get(create_app(catalogue()), f"{API}/gebruik", query, **ADMIN))
    assert legacy["next"] == legacy["prev"] == f"{API}/gebruik?_limit=2&_page=2"


def test_v1_strips_empty_values_inside_self_unless_empty_is_asked() -> None:
    app = create_app(catalogue(), next_links=False, strip_empty=True)
    row = body(get(app, f"{API}/organisatie/{ORG_A}", **ADMIN))
    assert "website" not in row and "slug" not in row["@self"] and "files" not in row["@self"]
    assert row["@self"]["name"] == "Gemeente A"
    kept = body(get(app, f"{API}/organisatie", [("_empty", "true")], **ADMIN))["results"]
    mine = next(r for r in kept if r["id"] == ORG_A)
    assert mine["website"] == "" and mine["@self"]["slug"] is None and mine["@self"]["files"] == []


def test_unknown_schema_is_404_with_the_quoted_message() -> None:
    response = get(create_app(catalogue()), f"{API}/bestaatniet", **ADMIN)
    assert response.status == 404 and body(response) == {"message": "Schema not found: 'bestaatniet'"}


# -- who sees what -------------------------------------------------------------------------------------------


def test_an_empty_password_is_anonymous_public_rows_on_v1_and_401_on_v02() -> None:
    state = catalogue()
    empty = basic("beheer", "")
    modern = get(create_app(state, next_links=False), f"{API}/organisatie", **empty)
    assert modern.status == 200
    assert {r["id"] for r in body(modern)["results"]} == {ORG_A, SUPPLIER}  # the Concept one is not public
    assert body(modern)["total"] == 2
    assert body(get(create_app(state, next_links=False), f"{API}/gebruik", **empty))["total"] == 0
    legacy = get(create_app(state), f"{API}/organisatie", **empty)
    assert legacy.status == 401 and body(legacy) == {"message": "Current user is not logged in"}
    assert get(create_app(state), f"{API}/organisatie", **basic("beheer", "wrong")).status == 401


def test_a_non_admin_sees_its_organisations_rows_and_total_counts_the_same() -> None:
    state = catalogue()
    book = build_accounts(state)
    login = book.logins["organisation"]
    assert login.uid == "persoon0@gemeente-a.nl"  # gemeente A has the most gebruik (4 against 3)
    app = create_app(state, accounts=book, next_links=False)
    usage = body(get(app, f"{API}/gebruik", **basic(login.uid, login.password)))
    assert usage["total"] == len(usage["results"]) == 4 and usage["pages"] == 1
    assert {r["afnemer"] for r in usage["results"]} == {ORG_A}
    orgs = body(get(app, f"{API}/organisatie", **basic(login.uid, login.password)))["results"]
    assert {r["id"] for r in orgs} == {ORG_A, SUPPLIER}  # own + public; not Concept gemeente B
    fb = book.logins["functioneel_beheerder"]
    assert body(get(app, f"{API}/gebruik", **basic(fb.uid, fb.password)))["total"] == 7
    hidden = get(
        app, f"{API}/gebruik/eeeeeeee-0000-4000-8000-000000000006", **basic(login.uid, login.password)
    )
    assert hidden.status == 403


# -- miscounts -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "total", "pages"),
    [("total0=1", 0, 0), ("pages0=1", 7, 0), ("short_total=1", 2, 1)],
)
def test_miscount_faults_rewrite_the_counts_of_pages_with_rows(spec: str, total: int, pages: int) -> None:
    plan = parse_faults(spec)
    app = create_app(catalogue(), faults=plan, next_links=False)
    page = body(get(app, f"{API}/gebruik", [("_limit", "5")], **ADMIN))
    assert len(page["results"]) == 5 and (page["total"], page["pages"]) == (total, pages)
    empty = body(get(app, f"{API}/gebruik", [("_limit", "5"), ("_page", "9")], **ADMIN))
    assert (empty["total"], empty["results"]) == (7, [])  # no rows: left alone
    assert sum(plan.miscounted.values()) == 1 and plan.fault_count == 0


def test_miscount_rates_are_checked() -> None:
    with pytest.raises(FaultSpecError, match="add up to more than 1"):
        parse_faults("total0=0.6,short_total=0.6")


# -- OCS provisioning API ------------------------------------------------------------------------------------

OCS = {"ocs-apirequest": "true"}


def ocs(app: App, path: str, login: dict[str, str], fmt: str = "json", **headers: str) -> Response:
    query = [("format", fmt)] if fmt else []
    return get(app, f"/ocs/v2.php/cloud/{path}", query, **{**login, **headers})


def test_ocs_groups_for_self_and_admin_998_for_another_account() -> None:
    state = catalogue()
    book = build_accounts(state)
    app = create_app(state, accounts=book)
    org = book.logins["organisation"]
    me = basic(org.uid, org.password)
    mine = ocs(app, f"users/{org.uid}/groups", me, **OCS)
    assert mine.status == 200 and body(mine)["ocs"]["data"] == {"groups": ["organisatie-beheerders"]}
    other = ocs(app, "users/beheer/groups", me, **OCS)
    assert other.status == 404 and body(other)["ocs"]["meta"]["statuscode"] == 998
    admin = body(ocs(app, "users/beheer/groups", ADMIN, **OCS))["ocs"]["data"]["groups"]
    assert admin == ["admin"]
    fb = book.logins["functioneel_beheerder"]
    groups = body(ocs(app, f"users/{fb.uid}/groups", basic(fb.uid, fb.password), **OCS))["ocs"]["data"]
    assert "admin" in groups["groups"]


def test_ocs_user_list_is_empty_for_a_non_admin_and_full_for_an_admin() -> None:
    state = catalogue()
    book = build_accounts(state)
    app = create_app(state, accounts=book)
    org = book.logins["organisation"]
    listed = body(ocs(app, "users", basic(org.uid, org.password), **OCS))
    assert listed["ocs"]["data"] == {"users": []} and listed["ocs"]["meta"]["statuscode"] == 200
    everyone = body(ocs(app, "users", ADMIN, **OCS))["ocs"]["data"]["users"]
    assert {"beheer", "persoon0@gemeente-a.nl", "persoon1@gemeente-b.nl"} <= set(everyone)
    assert "redactie@vngrealisatie.nl" in everyone  # an account without a contactpersoon


def test_ocs_user_details_enabled_and_last_login() -> None:
    state = catalogue()
    book = build_accounts(state)
    app = create_app(state, accounts=book)
    details = body(ocs(app, "users/servicedesk@vngrealisatie.nl", ADMIN, **OCS))["ocs"]["data"]
    assert details["id"] == "servicedesk@vngrealisatie.nl" and details["lastLogin"] == 0  # never logged in
    assert details["enabled"] is True
    disabled = body(ocs(app, "users/test.leverancier@voorbeeld.nl", ADMIN, **OCS))["ocs"]["data"]
    assert disabled["enabled"] is False
    org = book.logins["organisation"]
    own = body(ocs(app, f"users/{org.uid}", basic(org.uid, org.password), **OCS))["ocs"]["data"]
    assert own["id"] == org.uid and "enabled" not in own  # a self lookup does not show `enabled`


def test_ocs_needs_the_api_header_and_a_login_and_speaks_xml_by_default() -> None:
    app = create_app(catalogue())
    assert ocs(app, "users/beheer/groups", ADMIN).status == 412  # CSRF check without OCS-APIRequest
    anonymous = ocs(app, "users/beheer/groups", {}, **OCS)
    assert anonymous.status == 401 and body(anonymous)["ocs"]["meta"]["statuscode"] == 997
    xml = ocs(app, "users/beheer/groups", ADMIN, fmt="", **OCS)
    assert xml.body.startswith(b'<?xml version="1.0"?>') and b"<element>admin</element>" in xml.body
    off = create_app(catalogue(), ocs=False)
    assert ocs(off, "users/beheer/groups", ADMIN, **OCS).status == 404
