"""The sandbox catalogue over real HTTP: envelope, paging, ordering, filters, auth, errors, faults."""

from __future__ import annotations

import gzip
import json
import math
import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from sandbox.catalogue import CatalogueState, create_app
from sandbox.datagen import Dataset
from sandbox.faults import FaultPlan
from sandbox.server import Request, Response, serve_in_thread
from tests.integration.conftest import CatalogueServer

pytestmark = pytest.mark.integration

MakeServer = Callable[..., CatalogueServer]
BY_UPDATED = {"_order[@self.updated]": "asc", "_order[@self.uuid]": "asc"}


def _get(server: CatalogueServer, schema: str, **params: Any) -> dict[str, Any]:
    response = server.client().get(server.objects_url(schema), params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _ids(body: dict[str, Any]) -> list[str]:
    return [item["id"] for item in body["results"]]


def _all(server: CatalogueServer, schema: str, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    page = 1
    while True:
        body = _get(server, schema, _page=page, **params)
        items += body["results"]
        if page >= body["pages"]:
            return items
        page += 1


def _live(server: CatalogueServer, schema: str) -> list[dict[str, Any]]:
    return server.state.snapshot()[schema]


# -- envelope, paging, ordering ---------------------------------------------------------------------


def test_envelope_has_paging_fields_and_v027_links(catalogue_server: CatalogueServer) -> None:
    body = _get(catalogue_server, "organisatie", _page=2, **BY_UPDATED)
    total = len(_live(catalogue_server, "organisatie"))
    assert (body["total"], body["page"], body["limit"], body["offset"]) == (total, 2, 20, 20)
    assert body["pages"] == math.ceil(total / 20)
    assert len(body["results"]) == 20
    # v0.2.x: the `page=N` regex misses `_page=2`, the substring test for `page=` hits: both links are
    # the request's own URL, unchanged (catalogue-api.md §8)
    assert body["next"] == body["prev"] and "_page=2" in body["next"] and "page=3" not in body["next"]
    first = body["results"][0]
    meta = first["@self"]
    assert meta["id"] == first["id"] and meta["register"] == "3" and meta["schema"] == "15"
    assert meta["updated"].endswith("+00:00") and meta["created"].endswith("+00:00")
    assert "published" in meta and meta["deleted"] is None


def test_following_next_link_hits_the_page_bug(catalogue_server: CatalogueServer) -> None:
    body = _get(catalogue_server, "organisatie", _limit=5)
    followed = catalogue_server.client().get(catalogue_server.url + body["next"]).json()
    assert followed["total"] == 0 and followed["results"] == []


@pytest.mark.parametrize("catalogue_server", [{"next_links": False}], indirect=True)
def test_2026_envelope_has_no_links_but_response_self(catalogue_server: CatalogueServer) -> None:
    body = _get(catalogue_server, "gebruik", _limit=5, **BY_UPDATED)
    assert "next" not in body and "prev" not in body
    assert body["@self"]["source"] == "database" and body["pages"] >= 1
    assert "published" not in body["results"][0]["@self"]


def test_pages_is_at_least_one_for_an_empty_result(catalogue_server: CatalogueServer) -> None:
    body = _get(catalogue_server, "organisatie", naam="no such organisation")
    assert (body["total"], body["pages"], body["results"]) == (0, 1, [])


def test_paging_with_tie_breaker_returns_every_object_once(catalogue_server: CatalogueServer) -> None:
    items = _all(catalogue_server, "contactpersoon", _limit=50, **BY_UPDATED)
    ids = [item["id"] for item in items]
    assert len(ids) == len(set(ids)) == len(_live(catalogue_server, "contactpersoon"))
    keys = [(item["@self"]["updated"], item["id"]) for item in items]
    assert keys == sorted(keys)


def test_offset_and_page_address_the_same_rows(catalogue_server: CatalogueServer) -> None:
    by_page = _get(catalogue_server, "module", _limit=7, _page=3, **BY_UPDATED)
    by_offset = _get(catalogue_server, "module", _limit=7, _offset=14, **BY_UPDATED)
    assert _ids(by_page) == _ids(by_offset) and by_offset["page"] == 3


def test_without_order_pages_are_shuffled_per_request(catalogue_server: CatalogueServer) -> None:
    first = _get(catalogue_server, "gebruik", _limit=100)
    again = _get(catalogue_server, "gebruik", _limit=100)
    assert _ids(first) != _ids(again)
    seen = [
        i for page in range(1, 6) for i in _ids(_get(catalogue_server, "gebruik", _limit=100, _page=page))
    ]
    assert len(set(seen)) < len(seen)  # a client that forgets _order sees duplicates (and misses rows)


def test_ties_without_unique_last_key_come_in_random_order(catalogue_server: CatalogueServer) -> None:
    stamps = Counter(u["@self"]["created"][:19] for u in _live(catalogue_server, "gebruik"))
    stamp, count = stamps.most_common(1)[0]
    assert count > 50  # a migration batch shares one timestamp
    params = {"_order[@self.created]": "asc", "created[gte]": stamp, "_limit": 50}
    runs = {tuple(_ids(_get(catalogue_server, "gebruik", **params))) for _ in range(3)}
    assert len(runs) > 1


def test_order_by_property_desc_then_json_form(catalogue_server: CatalogueServer) -> None:
    names = [o["naam"] for o in _get(catalogue_server, "organisatie", **{"_order[naam]": "desc"})["results"]]
    assert names == sorted(names, key=str.casefold, reverse=True)
    body = _get(catalogue_server, "organisatie", _order=json.dumps({"naam": "desc"}))
    assert [o["naam"] for o in body["results"]] == names


def test_order_by_self_name_for_gebruik_is_the_afnemer(catalogue_server: CatalogueServer) -> None:
    body = _get(catalogue_server, "gebruik", **{"_order[@self.name]": "asc", "_order[@self.uuid]": "asc"})
    names = [item["@self"]["name"] for item in body["results"]]
    assert names == sorted(names)
    assert names == [item["afnemer"] for item in body["results"]]


# -- filters ------------------------------------------------------------------------------------------


def _types(org: dict[str, Any]) -> list[str]:
    value = org.get("type")
    return [v.casefold() for v in (value if isinstance(value, list) else [value])]


def test_property_equality_is_case_insensitive_and_matches_lists(catalogue_server: CatalogueServer) -> None:
    got = {o["id"] for o in _all(catalogue_server, "organisatie", type="leverancier", _limit=500)}
    want = {o["id"] for o in _live(catalogue_server, "organisatie") if "leverancier" in _types(o)}
    assert got == want and any(
        isinstance(o.get("type"), list) for o in _live(catalogue_server, "organisatie")
    )


def test_case_sensitive_equality(catalogue_server: CatalogueServer) -> None:
    org = next(o for o in _live(catalogue_server, "organisatie") if o["naam"] == "Groningen")
    assert _ids(_get(catalogue_server, "organisatie", **{"naam[===]": "Groningen"})) == [org["id"]]
    assert _get(catalogue_server, "organisatie", **{"naam[===]": "groningen"})["total"] == 0
    assert _ids(_get(catalogue_server, "organisatie", naam="GRONINGEN")) == [org["id"]]


def test_relation_filter_on_gebruik(catalogue_server: CatalogueServer) -> None:
    usage = _live(catalogue_server, "gebruik")[0]
    got = {u["id"] for u in _all(catalogue_server, "gebruik", afnemer=usage["afnemer"], _limit=500)}
    assert got == {u["id"] for u in _live(catalogue_server, "gebruik") if u["afnemer"] == usage["afnemer"]}


@pytest.mark.parametrize(
    ("params", "predicate"),
    [
        ({"cbsCode[gt]": "1900"}, lambda o: isinstance(o.get("cbsCode"), int) and o["cbsCode"] > 1900),
        ({"cbsCode[lte]": "14"}, lambda o: isinstance(o.get("cbsCode"), int) and o["cbsCode"] <= 14),
        ({"naam[~]": "berg"}, lambda o: "berg" in o["naam"].casefold()),
        ({"naam[^]": "gemeente "}, lambda o: o["naam"].casefold().startswith("gemeente ")),
        ({"naam[$]": "dam"}, lambda o: o["naam"].casefold().endswith("dam")),
        ({"cbsCode[exists]": "true"}, lambda o: o.get("cbsCode") is not None),
        ({"cbsCode[exists]": "false"}, lambda o: o.get("cbsCode") is None),
        ({"deelnemers[empty]": "false"}, lambda o: bool(o.get("deelnemers"))),
        ({"kvkNummer[null]": "true"}, lambda o: o.get("kvkNummer") is None),
        ({"status[ne]": "Actief"}, lambda o: str(o.get("status")).casefold() != "actief"),
        ({"naam[or]": "Groningen,Utrecht"}, lambda o: o["naam"].casefold() in ("groningen", "utrecht")),
    ],
)
def test_operators(catalogue_server: CatalogueServer, params: dict[str, str], predicate: Any) -> None:
    got = {o["id"] for o in _all(catalogue_server, "organisatie", _limit=500, **params)}
    want = {o["id"] for o in _live(catalogue_server, "organisatie") if predicate(o)}
    assert got == want and want


@pytest.mark.parametrize("spelling", ["@self[updated][gte]", "@self.updated[gte]", "updated[gte]"])
def test_updated_gte_range_in_three_spellings(catalogue_server: CatalogueServer, spelling: str) -> None:
    cutoff = "2026-06-01T00:00:00"
    got = {o["id"] for o in _all(catalogue_server, "module", _limit=500, **{spelling: cutoff})}
    want = {o["id"] for o in _live(catalogue_server, "module") if o["@self"]["updated"] >= cutoff}
    assert got == want and want


@pytest.mark.parametrize("catalogue_server", [{"updated_filter": "exact"}], indirect=True)
def test_updated_gte_is_an_exact_match_on_the_magic_mapper(catalogue_server: CatalogueServer) -> None:
    assert _get(catalogue_server, "module", **{"@self[updated][gte]": "2026-06-01T00:00:00"})["total"] == 0
    one = _live(catalogue_server, "module")[0]
    stamp = one["@self"]["updated"][:19]
    got = {o["id"] for o in _all(catalogue_server, "module", **{"@self[updated][gte]": stamp})}
    assert one["id"] in got
    assert all(o["@self"]["updated"][:19] == stamp for o in _all(catalogue_server, "module", updated=stamp))


@pytest.mark.parametrize(
    "catalogue_server", [{"updated_filter": "exact", "next_links": False}], indirect=True
)
def test_unknown_filter_on_magic_mapper_gives_zero_and_a_hint(catalogue_server: CatalogueServer) -> None:
    body = _get(catalogue_server, "organisatie", page="2")
    assert body["total"] == 0 and body["@self"]["ignoredFilters"] == ["page"]
    assert "_page" in body["@self"]["hint"]


def test_unknown_filter_on_v027_is_applied_and_matches_nothing(catalogue_server: CatalogueServer) -> None:
    body = _get(catalogue_server, "organisatie", bestaatNiet="x")
    assert body["total"] == 0 and "@self" not in body


def test_search_fields_unset(catalogue_server: CatalogueServer) -> None:
    body = _get(catalogue_server, "organisatie", _search="groningen", _fields="naam,type")
    assert body["total"] >= 1
    assert all(set(o) == {"id", "naam", "type", "@self"} for o in body["results"])
    assert all("groningen" in json.dumps(o, ensure_ascii=False).casefold() for o in body["results"])
    body = _get(catalogue_server, "organisatie", _unset="website,e-mailadres", _limit=3)
    assert all("website" not in o and "e-mailadres" not in o for o in body["results"])


def test_extend_inlines_related_objects(catalogue_server: CatalogueServer) -> None:
    body = _get(catalogue_server, "module", _extend="aanbieder", _limit=5, **BY_UPDATED)
    with_supplier = [m for m in body["results"] if "aanbieder" in m]
    assert with_supplier and all(isinstance(m["aanbieder"], dict) for m in with_supplier)
    assert all(m["aanbieder"]["@self"]["schema"] == "15" for m in with_supplier)


@pytest.mark.parametrize("catalogue_server", [{"strip_empty": True}], indirect=True)
def test_strip_empty_and_the_empty_flag(catalogue_server: CatalogueServer) -> None:
    catalogue_server.state.add("organisatie", {"naam": "Leeg", "type": "Community", "beschrijvingKort": ""})
    stripped = _get(catalogue_server, "organisatie", naam="Leeg")["results"][0]
    kept = _get(catalogue_server, "organisatie", naam="Leeg", _empty="true")["results"][0]
    assert "beschrijvingKort" not in stripped and kept["beschrijvingKort"] == ""


# -- routing, auth, errors ----------------------------------------------------------------------------


def test_numeric_ids_and_pretty_urls(catalogue_server: CatalogueServer) -> None:
    client = catalogue_server.client()
    by_slug = client.get(catalogue_server.objects_url("organisatie"), params=BY_UPDATED).json()
    by_id = client.get(f"{catalogue_server.url}/apps/openregister/api/objects/3/15", params=BY_UPDATED).json()
    assert _ids(by_slug) == _ids(by_id)
    one = by_slug["results"][0]
    assert client.get(catalogue_server.objects_url("organisatie", one["id"])).json()["id"] == one["id"]


def test_wrong_or_missing_credentials_give_401(catalogue_server: CatalogueServer) -> None:
    url = catalogue_server.objects_url("organisatie")
    for auth in (None, ("beheer", "wrong")):
        response = httpx.get(url, auth=auth)
        assert response.status_code == 401
        assert response.json() == {"message": "Current user is not logged in"}


@pytest.mark.parametrize("catalogue_server", [{"anonymous": True}], indirect=True)
def test_anonymous_callers_see_only_public_rows(catalogue_server: CatalogueServer) -> None:
    anon = httpx.Client(timeout=10)
    orgs = anon.get(catalogue_server.objects_url("organisatie"), params={"_limit": 1000}).json()["results"]
    assert orgs and all(str(o["status"]).casefold() == "actief" for o in orgs)
    modules = anon.get(catalogue_server.objects_url("module"), params={"_limit": 5000}).json()["results"]
    assert modules and all(m["geregistreerdDoor"] == "Leverancier" for m in modules)
    usage = anon.get(catalogue_server.objects_url("gebruik"))
    assert usage.status_code == 200 and usage.json()["results"] == []
    assert anon.get(catalogue_server.objects_url("contactpersoon")).json()["total"] == 0
    one = _live(catalogue_server, "gebruik")[0]["id"]
    assert anon.get(catalogue_server.objects_url("gebruik", one)).status_code == 403
    anon.close()


def test_404_bodies(make_catalogue_server: MakeServer) -> None:
    legacy, modern = make_catalogue_server(), make_catalogue_server(next_links=False)
    client = legacy.client()
    unknown_schema = client.get(f"{legacy.api}/objects/voorzieningen/bestaatniet")
    assert unknown_schema.status_code == 404 and "message" in unknown_schema.json()
    assert client.get(f"{legacy.api}/objects/onbekend/organisatie").json().keys() == {"message"}
    missing = "00000000-0000-4000-8000-000000000000"
    assert client.get(legacy.objects_url("organisatie", missing)).json() == {"error": "Not Found"}
    body = modern.client().get(modern.objects_url("organisatie", missing)).json()
    assert body == {"error": f"Object with id {missing} not found"}


def test_mutations_soft_delete_and_clock(catalogue_server: CatalogueServer) -> None:
    state = catalogue_server.state
    org = _live(catalogue_server, "organisatie")[0]
    updated = state.update("organisatie", org["id"], {"e-mailadres": "nieuw@example.nl"})
    assert updated["@self"]["updated"] > max(o["@self"]["updated"] for o in _live(catalogue_server, "module"))
    assert updated["@self"]["created"] == org["@self"]["created"]
    assert updated["@self"]["version"] != org["@self"]["version"]
    again = state.update("organisatie", org["id"], naam="Hernoemd")
    assert again["@self"]["updated"] > updated["@self"]["updated"]
    state.delete("organisatie", org["id"])
    client = catalogue_server.client()
    assert client.get(catalogue_server.objects_url("organisatie", org["id"])).status_code == 404
    ids = {o["id"] for o in _all(catalogue_server, "organisatie", _limit=1000)}
    assert org["id"] not in ids
    added = state.add("organisatie", {"naam": "Nieuw", "type": "Leverancier", "status": "Concept"})
    assert client.get(catalogue_server.objects_url("organisatie", added["id"])).json()["naam"] == "Nieuw"


def test_gzip_only_when_asked_and_more_than_ten_results(catalogue_server: CatalogueServer) -> None:
    url = catalogue_server.objects_url("organisatie")
    auth = (catalogue_server.user, catalogue_server.password)
    with httpx.Client(auth=auth, headers={"Accept-Encoding": "gzip"}) as client:
        big = client.get(url, params={"_limit": 11})
        small = client.get(url, params={"_limit": 10})
    assert big.headers.get("content-encoding") == "gzip" and len(big.json()["results"]) == 11
    assert "content-encoding" not in small.headers
    with httpx.Client(auth=auth, headers={"Accept-Encoding": "identity"}) as client:
        assert "content-encoding" not in client.get(url, params={"_limit": 50}).headers


def test_request_counters(catalogue_server: CatalogueServer) -> None:
    state = catalogue_server.state
    state.reset_counters()
    client = catalogue_server.client()
    for _ in range(3):
        client.get(catalogue_server.objects_url("module"), params={"_limit": 1})
    client.get(catalogue_server.objects_url("gebruik"), params={"_limit": 1})
    assert state.request_count == 4
    assert state.requests_to("/index.php/apps/openregister/api/objects/voorzieningen/module") == 3


def test_sixteen_keep_alive_clients_in_parallel(catalogue_server: CatalogueServer) -> None:
    catalogue_server.state.reset_counters()
    errors: list[str] = []

    def worker(n: int) -> None:
        with httpx.Client(auth=(catalogue_server.user, catalogue_server.password), timeout=20) as client:
            for page in range(1, 11):
                response = client.get(
                    catalogue_server.objects_url("gebruik"),
                    params={"_limit": 50, "_page": page, **BY_UPDATED},
                )
                if response.status_code != 200 or len(response.json()["results"]) != 50:
                    errors.append(f"{n}:{page}:{response.status_code}")

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and catalogue_server.state.request_count == 160


# -- faults -------------------------------------------------------------------------------------------


def test_5xx_faults(make_catalogue_server: MakeServer) -> None:
    server = make_catalogue_server(faults=FaultPlan(seed=3, error_rate=1.0, max_faults=5))
    client = server.client()
    statuses = [client.get(server.objects_url("organisatie")).status_code for _ in range(7)]
    assert all(s in (500, 502, 503) for s in statuses[:5]) and statuses[5:] == [200, 200]


def test_429_fault_has_retry_after_and_quota_body(make_catalogue_server: MakeServer) -> None:
    server = make_catalogue_server(faults=FaultPlan(seed=1, rate_limit_rate=1.0, retry_after=3))
    response = server.client().get(server.objects_url("organisatie"))
    assert response.status_code == 429 and response.headers["retry-after"] == "3"
    assert set(response.json()) == {"error", "quota", "resetAt"}


def test_timeout_fault_outlasts_the_client_timeout(make_catalogue_server: MakeServer) -> None:
    server = make_catalogue_server(
        faults=FaultPlan(seed=1, timeout_rate=1.0, timeout_sleep=0.5, max_faults=1)
    )
    with pytest.raises(httpx.ReadTimeout):
        server.client(timeout=0.1).get(server.objects_url("organisatie"))
    assert server.client().get(server.objects_url("organisatie")).status_code == 200


def test_truncated_bodies_break_the_transfer(make_catalogue_server: MakeServer) -> None:
    server = make_catalogue_server(faults=FaultPlan(seed=2, truncate_rate=1.0))
    failures = 0
    for _ in range(6):
        try:
            server.client(headers={"Accept-Encoding": "identity"}).get(
                server.objects_url("organisatie")
            ).json()
        except (httpx.TransportError, json.JSONDecodeError, httpx.DecodingError):
            failures += 1
    assert failures == 6


def test_reset_closes_without_an_answer(make_catalogue_server: MakeServer) -> None:
    server = make_catalogue_server(faults=FaultPlan(seed=1, reset_rate=1.0))
    with pytest.raises(httpx.TransportError):
        server.client().get(server.objects_url("organisatie"))


def test_faults_are_deterministic_per_seed(sandbox_dataset: Dataset) -> None:
    def statuses() -> list[int]:
        plan = FaultPlan(seed=42, error_rate=0.3, rate_limit_rate=0.2)
        with serve_in_thread(create_app(CatalogueState({"organisatie": []}), faults=plan)) as handle:
            with httpx.Client(auth=("beheer", "sandbox-app-password")) as client:
                url = f"{handle.url}/index.php/apps/openregister/api/objects/voorzieningen/organisatie"
                return [client.get(url).status_code for _ in range(30)]

    first = statuses()
    assert first == statuses() and len(set(first)) > 1


def test_server_survives_an_app_exception() -> None:
    def app(request: Request) -> Response:
        if request.path == "/boom":
            raise RuntimeError("bug")
        return Response.json({"ok": True, "query": request.query})

    with serve_in_thread(app) as handle, httpx.Client() as client:
        assert client.get(f"{handle.url}/boom").status_code == 500
        assert client.get(f"{handle.url}/x", params={"a": "1", "b": ""}).json()["query"] == [
            ["a", "1"],
            ["b", ""],
        ]


def test_gzip_body_is_real_gzip(catalogue_server: CatalogueServer) -> None:
    request = httpx.Request(
        "GET",
        catalogue_server.objects_url("module"),
        params={"_limit": 20},
        headers={"Accept-Encoding": "gzip"},
    )
    auth = (catalogue_server.user, catalogue_server.password)
    with httpx.Client(auth=auth) as client:
        response = client.send(request, stream=True)
        raw = b"".join(response.iter_raw())
        response.close()
    assert json.loads(gzip.decompress(raw))["limit"] == 20
