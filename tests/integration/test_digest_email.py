"""Digest e-mail against a real SMTP server on loopback (aiosmtpd): STARTTLS, AUTH, outage, SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from config.settings import Settings, load_settings
from store import open_store
from store.outbox import load_outbox
from swc_beheer.digest_job import run_digest
from tests.helpers.digest_data import seed_findings
from tests.helpers.digest_servers import SMTP_PASSWORD, SMTP_USER, SmtpLog, self_signed_cert, smtp_server

pytestmark = pytest.mark.integration

MONDAY = datetime(2026, 12, 7, 6, 30, tzinfo=UTC)  # 07:30 in Amsterdam, after the default 07:00 schedule
ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _digest_env(tmp_path: Path, port: int, cert: Path) -> dict[str, str]:
    channels = '[{"name": "beheer", "kind": "email", "recipients": ["beheer@gemeente.example"]}]'
    return {
        "SWC_STORE__URL": f"sqlite:///{tmp_path / 'store.sqlite3'}",
        "SWC_REPORTS_DIR": str(tmp_path / "reports"),
        "SWC_DIGEST__CHANNELS": channels,
        "SWC_DIGEST__SMTP_HOST": "127.0.0.1",
        "SWC_DIGEST__SMTP_PORT": str(port),
        "SWC_DIGEST__SMTP_USER": SMTP_USER,
        "SWC_DIGEST__SMTP_PASSWORD": SMTP_PASSWORD,
        "SWC_DIGEST__SMTP_FROM": "swc-beheer@vng.example",
        "SWC_DIGEST__SMTP_CA_FILE": str(cert),
        "SWC_DIGEST__TIMEOUT": "20",
    }


def _settings(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Settings:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return load_settings()


@pytest.fixture
def cert(tmp_path: Path) -> tuple[Path, Path]:
    return self_signed_cert(tmp_path)


def _seed(env: dict[str, str]) -> None:
    store = open_store(env["SWC_STORE__URL"])
    seed_findings(store, 12, datetime(2026, 12, 3, 12, tzinfo=UTC))
    store.close()


def _parts(message: Any) -> dict[str, Any]:
    return {part.get_content_type(): part for part in message.walk()}


def test_the_digest_arrives_as_multipart_text_html_and_inline_chart_over_starttls_with_auth(
    tmp_path: Path, cert: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    with smtp_server(cert) as (port, log):
        env = _digest_env(tmp_path, port, cert[0])
        settings = _settings(env, monkeypatch)
        _seed(env)
        report = run_digest(settings, now=MONDAY)
    assert (len(report.composed), len(report.delivered), report.failed) == (1, 1, [])
    assert log.tls_sessions >= 1 and log.logins == [SMTP_USER]
    [message] = log.messages
    assert message["Subject"] == "Softwarecatalogus: overzicht 2026-11-30 t/m 2026-12-07"
    assert message["To"] == "beheer@gemeente.example"
    parts = _parts(message)
    assert message.get_content_type() == "multipart/alternative"
    assert {"text/plain", "multipart/related", "text/html", "image/png"} <= set(parts)
    text = parts["text/plain"].get_content()
    assert "Bevindingen: 12 nieuw, 0 opgelost, 0 heropend" in text
    image = parts["image/png"]
    assert image.get_content()[:8] == b"\x89PNG\r\n\x1a\n"
    cid = image["Content-ID"].strip("<>")
    assert f'src="cid:{cid}"' in parts["text/html"].get_content()
    [stored] = load_outbox(open_store(env["SWC_STORE__URL"]))
    assert (stored.status, stored.message_id) == ("delivered", message["Message-ID"])
    assert message["Message-ID"].endswith("@vng.example>")


def test_smtp_down_keeps_the_digest_and_delivers_it_exactly_once_when_back(
    tmp_path: Path, cert: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    port = _free_port()
    env = _digest_env(tmp_path, port, cert[0])
    settings = _settings(env, monkeypatch)
    _seed(env)
    down = run_digest(settings, now=MONDAY)
    assert (len(down.composed), len(down.delivered), len(down.retrying)) == (1, 0, 1)
    [row] = load_outbox(open_store(env["SWC_STORE__URL"]))
    assert (row.status, row.attempts, row.next_attempt) == ("pending", 1, MONDAY + timedelta(seconds=60))
    assert "unreachable" in (row.last_error or "")
    early = run_digest(settings, now=MONDAY + timedelta(seconds=30))  # before the backoff: not tried
    assert (early.delivered, early.retrying) == ([], [])
    with smtp_server(cert, port=port) as (_, log):
        back = run_digest(settings, now=MONDAY + timedelta(seconds=61))
        later = run_digest(settings, now=MONDAY + timedelta(hours=5))
    assert (len(back.delivered), len(later.delivered), len(later.composed)) == (1, 0, 0)
    assert len(log.messages) == 1
    [row] = load_outbox(open_store(env["SWC_STORE__URL"]))
    assert (row.status, row.attempts) == ("delivered", 2)


SENDER = textwrap.dedent(
    """
    from datetime import datetime
    import sys
    from config.settings import load_settings
    from swc_beheer.digest_job import run_digest
    run_digest(load_settings(), now=datetime.fromisoformat(sys.argv[1]))
    print("finished")
    """
)


def test_a_sender_killed_mid_delivery_loses_nothing_and_duplicates_at_most_once_with_the_same_message_id(
    tmp_path: Path, cert: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    log = SmtpLog(hold=threading.Event())  # the server takes the message but holds back its "250 OK"
    with smtp_server(cert, log=log) as (port, _):
        env = _digest_env(tmp_path, port, cert[0])
        _seed(env)
        child = subprocess.Popen(
            [sys.executable, "-c", SENDER, MONDAY.isoformat()],
            cwd=ROOT,
            env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert log.received.wait(120), child.stderr.read() if child.stderr else ""
        os.kill(child.pid, signal.SIGKILL)  # the receiver has the message; the store has not recorded it
        child.wait()
        assert child.returncode == -signal.SIGKILL
        [row] = load_outbox(open_store(env["SWC_STORE__URL"]))
        assert row.status == "sending"
        log.hold.set()  # type: ignore[union-attr]
        settings = _settings(env, monkeypatch)
        restarted = run_digest(settings, now=MONDAY + timedelta(minutes=1))
        again = run_digest(settings, now=MONDAY + timedelta(hours=1))
    assert (len(restarted.delivered), len(again.delivered), len(again.composed)) == (1, 0, 0)
    assert len(log.messages) == 2  # the one documented duplicate ...
    assert log.messages[0]["Message-ID"] == log.messages[1]["Message-ID"]  # ... recognisably the same digest
    assert log.messages[0]["X-SWC-Digest-Key"] == log.messages[1]["X-SWC-Digest-Key"]
    [row] = load_outbox(open_store(env["SWC_STORE__URL"]))
    assert row.status == "delivered"
