"""Bounds, NUL, bad UTF-8 and duplicate ids at the connector: unit edge cases against literal values."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from connectors import jsoncodec
from connectors.catalogue import CatalogueClient
from connectors.catalogue_models import RecordError, parse_record
from connectors.errors import ConnectorError
from connectors.http import RetryPolicy
from reports.cells import visible_controls
from store.base import _postgresql_json_serializer

OID = "00000000-0000-0000-0000-000000000001"


def _deep(levels: int) -> Any:
    value: Any = 1
    for _ in range(levels - 1):
        value = [value]
    return value


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        ({"x": _deep(65)}, "nested deeper than 64 levels"),  # the object is level 1
        ({"x": _deep(500)}, "nested deeper than 64 levels"),
        ({"cbsCode": 10**30}, "outside the signed 64-bit range"),
        ({"cbsCode": 1e30}, "cbsCode: number outside the signed 64-bit range"),
        ({"x": 2**63}, "x: integer outside the signed 64-bit range"),
        ({"naam": "a\udcff"}, "naam: text is not valid Unicode"),
        ({"naam": "a" * (2**20 + 1)}, "naam: text longer than 1048576 characters"),
        ({"@self": {"updated": 1e300}}, "@self.updated: not an ISO-8601 timestamp"),
        ({"@self": {"updated": "0001-01-01T00:00:00+01:00"}}, "@self.updated: not an ISO-8601 timestamp"),
    ],
)
def test_out_of_bounds_objects_are_record_errors(extra: dict[str, Any], reason: str) -> None:
    with pytest.raises(RecordError) as info:
        parse_record("organisation", {"id": OID, **extra})
    assert info.value.id == OID and reason in info.value.reason


def test_within_bounds_is_mapped() -> None:
    record = parse_record(
        "organisation", {"id": OID, "x": _deep(63), "cbsCode": 2**63 - 1, "naam": "a" * 2**20}
    )
    assert record.cbs_code == 2**63 - 1  # type: ignore[attr-defined]


def test_nul_leaves_typed_text_and_stays_in_raw() -> None:
    record = parse_record("organisation", {"id": OID, "naam": "Ge\x00meente\x07", "rollen": ["a\x00"]})
    assert record.name == "Gemeente\x07"  # type: ignore[attr-defined]
    assert record.raw["naam"] == "Ge\x00meente\x07"


def test_a_bad_id_is_reported_printable() -> None:
    with pytest.raises(RecordError) as info:
        parse_record("organisation", {"id": "x\x00\udcff" + "y" * 100})
    assert info.value.id == "x\\x00\\udcff" + "y" * 57


def test_bad_utf8_spoils_only_its_object() -> None:
    body = b'{"results":[{"id":"a","naam":"ok"},{"id":"b","naam":"bad \xff"}]}'
    assert jsoncodec.loads_lenient(body)["results"] == [
        {"id": "a", "naam": "ok"},
        {"id": "b", "naam": "bad \udcff"},
    ]
    with pytest.raises(ValueError):
        jsoncodec.loads_lenient(b'{"results":[{"id":"a","naam":"\xff')  # truncated stays an error


def test_postgresql_json_has_no_nul() -> None:
    assert _postgresql_json_serializer({"a": "x\x00y", "b": "\\u0000"}) == '{"a":"x\\ufffdy","b":"\\\\u0000"}'


def test_cells_show_control_characters() -> None:
    assert visible_controls("a\x00b\x07c\td\x7f") == "a\u2400b\u2407c\td\u2421"
    assert visible_controls(5) == 5


def _listing_client(body: bytes) -> CatalogueClient:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"content-type": "application/json"})

    return CatalogueClient.connect(
        "https://catalogus.example.nl",
        user="svc",
        password="pw",
        transport=httpx.MockTransport(handler),
        retry=RetryPolicy(max_retries=0, sleep=_no_sleep),
    )


async def _no_sleep(seconds: float) -> None:
    return None


def _good(n: int) -> str:
    return '{"id":"00000000-0000-0000-0000-00000000000' + str(n) + '","naam":"Gemeente"}'


HEAD = '{"id":"' + OID + '"'


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (HEAD + ',"x":' + "[" * 3000 + "]" * 3000 + "}", "nested too deep to decode"),
        (HEAD + ',"x":tru}', "not valid JSON"),
        (HEAD + ',"naam":"\xff"}', "text is not valid Unicode"),
    ],
)
@pytest.mark.anyio
async def test_an_undecodable_object_spoils_only_itself(bad: str, reason: str) -> None:
    results = ",".join([_good(2), bad, _good(3)])
    body = ('{"results":[' + results + '],"total":3,"page":1,"pages":1,"limit":500}').encode("latin-1")
    async with _listing_client(body) as client:
        pages = [page async for page in client.fetch_pages("organisation")]
    assert [r.id[-1] for p in pages for r in p.records] == ["2", "3"]
    ((skipped,),) = [p.skipped for p in pages]
    assert skipped.id == OID and reason in skipped.reason


@pytest.mark.anyio
async def test_a_truncated_listing_is_still_an_error() -> None:
    body = ('{"results":[' + _good(2) + "," + HEAD + ',"naam":"\xff').encode("latin-1")
    async with _listing_client(body) as client:
        with pytest.raises(ConnectorError):
            [page async for page in client.fetch_pages("organisation")]
