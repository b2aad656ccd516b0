"""A tiny threaded HTTP/1.1 server that runs a sandbox app in a background thread.

An *app* is a plain callable ``app(request: Request) -> Response``. The server parses the request line,
headers and body (``Content-Length`` only), calls the app in the connection's own thread and writes the
response in one ``sendall``. Connections are kept alive (HTTP/1.1) until the client closes them, the app
answers with ``Connection: close`` or the server stops.

    from sandbox.server import Request, Response, serve_in_thread

    def app(request: Request) -> Response:
        if request.path == "/ping":
            return Response.json({"pong": True})
        return Response.json({"message": "not found"}, status=404)

    with serve_in_thread(app) as server:      # port 0: the OS picks a free port
        httpx.get(f"{server.url}/ping")

``Request``: ``method``, ``path`` (no query), ``query`` (list of ``(name, value)`` pairs in order,
blanks kept, percent-decoded), ``raw_query`` (undecoded), ``headers`` (lower-case names), ``body``
(bytes); helpers ``header(name)``, ``first(name)`` and ``json()``.

``Response``: ``status``, ``headers`` (list of pairs), ``body`` (bytes) and three fault hooks:

* ``truncate_at=n``: send the headers for the full body (correct ``Content-Length``) but only the first ``n``
  bytes, then close the connection; with ``chunked=True`` the body goes out as a chunked transfer whose
  last chunk is cut, again followed by a close.
* ``reset=True``: close the socket (RST, SO_LINGER 0) without writing anything.
* ``close=True``: send ``Connection: close`` and close after the response.

The app may sleep (latency, timeouts): every connection has its own thread, so concurrency is real. An
exception in the app becomes a 500 JSON response; it never kills the server. ``daemon_threads`` and
``allow_reuse_address`` are on; ``stop()`` closes idle keep-alive connections too.
"""

from __future__ import annotations

import codecs
import json
import logging
import socket
import struct
import sys
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

__all__ = ["App", "Request", "Response", "ServerHandle", "encode_json", "serve_in_thread"]

log = logging.getLogger("sandbox.server")


@dataclass(frozen=True)
class Request:
    """One parsed HTTP request, as the app sees it."""

    method: str
    path: str
    query: list[tuple[str, str]] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes = b""
    raw_query: str = ""

    def header(self, name: str, default: str | None = None) -> str | None:
        """A header value by case-insensitive name."""
        return self.headers.get(name.lower(), default)

    def first(self, name: str, default: str | None = None) -> str | None:
        """The first query value for ``name``."""
        for key, value in self.query:
            if key == name:
                return value
        return default

    def json(self) -> Any:
        """The body decoded as JSON."""
        return json.loads(self.body.decode("utf-8"))


def encode_json(data: Any) -> bytes:
    """The JSON bytes ``Response.json`` sends (UTF-8, no ASCII escaping, compact separators).

    Lone surrogates in the data are how a data file plants what a broken server sends: U+DC80-U+DCFF
    go out as the single raw bytes 0x80-0xFF they stand for (Python's "surrogateescape"), i.e. invalid
    UTF-8 inside that string; any other lone surrogate goes out as its JSON escape (``"\\ud800"``).
    """
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", _BROKEN_TEXT)


def _broken_text(error: UnicodeError) -> tuple[bytes, int]:
    """Codec error handler for ``encode_json``: see there."""
    assert isinstance(error, UnicodeEncodeError)
    out = bytearray()
    for ch in error.object[error.start : error.end]:
        code = ord(ch)
        out += bytes([code - 0xDC00]) if 0xDC80 <= code <= 0xDCFF else f"\\u{code:04x}".encode()
    return bytes(out), error.end


_BROKEN_TEXT = "swc-sandbox-broken-text"
codecs.register_error(_BROKEN_TEXT, _broken_text)


@dataclass
class Response:
    """What the app answers; the fault hooks let fault plans break the transport on purpose."""

    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    truncate_at: int | None = None  # send only this many body bytes, then close
    chunked: bool = False  # with truncate_at: cut a chunked transfer instead of a Content-Length body
    reset: bool = False  # close the socket without answering
    close: bool = False  # Connection: close after this response

    @classmethod
    def json(cls, data: Any, status: int = 200, headers: Iterable[tuple[str, str]] = ()) -> Response:
        """A JSON response (UTF-8, no ASCII escaping, compact separators like PHP's json_encode)."""
        return cls.json_bytes(encode_json(data), status=status, headers=headers)

    @classmethod
    def json_bytes(cls, body: bytes, status: int = 200, headers: Iterable[tuple[str, str]] = ()) -> Response:
        """A JSON response whose body is already encoded (by ``encode_json`` or spliced from its output)."""
        all_headers = [("Content-Type", "application/json; charset=utf-8"), *headers]
        return cls(status=status, headers=all_headers, body=body)

    def header(self, name: str) -> str | None:
        """The first header value by case-insensitive name."""
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None


App = Callable[[Request], Response]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False  # idle keep-alive connections must not block stop()
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], app: App) -> None:
        self.app = app
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.connections_lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up mid-connection (a sync cancelling its other requests after a 401, a
        # killed process) is normal traffic for a server, not a fault to print a traceback for.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)

    def close_all_connections(self) -> None:
        with self.connections_lock:
            connections = list(self.connections)
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "swc-sandbox/1"
    sys_version = ""
    disable_nagle_algorithm = True
    timeout = 60  # an idle keep-alive connection is dropped after this many seconds
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        log.debug("%s " + format, self.address_string(), *args)

    def _dispatch(self) -> None:
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        request = Request(
            method=self.command,
            path=split.path,
            query=parse_qsl(split.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
            raw_query=split.query,
        )
        try:
            response = self.server.app(request)
        except Exception:  # the app has a bug: answer 500, keep serving
            log.exception("sandbox app failed on %s %s", self.command, self.path)
            response = Response.json({"error": "Internal sandbox error"}, status=500)
        self._write(response)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _dispatch

    def _write(self, response: Response) -> None:
        if response.reset:
            self._reset()
            return
        body = b"" if self.command == "HEAD" else response.body
        lines = [f"HTTP/1.1 {response.status} {self.responses.get(response.status, ('',))[0]}"]
        lines += [f"{k}: {v}" for k, v in response.headers]
        lines.append(f"Server: {self.server_version}")
        lines.append(f"Date: {self.date_time_string()}")
        close = response.close or response.truncate_at is not None
        if response.truncate_at is not None and response.chunked:
            lines.append("Transfer-Encoding: chunked")
            payload = body[: response.truncate_at]
            body_bytes = f"{len(body):x}\r\n".encode() + payload
        else:
            lines.append(f"Content-Length: {len(response.body)}")
            body_bytes = body if response.truncate_at is None else body[: response.truncate_at]
        if close:
            lines.append("Connection: close")
            self.close_connection = True
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        try:
            self.wfile.write(head + body_bytes)
            self.wfile.flush()
        except OSError:
            self.close_connection = True

    def _reset(self) -> None:
        """Abort the connection: RST instead of FIN, nothing written."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass


class ServerHandle:
    """A running sandbox server; stop it with ``stop()`` or use it as a context manager."""

    def __init__(self, server: _Server, thread: threading.Thread, host: str) -> None:
        self._server = server
        self._thread = thread
        self.host = host
        self.port: int = server.server_address[1]
        self.url = f"http://{host}:{self.port}"

    def stop(self) -> None:
        """Stop accepting, close open connections and wait for the accept loop to end."""
        self._server.shutdown()
        self._server.close_all_connections()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> ServerHandle:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"ServerHandle(url={self.url!r})"


def serve_in_thread(app: App, host: str = "127.0.0.1", port: int = 0) -> ServerHandle:
    """Start ``app`` on ``host:port`` (0 = any free port) in a daemon thread; return its handle."""
    server = _Server((host, port), app)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.name = f"sandbox-server-{server.server_address[1]}"
    thread.start()
    return ServerHandle(server, thread, host)
