"""Digest settings become channels only in wiring: secrets stay hidden, gaps are named, the daemon job."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from config.errors import ConfigError
from config.settings import load_settings
from swc_beheer.daemon import build_jobs
from swc_beheer.wiring import build_digest_channels, build_digest_policy

HOOK = "https://hooks.slack.example/services/T000/B000/very-secret-token"


def _env(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, channels: list[dict[str, object]], **extra: str
) -> None:
    monkeypatch.setenv("SWC_STORE__URL", f"sqlite:///{tmp_path / 'store.sqlite3'}")
    monkeypatch.setenv("SWC_CATALOGUE__BASE_URL", "sandbox")  # the daemon needs its remotes named
    monkeypatch.setenv("SWC_GITHUB__BASE_URL", "sandbox")
    monkeypatch.setenv("SWC_DIGEST__CHANNELS", json.dumps(channels))
    for name, value in extra.items():
        monkeypatch.setenv(name, value)


def test_channels_never_show_their_secrets(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    channels = [
        {"name": "chat", "kind": "slack", "webhook_url": HOOK, "language": "en"},
        {"name": "mail", "kind": "email", "recipients": ["a@gemeente.example"]},
    ]
    _env(
        monkeypatch, tmp_path, channels, SWC_DIGEST__SMTP_PASSWORD="smtp-secret-pw", SWC_DIGEST__SMTP_USER="u"
    )
    settings = load_settings()
    built = build_digest_channels(settings)
    shown = repr(settings) + repr(built) + str(settings.model_dump())
    assert "very-secret-token" not in shown and "smtp-secret-pw" not in shown
    assert set(built) == {"chat", "mail"} and built["chat"].kind == "slack"


@pytest.mark.parametrize(
    ("channel", "missing"),
    [
        ({"name": "m", "kind": "email"}, "needs recipients"),
        ({"name": "t", "kind": "teams"}, "needs webhook_url"),
        ({"name": "f", "kind": "file"}, "needs a directory"),
    ],
)
def test_a_channel_missing_its_destination_is_named(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, channel: dict[str, object], missing: str
) -> None:
    _env(monkeypatch, tmp_path, [channel])
    with pytest.raises(ConfigError) as info:
        build_digest_channels(load_settings())
    assert f"SWC_DIGEST__CHANNELS (channel {channel['name']})" in info.value.message
    assert missing in info.value.message


def test_a_bad_schedule_names_the_cron_setting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _env(monkeypatch, tmp_path, [], SWC_DIGEST__CRON="every monday")
    with pytest.raises(ConfigError) as info:
        build_digest_policy(load_settings())
    assert "SWC_DIGEST__CRON='every monday'" in info.value.message


def test_the_daemon_schedules_digest_weekly_only_when_a_channel_is_configured(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _env(monkeypatch, tmp_path, [])
    assert "digest:weekly" not in [job.job_id for job in build_jobs(load_settings())]
    _env(monkeypatch, tmp_path, [{"name": "f", "kind": "file", "directory": str(tmp_path)}],
         SWC_DIGEST__CHECK_INTERVAL_SECONDS="120")  # fmt: skip
    jobs = {job.job_id: job for job in build_jobs(load_settings())}
    assert jobs["digest:weekly"].interval_seconds == 120
