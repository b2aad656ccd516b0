"""Digest webhooks against a real HTTP receiver on loopback: Teams, Slack, Mattermost payloads and retries."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from config.settings import Settings, load_settings
from store import open_store
from store.outbox import load_outbox
from swc_beheer.digest_job import run_digest
from tests.helpers.digest_data import seed_findings
from tests.helpers.digest_servers import webhook_receiver

pytestmark = pytest.mark.integration

MONDAY = datetime(2026, 12, 7, 6, 30, tzinfo=UTC)

# Documented limits (see reports/digest/channels/webhooks.py for the sources), written out independently
TEAMS_BYTES = 28 * 1024
SLACK_BLOCKS, SLACK_SECTION, SLACK_HEADER = 50, 3000, 150
MATTERMOST_CHARS = 16383
SLACK_BLOCK_TYPES = {"header", "section", "context", "divider", "actions", "image", "rich_text"}


def _settings(tmp_path: Path, url: str, kinds: list[str], monkeypatch: pytest.MonkeyPatch) -> Settings:
    channels = [{"name": kind, "kind": kind, "webhook_url": f"{url}/{kind}"} for kind in kinds]
    monkeypatch.setenv("SWC_STORE__URL", f"sqlite:///{tmp_path / 'store.sqlite3'}")
    monkeypatch.setenv("SWC_REPORTS_DIR", str(tmp_path / "reports"))
    monkeypatch.setenv("SWC_DIGEST__CHANNELS", json.dumps(channels))
    monkeypatch.setenv("SWC_DIGEST__REPORT_BASE_URL", "https://beheer.example/rapporten")
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "journey-board.html").write_text("<html></html>")
    return load_settings()


def _seed(settings: Settings, count: int) -> None:
    store = open_store(settings.store.url)
    seed_findings(store, count, datetime(2026, 12, 3, 12, tzinfo=UTC), steps=6)
    store.close()


def _check_teams(body: dict[str, Any], size: int) -> None:
    assert size <= TEAMS_BYTES
    assert body["type"] == "message"
    [attachment] = body["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert (card["type"], card["version"]) == ("AdaptiveCard", "1.4")
    assert all(item["type"] == "TextBlock" and isinstance(item["text"], str) for item in card["body"])
    assert all(
        a["type"] == "Action.OpenUrl" and a["url"].startswith("https://") for a in card.get("actions", [])
    )


def _check_slack(body: dict[str, Any]) -> None:
    assert isinstance(body["text"], str) and body["text"]
    blocks = body["blocks"]
    assert 0 < len(blocks) <= SLACK_BLOCKS
    assert {b["type"] for b in blocks} <= SLACK_BLOCK_TYPES
    for block in blocks:
        if block["type"] == "header":
            assert block["text"]["type"] == "plain_text" and len(block["text"]["text"]) <= SLACK_HEADER
        if block["type"] == "section":
            assert block["text"]["type"] == "mrkdwn" and len(block["text"]["text"]) <= SLACK_SECTION
        if block["type"] == "context":
            assert 0 < len(block["elements"]) <= 10


def _check_mattermost(body: dict[str, Any]) -> None:
    assert set(body) == {"text"} and 0 < len(body["text"]) <= MATTERMOST_CHARS


@pytest.mark.parametrize("count", [12, 600])
def test_each_platform_gets_a_valid_payload_within_its_limits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, count: int
) -> None:
    with webhook_receiver() as (url, log):
        settings = _settings(tmp_path, url, ["teams", "slack", "mattermost"], monkeypatch)
        _seed(settings, count)
        report = run_digest(settings, now=MONDAY)
    assert (len(report.delivered), report.failed, report.retrying) == (3, [], [])
    by_path = {r["path"]: r for r in log.requests}
    assert set(by_path) == {"/teams", "/slack", "/mattermost"}
    _check_teams(by_path["/teams"]["json"], by_path["/teams"]["size"])
    _check_slack(by_path["/slack"]["json"])
    _check_mattermost(by_path["/mattermost"]["json"])
    for request in log.requests:
        text = json.dumps(request["json"], ensure_ascii=False)
        assert f"{count} nieuw" in text  # the counts survive any cutting
        assert request["headers"]["Idempotency-Key"].startswith(request["path"][1:] + ":2026-11-30T06:00:00")


def test_catalogue_text_is_inert_in_every_chat_format(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with webhook_receiver() as (url, log):
        settings = _settings(tmp_path, url, ["teams", "slack", "mattermost"], monkeypatch)
        _seed(
            settings, 3
        )  # the first finding names "<script>… @channel <!here> [klik](http://evil.example) *vet*"
        run_digest(settings, now=MONDAY)
    texts = {r["path"]: json.dumps(r["json"], ensure_ascii=False) for r in log.requests}
    for path, text in texts.items():
        assert "@channel" not in text and "@\u200bchannel" in text, path
        assert "http://evil.example" not in text, path  # no bare link either
        if path != "/slack":  # Slack shows [text](url) literally; the Markdown formats must not link it
            assert "[klik](http" not in text, path
        assert "<script>" not in text, path
    assert "<!here>" not in texts["/slack"] and "&lt;!here&gt;" in texts["/slack"]
    assert "*vet*" not in texts["/slack"]
    assert "\\[klik\\]\\(http:\u200b//evil.example\\)" in texts["/mattermost"].replace("\\\\", "\\")
    assert "\\*vet\\*" in texts["/teams"].replace("\\\\", "\\")


def test_429_and_5xx_are_retried_with_backoff_then_delivered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with webhook_receiver() as (url, log):
        settings = _settings(tmp_path, url, ["slack"], monkeypatch)
        _seed(settings, 5)
        log.statuses = [429, 503]
        first = run_digest(settings, now=MONDAY)
        store = open_store(settings.store.url)
        [row] = load_outbox(store)
        assert (row.status, row.attempts, row.next_attempt) == ("pending", 1, MONDAY + timedelta(seconds=60))
        second = run_digest(settings, now=MONDAY + timedelta(seconds=60))
        [row] = load_outbox(store)
        assert (row.status, row.attempts, row.next_attempt) == ("pending", 2, MONDAY + timedelta(seconds=180))
        third = run_digest(settings, now=MONDAY + timedelta(seconds=180))
        fourth = run_digest(settings, now=MONDAY + timedelta(days=1))
    assert [len(r.retrying) for r in (first, second)] == [1, 1]
    assert "429" in first.retrying[0][1] and "503" in second.retrying[0][1]
    assert (len(third.delivered), fourth.delivered) == (1, [])
    assert len(log.requests) == 3
    assert len({r["headers"]["Idempotency-Key"] for r in log.requests}) == 1
    [row] = load_outbox(store)
    assert (row.status, row.attempts) == ("delivered", 3)


def test_a_400_is_a_configuration_error_reported_in_the_outbox_and_the_next_digest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from swc_beheer.cli import app

    with webhook_receiver() as (url, log):
        settings = _settings(tmp_path, url, ["mattermost"], monkeypatch)
        _seed(settings, 5)
        log.statuses = [400]
        report = run_digest(settings, now=MONDAY)
        [(entry, why)] = report.failed
        assert "refused the digest (400" in why and "mattermost" in why
        result = CliRunner().invoke(app, ["digest", "outbox"], catch_exceptions=False)
        assert result.exit_code == 0 and "failed" in result.output and "400" in result.output
        assert url not in result.output  # the webhook URL is a secret
        nxt = run_digest(settings, now=MONDAY + timedelta(days=7))
    assert len(log.requests) == 2 and nxt.delivered
    assert "Niet afgeleverde overzichten" in log.requests[1]["json"]["text"]
    text = log.requests[1]["json"]["text"]
    assert "refused the digest \\(400" in text
    assert "overzicht 2026-11-30 t/m 2026-12-14" in text  # covers the undelivered week again
