"""The sandbox HTTP server treats a client that hangs up as ordinary traffic."""

from __future__ import annotations

import socket
import struct
import time

import pytest

from sandbox.server import Request, Response, serve_in_thread


def _hello(_request: Request) -> Response:
    return Response.json({"ok": True})


def test_a_client_resetting_a_keep_alive_connection_prints_no_traceback(
    capfd: pytest.CaptureFixture[str],
) -> None:
    # A sync that cancels its other requests (after a 401 on one type) resets its idle connections; the
    # server thread is then blocked reading the next request line. That used to print a traceback into
    # the CLI's output (and failed the "no traceback" test at random).
    with serve_in_thread(_hello) as server:
        client = socket.create_connection((server.host, server.port))
        client.sendall(b"GET / HTTP/1.1\r\nHost: sandbox\r\n\r\n")
        assert client.recv(4096).startswith(b"HTTP/1.1 200")
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close = RST
        client.close()
        deadline = time.monotonic() + 5
        while server._server.connections and time.monotonic() < deadline:  # the handler has finished
            time.sleep(0.01)
        assert not server._server.connections
    assert "Traceback" not in capfd.readouterr().err


def test_encode_json_sends_planted_bad_utf8_as_raw_bytes() -> None:
    from sandbox.server import encode_json

    # U+DC80-U+DCFF stand for single bytes (surrogateescape); other lone surrogates go out as escapes
    sent = encode_json({"a": "x\udcffy", "b": "\ud800", "c": "é"})
    assert sent == b'{"a":"x\xffy","b":"\\ud800","c":"\xc3\xa9"}'
