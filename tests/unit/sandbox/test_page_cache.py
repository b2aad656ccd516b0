"""The catalogue's cached list bodies are exactly what rendering every object per request gives.

Each ``_Stored`` memoises its plain rendering as JSON bytes and list pages splice those bytes into the
envelope. The reference is the same app with ``byte_cache=False``: every object rendered per request and
the whole envelope encoded by ``Response.json``. Both apps share the state (and its listing cache) and get
the same request sequence, so their per-request shuffles line up and bodies compare byte for byte (only
the 2026 ``@self.metrics.total_ms`` timing differs).
"""

from __future__ import annotations

import gzip
import json
import re
from base64 import b64encode
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sandbox.catalogue import (
    DEFAULT_PASSWORD,
    DEFAULT_USER,
    CatalogueState,
    _CatalogueApp,
    _iso,
    _Options,
    create_app,
    render,
)
from sandbox.datagen import Dataset, generate
from sandbox.server import Request, Response

PREFIX = "/index.php/apps/openregister/api/objects/voorzieningen"
AUTH = "Basic " + b64encode(f"{DEFAULT_USER}:{DEFAULT_PASSWORD}".encode()).decode()
BY_CREATED = [("_order[@self.created]", "asc"), ("_order[@self.uuid]", "asc")]
NEWEST = [("_order[@self.updated]", "desc"), ("_order[@self.uuid]", "asc")]
_TIMING = re.compile(rb'"total_ms":[0-9.e+-]+')

# (schema, query pairs): every query option the list route knows, plain and not.
QUERIES: list[tuple[str, list[tuple[str, str]]]] = [
    ("organisatie", [("_limit", "50"), *BY_CREATED]),
    ("organisatie", [("_limit", "50"), ("_page", "3"), *BY_CREATED]),
    ("gebruik", [("_limit", "500"), ("_page", "2"), *BY_CREATED]),
    ("gebruik", [("_limit", "100"), *NEWEST]),
    ("contactpersoon", [("_limit", "40"), ("_offset", "15"), *NEWEST]),
    ("module", [("_limit", "30")]),  # no _order: a shuffle per request
    ("module", [("_limit", "30"), ("_page", "2")]),
    ("organisatie", [("_limit", "25"), ("_order[naam]", "asc")]),  # ties shuffled
    ("organisatie", [("_limit", "25"), ("_fields", "naam,status"), *BY_CREATED]),
    ("contactpersoon", [("_limit", "25"), ("_unset", "e-mailadres"), *BY_CREATED]),
    ("module", [("_limit", "25"), ("_extend", "aanbieder"), *BY_CREATED]),
    ("gebruik", [("_limit", "25"), ("_extend[]", "module"), ("_extend[]", "afnemer"), *BY_CREATED]),
    ("organisatie", [("_limit", "50"), ("status", "actief"), *BY_CREATED]),
    ("organisatie", [("_limit", "50"), ("type", "Gemeente"), ("status", "actief"), *NEWEST]),
    ("contactpersoon", [("_limit", "50"), ("_empty", "true"), *BY_CREATED]),
    ("module", [("_limit", "50"), ("_search", "zaak"), *BY_CREATED]),
    ("organisatie", [("_limit", "50"), ("@self[updated][gte]", "2020-01-01T00:00:00"), *BY_CREATED]),
    ("organisatie", [("_limit", "20"), ("bestaatNiet", "x"), *BY_CREATED]),  # unknown filter
    ("koppeling", [("_limit", "5"), *BY_CREATED]),  # 10 or fewer results: never gzipped
    ("koppeling", [("_limit", "50"), ("_page", "999"), *BY_CREATED]),  # past the end
]
OPTIONS: list[dict[str, Any]] = [
    {"legacy": True, "strip_empty": False, "exact": False},
    {"legacy": False, "strip_empty": False, "exact": True},
    {"legacy": False, "strip_empty": True, "exact": True},
    {"legacy": True, "strip_empty": True, "exact": False},
]


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return generate(size="tiny")


def _apps(state: CatalogueState, **options: Any) -> tuple[_CatalogueApp, _CatalogueApp]:
    settings = _Options(
        users={DEFAULT_USER: DEFAULT_PASSWORD},
        anonymous=options.get("anonymous", False),
        exact=options.get("exact", False),
        legacy=options.get("legacy", True),
        strip_empty=options.get("strip_empty", False),
        shuffle_seed=7,
    )
    return _CatalogueApp(state, settings), _CatalogueApp(state, settings, byte_cache=False)


def _request(schema: str, query: list[tuple[str, str]], *, gzip_ok: bool = False) -> Request:
    headers = {"authorization": AUTH}
    if gzip_ok:
        headers["accept-encoding"] = "gzip, deflate"
    raw = "&".join(f"{k}={v}" for k, v in query)
    return Request("GET", f"{PREFIX}/{schema}", query=query, headers=headers, raw_query=raw)


def _plain(response: Response) -> bytes:
    body = response.body
    if response.header("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    return _TIMING.sub(b'"total_ms":0', body)


def _same(cached: Response, reference: Response) -> bytes:
    assert cached.status == reference.status
    assert cached.headers == reference.headers
    assert (cached.truncate_at, cached.reset, cached.close) == (None, False, False)
    body = _plain(cached)
    assert body == _plain(reference)
    return body


def _ask_both(
    apps: tuple[_CatalogueApp, _CatalogueApp], schema: str, query: list[tuple[str, str]], **kw: Any
) -> dict[str, Any]:
    cached, reference = apps
    body = _same(cached(_request(schema, query, **kw)), reference(_request(schema, query, **kw)))
    decoded: dict[str, Any] = json.loads(body)
    return decoded


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: "-".join(f"{k}={v}" for k, v in o.items()))
def test_list_bodies_match_the_rendering_path(dataset: Dataset, options: dict[str, Any]) -> None:
    apps = _apps(CatalogueState(dataset), **options)
    for schema, query in QUERIES:
        for gzip_ok in (False, True):
            _ask_both(apps, schema, query, gzip_ok=gzip_ok)


def test_strip_empty_rows_come_from_their_own_memo_without_empties_anywhere(dataset: Dataset) -> None:
    """Strip-empty (v1.0.x) leaves out null, "", [] and {} at any depth, `@self` included (§8), and the
    stripped bytes are memoised apart from the plain ones."""
    state = CatalogueState(dataset)
    apps = _apps(state, legacy=False, strip_empty=True, exact=True)
    body = _ask_both(apps, "contactpersoon", [("_limit", "200"), *BY_CREATED])
    rows = {row["id"]: row for row in body["results"]}
    stored = {o.id: o for o in state._objects["contactpersoon"].values() if o.id in rows}
    assert stored and all(o._json_stripped is not None and o._json_current is None for o in stored.values())

    def empties(value: Any) -> int:
        if isinstance(value, dict):
            return sum((v in (None, "", [], {})) + empties(v) for v in value.values())
        if isinstance(value, list):
            return sum((v in (None, "", [], {})) + empties(v) for v in value)
        return 0

    assert all(empties(row) == 0 for row in rows.values())
    meta = next(iter(rows.values()))["@self"]
    assert "slug" not in meta and "files" not in meta and "deleted" not in meta and meta["id"]


def test_unordered_pages_hold_the_same_ids(dataset: Dataset) -> None:
    """Without _order each request is shuffled; cached and reference pages hold the same objects."""
    state = CatalogueState(dataset)
    cached, reference = _apps(state)
    query = [("_limit", "5000")]
    cached(_request("gebruik", [("_limit", "1")]))  # the apps' shuffles no longer line up
    ours = json.loads(_plain(cached(_request("gebruik", query, gzip_ok=True))))
    theirs = json.loads(_plain(reference(_request("gebruik", query))))
    assert [r["id"] for r in ours["results"]] != [r["id"] for r in theirs["results"]]
    assert {r["id"] for r in ours["results"]} == {r["id"] for r in theirs["results"]}
    assert len(ours["results"]) == ours["total"] == len(state.ids("gebruik"))


def test_plain_object_bytes_are_render_encoded(dataset: Dataset) -> None:
    state = CatalogueState(dataset)
    for obj in list(state._objects["module"].values())[:50]:
        for legacy in (True, False):
            expected = Response.json(render(obj, legacy=legacy)).body
            assert obj.encoded(legacy) == expected
            assert obj.encoded(legacy) is obj.encoded(legacy)  # memoised


def test_only_the_used_generation_is_memoised(dataset: Dataset) -> None:
    state = CatalogueState(dataset)
    cached, _ = _apps(state, legacy=True)
    cached(_request("organisatie", [("_limit", "100"), *BY_CREATED]))
    memo = [o for o in state._objects["organisatie"].values() if o._json_legacy is not None]
    assert len(memo) == 100
    assert all(o._json_current is None for o in state._objects["organisatie"].values())


@pytest.mark.parametrize("legacy", [True, False])
def test_update_and_delete_are_never_served_stale(dataset: Dataset, legacy: bool) -> None:
    state = CatalogueState(dataset)
    apps = _apps(state, legacy=legacy, exact=not legacy)
    query = [("_limit", "500"), *BY_CREATED]
    before = _ask_both(apps, "organisatie", query)
    first, second, third = (row["id"] for row in before["results"][:3])

    state.update("organisatie", first, naam="Hernoemd BV")
    after = _ask_both(apps, "organisatie", query)
    row = next(r for r in after["results"] if r["id"] == first)
    assert row["naam"] == row["@self"]["name"] == "Hernoemd BV"
    assert row["@self"]["version"] != before["results"][0]["@self"]["version"]
    assert row["@self"]["updated"] == _iso(state.clock.now())

    state.delete("organisatie", second)
    after_delete = _ask_both(apps, "organisatie", query)
    assert second not in {r["id"] for r in after_delete["results"]}
    assert after_delete["total"] == before["total"] - 1

    added = state.add("organisatie", {"naam": "Nieuw", "status": "actief"})
    with_added = _ask_both(apps, "organisatie", query)
    assert added["id"] in {r["id"] for r in with_added["results"]}

    # newest first: the changed object leads, with its new bytes
    newest = _ask_both(apps, "organisatie", [("_limit", "3"), *NEWEST])
    assert [r["id"] for r in newest["results"][:2]] == [added["id"], first]

    # single GETs follow too (they use the same memo)
    cached, reference = apps
    path = f"{PREFIX}/organisatie"
    for object_id in (first, second, third):
        request = Request("GET", f"{path}/{object_id}", headers={"authorization": AUTH})
        _same(cached(request), reference(request))
    shown = json.loads(cached(Request("GET", f"{path}/{first}", headers={"authorization": AUTH})).body)
    assert shown["naam"] == "Hernoemd BV"


def test_extend_sees_updates_of_related_objects(dataset: Dataset) -> None:
    state = CatalogueState(dataset)
    apps = _apps(state)
    query = [("_limit", "10"), ("_extend", "aanbieder"), *BY_CREATED]
    body = _ask_both(apps, "module", query)
    supplier = next(r["aanbieder"]["id"] for r in body["results"] if isinstance(r.get("aanbieder"), dict))
    state.update("organisatie", supplier, naam="Andere Leverancier")
    body = _ask_both(apps, "module", query)
    names = {r["aanbieder"]["naam"] for r in body["results"] if isinstance(r.get("aanbieder"), dict)}
    assert "Andere Leverancier" in names


def test_create_app_keeps_headers_and_gzip_rule(dataset: Dataset) -> None:
    app = create_app(CatalogueState(dataset))
    big = app(_request("gebruik", [("_limit", "11"), *BY_CREATED], gzip_ok=True))
    assert big.headers == [
        ("Content-Type", "application/json; charset=utf-8"),
        ("Content-Encoding", "gzip"),
        ("Vary", "Accept-Encoding"),
    ]
    assert len(json.loads(gzip.decompress(big.body))["results"]) == 11
    small = app(_request("gebruik", [("_limit", "10"), *BY_CREATED], gzip_ok=True))
    assert small.headers == [("Content-Type", "application/json; charset=utf-8")]
    assert len(json.loads(small.body)["results"]) == 10


@pytest.mark.parametrize(
    "value",
    [
        datetime(2026, 12, 1, 0, 0, 0),
        datetime(2026, 3, 4, 5, 6, 7, 891011),  # microseconds are cut, not rounded
        datetime(1000, 1, 1),
        datetime(999, 12, 31, 23, 59, 59),  # strftime's own year format below 1000
        datetime(2026, 6, 1, 12, 0, tzinfo=UTC),
        datetime(2026, 6, 1, 12, 0) + timedelta(seconds=0.5),
    ],
)
def test_iso_matches_strftime(value: datetime) -> None:
    assert _iso(value) == value.strftime("%Y-%m-%dT%H:%M:%S+00:00")
