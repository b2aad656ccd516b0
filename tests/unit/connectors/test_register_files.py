"""The register's four-CSV download and the TOOI single-file download: bytes through, HTTP failures mapped."""

from __future__ import annotations

import httpx
import pytest

from connectors.errors import AuthFailed, ConnectorError, NotFound, RemoteUnavailable
from connectors.register_files import download_register_files
from connectors.tooi import download_register

NAMES = ("gemeenten.csv", "herindelingen.csv")
BASE = "https://register.example/data/"


def test_every_file_comes_back_as_served() -> None:
    asked: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        asked.append(str(request.url))
        return httpx.Response(200, content=f"body of {request.url.path}".encode())

    files = download_register_files(BASE, NAMES, transport=httpx.MockTransport(handler))

    assert files == {
        "gemeenten.csv": b"body of /data/gemeenten.csv",
        "herindelingen.csv": b"body of /data/herindelingen.csv",
    }
    assert asked == [
        "https://register.example/data/gemeenten.csv",
        "https://register.example/data/herindelingen.csv",
    ]


@pytest.mark.parametrize(
    ("status", "error", "words"),
    [
        (404, NotFound, "register file herindelingen.csv not found (404)"),
        (401, AuthFailed, "authentication failed (401)"),
        (403, AuthFailed, "access denied (403)"),
        (503, RemoteUnavailable, "server error 503"),
        (204, ConnectorError, "request refused (204)"),
    ],
)
def test_a_failing_file_is_a_connector_error_naming_it(
    status: int, error: type[Exception], words: str
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        ok = request.url.path.endswith("gemeenten.csv")
        return httpx.Response(200 if ok else status, content=b"x")

    with pytest.raises(error) as info:
        download_register_files(BASE, NAMES, transport=httpx.MockTransport(handler))
    assert words in str(info.value)
    assert "https://register.example/data/herindelingen.csv" in str(info.value)


def test_a_dead_server_is_remote_unavailable_without_credentials() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(RemoteUnavailable) as info:
        download_register_files(
            "https://user:s3cret@register.example/data", NAMES, transport=httpx.MockTransport(handler)
        )
    assert "connection failed (ConnectError)" in info.value.message
    assert "s3cret" not in str(info.value) and isinstance(info.value.__cause__, httpx.ConnectError)


def test_tooi_download_returns_the_body_and_maps_a_404() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        found = request.url.path.endswith("_4.json")
        return httpx.Response(200 if found else 404, content=b'{"@graph": []}' if found else b"gone")

    transport = httpx.MockTransport(handler)
    assert download_register("https://tooi.example/r_4.json", transport=transport) == b'{"@graph": []}'
    with pytest.raises(NotFound) as info:
        download_register("https://tooi.example/r_5.json", transport=transport)
    assert info.value.service == "TOOI" and info.value.status == 404
    assert "https://tooi.example/r_5.json" in info.value.message
