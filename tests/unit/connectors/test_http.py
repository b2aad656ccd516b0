"""HTTP client building, URL redaction, retries and the mapping of failures to connector errors."""

from __future__ import annotations

import gzip
import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest
import respx

from connectors.errors import (
    AuthFailed,
    ConnectorError,
    NotFound,
    RateLimited,
    RemoteUnavailable,
)
from connectors.http import (
    USER_AGENT,
    RequestStats,
    build_http_client,
    error_from_response,
    get_json,
    map_http_errors,
    parse_retry_after,
    redact,
)
from tests.helpers.fake_time import PASSWORD, FakeTime

pytestmark = pytest.mark.anyio

BASE = "https://catalogus.example.nl"
Handler = Callable[[httpx.Request], httpx.Response]


def scripted(*responses: httpx.Response | Exception) -> tuple[httpx.MockTransport, list[httpx.Request]]:
    """A transport answering with `responses` in turn (the last one repeats); exceptions are raised."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        item = responses[min(len(seen), len(responses)) - 1]
        if isinstance(item, Exception):
            raise item
        return item

    return httpx.MockTransport(handler), seen


async def call(transport: httpx.MockTransport, fake: FakeTime, stats: RequestStats | None = None,
               **policy: Any) -> Any:
    async with build_http_client(BASE, auth=("svc", PASSWORD), timeout=5, transport=transport) as http:
        return await get_json(http, "/api/objects/voorzieningen/gebruik", params={"_page": 1},
                              policy=fake.policy(**policy), stats=stats or RequestStats(),
                              service="catalogue",
                              not_found="register 'voorzieningen' / schema 'gebruik'",
                              not_found_hint="check SWC_CATALOGUE__REGISTER_SLUG and SWC_CATALOGUE__SCHEMAS")


def ok(body: Any = None) -> httpx.Response:
    return httpx.Response(200, json={"results": []} if body is None else body)


# --- redact / Retry-After -------------------------------------------------------------------------

@pytest.mark.parametrize(("url", "expected"), [
    (f"https://svc:{PASSWORD}@host.nl/api?x=1", "https://host.nl/api?x=1"),
    (f"https://host.nl:8443/a?access_token={PASSWORD}&_page=2", "https://host.nl:8443/a?access_token=***&_page=2"),
    ("http://127.0.0.1:5000/p", "http://127.0.0.1:5000/p"),
])
def test_redact_strips_userinfo_and_token_values(url: str, expected: str) -> None:
    assert redact(url) == expected
    assert PASSWORD not in redact(httpx.URL(url))


def test_parse_retry_after_seconds_and_http_date() -> None:
    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(format_datetime(now + timedelta(seconds=30), usegmt=True), now=now) == 30.0
    assert parse_retry_after(format_datetime(now - timedelta(seconds=30), usegmt=True), now=now) == 0.0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


# --- client ---------------------------------------------------------------------------------------

@respx.mock
async def test_build_http_client_sends_json_gzip_user_agent_and_basic_auth() -> None:
    route = respx.get(f"{BASE}/sub/api/x").mock(return_value=ok())
    async with build_http_client(f"https://svc:{PASSWORD}@catalogus.example.nl/sub", timeout=5) as http:
        await http.get("/api/x")
    request = route.calls.last.request
    assert request.headers["Accept"] == "application/json"
    assert request.headers["Accept-Encoding"] == "gzip"
    assert request.headers["User-Agent"] == USER_AGENT and USER_AGENT.startswith("swc-beheer/")
    assert request.headers["Authorization"].startswith("Basic ")
    assert PASSWORD not in str(request.url)


async def test_gzip_body_is_decoded() -> None:
    body = gzip.compress(json.dumps({"results": [1, 2]}).encode())
    transport, _ = scripted(httpx.Response(200, content=body, headers={"Content-Encoding": "gzip"}))
    assert await call(transport, FakeTime()) == {"results": [1, 2]}


# --- retries --------------------------------------------------------------------------------------

@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_get_json_retries_5xx_then_succeeds(status: int) -> None:
    fake, stats = FakeTime(), RequestStats()
    transport, seen = scripted(httpx.Response(status), httpx.Response(status), ok({"results": [1]}))
    assert await call(transport, fake, stats) == {"results": [1]}
    assert len(seen) == 3 and (stats.requests, stats.retries) == (3, 2)
    assert len(fake.sleeps) == 2 and all(0 < s <= 0.05 for s in fake.sleeps)  # backoff, capped


async def test_get_json_honours_retry_after_seconds_on_429() -> None:
    fake = FakeTime()
    limited = httpx.Response(429, headers={"Retry-After": "3"}, json={"error": "quota"})
    transport, seen = scripted(limited, ok())
    await call(transport, fake)
    assert fake.sleeps == [3.0] and len(seen) == 2


async def test_get_json_honours_retry_after_http_date_on_503() -> None:
    fake = FakeTime()
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=20), usegmt=True)
    transport, _ = scripted(httpx.Response(503, headers={"Retry-After": when}), ok())
    await call(transport, fake)
    assert len(fake.sleeps) == 1 and 15 <= fake.sleeps[0] <= 20


async def test_retry_after_beyond_budget_fails_fast_with_reset_at() -> None:
    fake = FakeTime()
    transport, seen = scripted(httpx.Response(429, headers={"Retry-After": "3600"}, json={"error": "quota"}))
    before = datetime.now(UTC)
    with pytest.raises(RateLimited) as info:
        await call(transport, fake, max_retry_seconds=60)
    assert len(seen) == 1 and fake.sleeps == []  # no waiting at all
    assert info.value.reset_at is not None
    latest = datetime.now(UTC) + timedelta(seconds=3600)
    assert before + timedelta(seconds=3590) <= info.value.reset_at <= latest
    assert "quota" in info.value.message and info.value.status == 429


async def test_429_without_retry_after_exhausting_retries_is_rate_limited() -> None:
    transport, seen = scripted(httpx.Response(429))
    with pytest.raises(RateLimited):
        await call(transport, FakeTime(), max_retries=2)
    assert len(seen) == 3


async def test_429_exhausting_retries_reports_the_last_retry_after() -> None:
    transport, _ = scripted(httpx.Response(429, headers={"Retry-After": "5"}))
    with pytest.raises(RateLimited) as info:
        await call(transport, FakeTime(), max_retries=1)
    assert info.value.reset_at is not None and info.value.reset_at > datetime.now(UTC)


async def test_5xx_exhausting_retries_is_remote_unavailable_with_server_message() -> None:
    fake, stats = FakeTime(), RequestStats()
    transport, seen = scripted(httpx.Response(500, json={"message": "database gone"}))
    with pytest.raises(RemoteUnavailable) as info:
        await call(transport, fake, stats, max_retries=3)
    assert len(seen) == 4 and (stats.requests, stats.retries) == (4, 3)
    assert "database gone" in info.value.message and info.value.status == 500
    assert isinstance(info.value.__cause__, Exception)  # chained


async def test_total_retry_time_is_bounded() -> None:
    fake = FakeTime()
    transport, seen = scripted(httpx.Response(503, headers={"Retry-After": "4"}))
    with pytest.raises(ConnectorError):
        await call(transport, fake, max_retries=100, max_retry_seconds=10)
    assert sum(fake.sleeps) <= 10 and len(seen) <= 4


@pytest.mark.parametrize("body", [b'{"results": [{"id": "a"}, {"id"', b"", b"\xff\xfe garbage"])
async def test_truncated_or_undecodable_json_is_retried(body: bytes) -> None:
    transport, seen = scripted(httpx.Response(200, content=body), ok({"results": [1]}))
    assert await call(transport, FakeTime()) == {"results": [1]}
    assert len(seen) == 2


async def test_truncated_json_every_time_is_remote_unavailable_not_contract_drift() -> None:
    transport, _ = scripted(httpx.Response(200, content=b'{"results": ['))
    with pytest.raises(RemoteUnavailable, match="truncated"):
        await call(transport, FakeTime(), max_retries=1)


@pytest.mark.parametrize("exc", [
    httpx.ConnectError("refused"), httpx.ReadTimeout("slow"), httpx.RemoteProtocolError("cut"),
    httpx.DecodingError("bad gzip"),
])
async def test_transport_errors_are_retried(exc: Exception) -> None:
    transport, seen = scripted(exc, ok())
    await call(transport, FakeTime())
    assert len(seen) == 2


async def test_transport_errors_exhausted_become_remote_unavailable() -> None:
    transport, _ = scripted(httpx.ReadTimeout("slow"))
    with pytest.raises(RemoteUnavailable) as info:
        await call(transport, FakeTime(), max_retries=1)
    assert isinstance(info.value.__cause__, httpx.ReadTimeout)
    assert info.value.url is not None and info.value.url.startswith(BASE)


# --- fail-fast statuses and messages --------------------------------------------------------------

async def test_401_fails_fast_naming_the_settings() -> None:
    transport, seen = scripted(httpx.Response(401, json={"message": "Current user is not logged in"}))
    with pytest.raises(AuthFailed) as info:
        await call(transport, FakeTime())
    assert len(seen) == 1
    hint = info.value.hint or ""
    assert "SWC_CATALOGUE__USER" in hint and "SWC_CATALOGUE__PASSWORD" in hint and "app password" in hint
    assert "MFA" in hint and "not logged in" in info.value.message


async def test_403_fails_fast_saying_rights_are_missing() -> None:
    transport, seen = scripted(httpx.Response(403, json={"error": "no permission"}))
    with pytest.raises(AuthFailed) as info:
        await call(transport, FakeTime())
    assert len(seen) == 1 and "functioneel-beheerder" in (info.value.hint or "")
    assert info.value.status == 403


async def test_404_on_a_list_names_register_schema_and_settings() -> None:
    transport, seen = scripted(httpx.Response(404, json={"message": "Schema not found"}))
    with pytest.raises(NotFound) as info:
        await call(transport, FakeTime())
    assert len(seen) == 1
    assert "'voorzieningen'" in info.value.message and "'gebruik'" in info.value.message
    assert "SWC_CATALOGUE__REGISTER_SLUG" in (info.value.hint or "")
    assert "SWC_CATALOGUE__SCHEMAS" in (info.value.hint or "")


@pytest.mark.parametrize(("body", "said"), [({"error": "Facets need SOLR"}, "Facets need SOLR"),
                                            ({"message": "bad _order"}, "bad _order"), ({}, "")])
async def test_other_4xx_is_connector_error_with_server_message(body: dict[str, str], said: str) -> None:
    transport, seen = scripted(httpx.Response(400, json=body))
    with pytest.raises(ConnectorError) as info:
        await call(transport, FakeTime())
    assert type(info.value) is ConnectorError and len(seen) == 1
    assert said in info.value.message and info.value.status == 400 and info.value.service == "catalogue"


def test_map_http_errors_translates_httpx_exceptions() -> None:
    request = httpx.Request("GET", f"https://svc:{PASSWORD}@host.nl/x")
    with pytest.raises(RemoteUnavailable) as info, map_http_errors("github"):
        raise httpx.ConnectTimeout("slow", request=request)
    assert isinstance(info.value.__cause__, httpx.ConnectTimeout)
    response = httpx.Response(401, request=request)
    with pytest.raises(AuthFailed) as auth, map_http_errors("github"):
        raise httpx.HTTPStatusError("401", request=request, response=response)
    assert "SWC_GITHUB__TOKEN" in (auth.value.hint or "")
    assert PASSWORD not in str(auth.value) and PASSWORD not in str(info.value)


def test_error_from_response_429_and_5xx() -> None:
    request = httpx.Request("GET", "https://host.nl/x")
    assert isinstance(error_from_response(httpx.Response(429, request=request), "catalogue"), RateLimited)
    assert isinstance(error_from_response(httpx.Response(502, request=request), "catalogue"),
                      RemoteUnavailable)


# --- secrets --------------------------------------------------------------------------------------

async def test_password_never_in_messages_reprs_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    cases: list[httpx.Response | Exception] = [
        httpx.Response(401, json={"message": "nope"}), httpx.Response(403), httpx.Response(404),
        httpx.Response(500), httpx.Response(429, headers={"Retry-After": "99999"}), httpx.ConnectError("x"),
    ]
    for case in cases:
        transport, _ = scripted(case)
        with pytest.raises(ConnectorError) as info:
            async with build_http_client(f"https://svc:{PASSWORD}@host.nl", timeout=5,
                                         transport=transport) as http:
                await get_json(http, "/x", policy=FakeTime().policy(max_retries=1), stats=RequestStats(),
                               service="catalogue")
        error = info.value
        texts = [str(error), repr(error), error.message, error.hint or "", str(error.url),
                 str(error.__cause__), repr(error.__cause__)]
        assert not [t for t in texts if PASSWORD in t]
    assert PASSWORD not in caplog.text


async def test_an_html_page_is_a_wrong_url_not_a_retry() -> None:
    """A Nextcloud login page or the public website answers 200 with HTML: fail at once, name the setting."""
    import httpx as _httpx

    from connectors.errors import UnexpectedPayload
    from connectors.http import RequestStats, RetryPolicy, get_json

    calls: list[int] = []

    def handler(request: _httpx.Request) -> _httpx.Response:
        calls.append(1)
        return _httpx.Response(200, html="<!DOCTYPE html><title>Nextcloud</title>")

    async with _httpx.AsyncClient(transport=_httpx.MockTransport(handler), base_url="https://x") as client:
        with pytest.raises(UnexpectedPayload) as info:
            await get_json(client, "/api/objects", params={}, policy=RetryPolicy(max_retries=3),
                           stats=RequestStats(), service="catalogue")  # fmt: skip
    assert calls == [1]
    assert "SWC_CATALOGUE__BASE_URL" in (info.value.hint or "")
