"""Real receivers on loopback for the digest tests: an aiosmtpd SMTP server and an HTTP webhook receiver."""

from __future__ import annotations

import datetime as dt
import json
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

SMTP_USER, SMTP_PASSWORD = "digest", "s3cret-smtp"


def self_signed_cert(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1/localhost made with `cryptography`: (cert.pem, key.pem)."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


@dataclass
class SmtpLog:
    messages: list[EmailMessage] = field(default_factory=list)
    tls_sessions: int = 0
    logins: list[str] = field(default_factory=list)
    hold: threading.Event | None = None  # set: DATA is answered only when the event is set
    received: threading.Event = field(default_factory=threading.Event)


class _Handler:
    def __init__(self, log: SmtpLog) -> None:
        self.log = log

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:  # noqa: N802
        if session.ssl is not None:
            self.log.tls_sessions += 1
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        import asyncio

        self.log.messages.append(message_from_bytes(envelope.original_content, policy=policy.default))  # type: ignore[arg-type]
        self.log.received.set()
        while self.log.hold is not None and not self.log.hold.is_set():
            await asyncio.sleep(0.05)
        return "250 OK"


def _authenticator(log: SmtpLog) -> Any:
    from aiosmtpd.smtp import AuthResult, LoginPassword

    def check(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
            SMTP_USER.encode(),
            SMTP_PASSWORD.encode(),
        )
        if ok:
            log.logins.append(SMTP_USER)
        return AuthResult(success=ok)

    return check


@contextmanager
def smtp_server(
    cert: tuple[Path, Path], port: int = 0, log: SmtpLog | None = None
) -> Iterator[tuple[int, SmtpLog]]:
    """aiosmtpd on 127.0.0.1 requiring STARTTLS before AUTH, and AUTH before MAIL."""
    from aiosmtpd.controller import Controller

    log = log or SmtpLog()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(cert[0]), str(cert[1]))
    if port == 0:
        import socket

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
    controller = Controller(
        _Handler(log), hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True,
        authenticator=_authenticator(log), auth_required=True, server_hostname="localhost",
    )  # fmt: skip
    controller.start()
    try:
        yield port, log
    finally:
        if log.hold is not None:
            log.hold.set()
        controller.stop()


@dataclass
class WebhookLog:
    requests: list[dict[str, Any]] = field(default_factory=list)  # {"path", "headers", "json", "size"}
    statuses: list[int] = field(default_factory=list)  # answers to give, in order; then 200


@contextmanager
def webhook_receiver() -> Iterator[tuple[str, WebhookLog]]:
    """An HTTP server on 127.0.0.1 recording every POST; answers the queued statuses, then 200."""
    log = WebhookLog()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            log.requests.append({"path": self.path, "headers": dict(self.headers), "json": json.loads(body),
                                 "size": len(body)})  # fmt: skip
            status = log.statuses.pop(0) if log.statuses else 200
            reply = b"ok" if status < 300 else b"invalid_payload"
            self.send_response(status)
            if status == 429:
                self.send_header("Retry-After", "30")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", log
    finally:
        server.shutdown()
        server.server_close()
