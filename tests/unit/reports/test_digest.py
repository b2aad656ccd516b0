"""Digests without sockets: a simulated month of ticks, the file channel, inert HTML/Markdown, masking."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from config.settings import Settings, load_settings
from reports.digest.mask import mask_personal
from store import open_store
from store.outbox import load_outbox
from swc_beheer.digest_job import digest_job, preview_digest
from tests.helpers.digest_data import seed_findings

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def _settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **extra: str) -> Settings:
    channels = [{"name": "archief", "kind": "file", "directory": str(tmp_path / "digests")}]
    monkeypatch.setenv("SWC_STORE__URL", f"sqlite:///{tmp_path / 'store.sqlite3'}")
    monkeypatch.setenv("SWC_REPORTS_DIR", str(tmp_path / "reports"))
    monkeypatch.setenv("SWC_DIGEST__CHANNELS", json.dumps(channels))
    for name, value in extra.items():
        monkeypatch.setenv(name, value)
    return load_settings()


def test_quiet_weeks_give_one_line_or_nothing_by_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monday = datetime(2026, 12, 7, 6, 30, tzinfo=UTC)
    settings = _settings(tmp_path, monkeypatch)
    digest_job(settings, now=monday)
    [row] = load_outbox(open_store(settings.store.url))
    assert row.subject == "Softwarecatalogus: niets nieuws (2026-11-30 t/m 2026-12-07)"
    assert row.body_text.startswith("Niets nieuws in de Softwarecatalogus sinds 2026-11-30.")
    skip = _settings(tmp_path / "skip", monkeypatch, SWC_DIGEST__NOTHING_NEW="skip")
    digest_job(skip, now=monday)
    assert load_outbox(open_store(skip.store.url)) == []


def test_html_and_markdown_files_keep_catalogue_text_inert(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _settings(tmp_path, monkeypatch)
    store = open_store(settings.store.url)
    seed_findings(store, 3, datetime(2026, 12, 3, tzinfo=UTC))  # names "<script>… @channel <!here> [klik](…)"
    digest_job(settings, now=datetime(2026, 12, 7, 6, 30, tzinfo=UTC))
    html = (tmp_path / "digests" / "digest-archief-2026-12-07.html").read_text()
    md = (tmp_path / "digests" / "digest-archief-2026-12-07.md").read_text()
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<!here>" not in html and 'href="http://evil.example"' not in html
    assert 'src="data:image/png;base64,' in html  # the chart, embedded
    assert "<script>" not in md and "[klik](http" not in md and "@channel" not in md
    assert "\\<script\\>" in md and "\\[klik\\]" in md


def test_preview_in_english_names_the_period_and_the_new_findings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _settings(tmp_path, monkeypatch, SWC_LANGUAGE="en")
    store = open_store(settings.store.url)
    seed_findings(store, 4, datetime(2026, 12, 8, tzinfo=UTC), evil=False)
    text = preview_digest(settings, None, "text", now=datetime(2026, 12, 9, tzinfo=UTC))
    assert text.startswith("What changed\nPeriod: 2026-12-07 to 2026-12-09\n")
    assert "Findings: 4 new, 0 resolved, 0 reopened" in text
    assert load_outbox(store) == []  # a preview stores nothing


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("Gebruiker jan.jansen@gemeente.nl heeft", "Gebruiker j***@gemeente.nl heeft"),
        ("bel 06-12345678 of +31 20 1234567", "bel *** of ***"),
        ("GM0363 en KvK 12345678 blijven", "GM0363 en KvK 12345678 blijven"),
    ],
)
def test_personal_data_is_masked(raw: str, masked: str) -> None:
    assert mask_personal(raw) == masked


def test_user_findings_show_initials_not_names() -> None:
    from reports.digest.mask import mask_person_params

    params = {"name": "Willemijn de Willems", "email": "willemijn@@gemeente", "organisation": "Tiel"}
    assert mask_person_params("invalid_email", params) == {
        "name": "W. d. W.",
        "email": "w***",
        "organisation": "Tiel",
    }
    assert mask_person_params("supplier_concept", {"name": "Acme B.V."}) == {"name": "Acme B.V."}


def test_a_failed_delivery_makes_the_daemon_job_partial_and_names_the_channel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "digests").write_text("a file where the folder should be")
    settings = _settings(tmp_path, monkeypatch)
    outcome, message = digest_job(settings, now=datetime(2026, 12, 7, 6, 30, tzinfo=UTC))
    assert outcome == "partial"  # /status shows it
    assert "1 failed; archief: Cannot write" in message
    [row] = load_outbox(open_store(settings.store.url))
    assert (row.status, row.attempts) == ("failed", 1)
