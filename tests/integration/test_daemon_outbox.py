"""A digest that could not be delivered shows in the daemon's /status and /metrics, from the store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from store import open_store
from store.outbox import NewDigest, mark_failed, save_digest
from swc_beheer.daemon import Daemon, JobSpec
from swc_beheer.metrics import store_metrics

pytestmark = pytest.mark.integration
END = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)


def _digest(channel: str, end: datetime) -> NewDigest:
    return NewDigest(
        idempotency_key=f"{channel}:{end.isoformat()}", channel=channel, kind="slack", lang="nl",
        period_start=end - timedelta(days=7), period_end=end, subject="Overzicht", body_text="t",
        body_html="<p>t</p>", body_md="t", payload={"n": 1}, message_id="<x@example.org>",
    )  # fmt: skip


def test_status_and_metrics_show_the_outbox(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    store = open_store(url)
    failed, _ = save_digest(store, _digest("chat", END), END)
    mark_failed(store, failed.id, END, error="slack: the webhook answered 400 (check webhook_url)")
    save_digest(store, _digest("mail", END), END)  # still pending
    daemon = Daemon([JobSpec("sync:catalogue", 3600, lambda: ("success", "ran"))], port=0,
                    store=store, collectors=[store_metrics(url)])  # fmt: skip
    daemon.start(run_now=False)
    try:
        status = httpx.get(f"http://127.0.0.1:{daemon.port}/status", timeout=10).json()
        metrics = httpx.get(f"http://127.0.0.1:{daemon.port}/metrics", timeout=10).text
    finally:
        daemon.stop()
    assert status["outbox"] == {
        "pending": 1,
        "failed": [{"channel": "chat", "period_end": END.isoformat(),
                    "error": "slack: the webhook answered 400 (check webhook_url)"}],
    }  # fmt: skip
    outbox = {
        sample.labels["status"]: sample.value
        for family in text_string_to_metric_families(metrics)
        if family.name == "swc_digest_outbox"
        for sample in family.samples
    }
    assert outbox == {"pending": 1.0, "sending": 0.0, "delivered": 0.0, "failed": 1.0}
