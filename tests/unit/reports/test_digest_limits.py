"""Chat payloads stay within each platform's documented limits for any digest size; the cut says where."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from reports.digest.channels.webhooks import mattermost_payload, slack_payload, teams_payload
from store.outbox import OutboxEntry

T = datetime(2026, 12, 7, 6, tzinfo=UTC)
LONG = "Leverancier met een bijzonder lange naam " * 12  # ~500 characters of catalogue text


def _huge_payload() -> dict[str, Any]:
    steps = [
        {"step": f"{i}.1", "title": f"{i}.1 Stap", "new": 50, "resolved": 0, "reopened": 0,
         "counts_text": "50 nieuw, 0 opgelost, 0 heropend", "more": 0, "more_text": "",
         "top": [{"kind": "new", "kind_label": "nieuw", "severity": "error", "severity_label": "fout",
                  "text": f"{LONG} {j}"} for j in range(50)]}
        for i in range(60)
    ]  # fmt: skip
    return {
        "version": 1, "lang": "nl", "channel": "c", "nothing_new": False,
        "period": {"start": "2026-11-30T06:00:00+00:00", "end": T.isoformat()},
        "numbers": {}, "headline": [{"key": "packages", "label": "Pakketten", "value": 5, "delta": 1}],
        "findings": {"counts": {"new": 3000, "resolved": 0, "reopened": 0}, "alerting": 3000, "steps": steps},
        "journey": {"steps": [], "issues": []},
        "catalogue": {k: {"count": 0, "text": k, "names": []}
                      for k in ("new_organisations", "suppliers_waiting", "new_concept_packages")}
        | {"deletions": {}, "deletions_text": "", "held_deletions": {}, "held_deletions_text": ""},
        "failed": [], "links": [{"title": "rapport", "href": "https://beheer.example/rapporten/reconcile.html"}],
    }  # fmt: skip


def _entry() -> OutboxEntry:
    return OutboxEntry(
        idempotency_key="c:2026-11-30/2026-12-07", channel="c", kind="slack", lang="nl", period_start=T,
        period_end=T, subject="Softwarecatalogus: overzicht", body_text="", body_html="", body_md="",
        payload=_huge_payload(), message_id="<m@x>", id=1, status="sending", attempts=0, next_attempt=T,
        last_error=None, created_at=T, updated_at=T, delivered_at=None,
    )  # fmt: skip


POINTER = "https://beheer.example/rapporten/reconcile.html"


def test_teams_card_is_cut_below_28_kb_with_a_pointer() -> None:
    payload = teams_payload(_entry())
    text = json.dumps(payload, ensure_ascii=False)
    assert len(text.encode()) <= 28 * 1024
    assert "ingekort" in text and POINTER in text
    assert payload["attachments"][0]["content"]["body"][-1]["text"].startswith("Verstuurd door swc-beheer")


def test_slack_blocks_and_sections_are_cut_within_limits_with_a_pointer() -> None:
    payload = slack_payload(_entry())
    assert len(payload["blocks"]) <= 50
    sections = [b["text"]["text"] for b in payload["blocks"] if b["type"] == "section"]
    assert all(len(s) <= 3000 for s in sections)
    assert any("ingekort" in s and POINTER in s for s in sections)


def test_mattermost_post_is_cut_within_16383_characters_with_a_pointer() -> None:
    text = mattermost_payload(_entry())["text"]
    assert len(text) <= 16383 and "ingekort" in text and POINTER in text
    assert text.rstrip().endswith("2026-12-07_")  # the footer with the digest's key survives the cut
