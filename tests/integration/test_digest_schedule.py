"""A simulated month of the daemon's digest tick, the clock moved forward (no sleeping): one per Monday."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from config.settings import Settings, load_settings
from store import open_store
from store.outbox import load_outbox
from swc_beheer.digest_job import digest_job
from tests.helpers.digest_data import seed_findings

pytestmark = pytest.mark.slow

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def _settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    channels = [{"name": "archief", "kind": "file", "directory": str(tmp_path / "digests")}]
    monkeypatch.setenv("SWC_STORE__URL", f"sqlite:///{tmp_path / 'store.sqlite3'}")
    monkeypatch.setenv("SWC_REPORTS_DIR", str(tmp_path / "reports"))
    monkeypatch.setenv("SWC_DIGEST__CHANNELS", json.dumps(channels))
    return load_settings()


def test_a_simulated_month_gives_one_digest_per_monday_each_exactly_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _settings(tmp_path, monkeypatch)
    store = open_store(settings.store.url)
    start = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)  # a Tuesday: a new channel waits for its first Monday
    ticks = [start + timedelta(hours=i) for i in range(31 * 24)]  # the daemon's tick, hourly
    for i, now in enumerate(ticks):
        if i % 24 == 0:  # something changes every day
            seed_findings(store, 2, now - timedelta(minutes=1), evil=False)
        outcome, _ = digest_job(settings, now=now)
        assert outcome == "success"
    rows = load_outbox(store)
    ends = [row.period_end.astimezone(AMSTERDAM) for row in rows]
    assert [e.strftime("%Y-%m-%d %H:%M %a") for e in ends] == [
        "2026-12-07 07:00 Mon",
        "2026-12-14 07:00 Mon",
        "2026-12-21 07:00 Mon",
        "2026-12-28 07:00 Mon",
    ]
    assert {row.status for row in rows} == {"delivered"} and {row.attempts for row in rows} == {1}
    # each period starts where the previous one ended: nothing falls between two digests
    assert all(rows[i].period_start == rows[i - 1].period_end for i in range(1, len(rows)))
    assert [row.payload["findings"]["counts"]["new"] for row in rows] == [14, 14, 14, 14]
    # composed and delivered on the Monday itself, at the tick of 07:00 (06:00 UTC)
    sent = [row.delivered_at.astimezone(AMSTERDAM) for row in rows if row.delivered_at]
    assert [d.strftime("%a %H:%M") for d in sent] == ["Mon 07:00"] * 4
    december = sorted(p.name for p in (tmp_path / "digests").iterdir() if p.suffix == ".html")
    assert december == [
        f"digest-archief-2026-{d}.html" for d in ("12-07", "12-14", "12-21", "12-28")
    ]
