"""Composing a digest from the store (SQLite and PostgreSQL): findings, journey, catalogue, deltas."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from reports.digest.compose import ComposeOptions, compose_payload
from store import Store, open_store
from store.catalogue_tables import catalogue_version, held_deletion
from store.findings_tables import finding
from store.journey_tables import journey_issue_history, journey_step_history

START = datetime(2026, 11, 30, 6, tzinfo=UTC)
END = datetime(2026, 12, 7, 6, tzinfo=UTC)
IN = START + timedelta(days=2)
BEFORE = START - timedelta(days=3)


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    s = open_store(store_url)
    yield s
    s.close()


def _finding(subject: str, **values: Any) -> dict[str, Any]:
    row = {
        "fingerprint": subject.ljust(40, "0")[:40],
        "rule": "supplier_concept",
        "subject": subject,
        "step": "1.1",
        "severity": "warning",
        "status": "new",
        "params": {"name": subject, "days": 3},
        "evidence": [],
        "evidence_total": 0,
        "first_seen": IN,
        "last_seen": IN,
        "resolved_at": None,
        "reopened": 0,
        "accepted_at": None,
        "accepted_reason": None,
        "last_run_id": 1,
    }
    return {**row, **values}


def _seed(store: Store) -> None:
    findings = [
        _finding("new-a"),
        _finding("new-b", step="3.1", severity="error"),
        _finding("gone", status="resolved", first_seen=BEFORE, resolved_at=IN),
        _finding("back", status="new", reopened=1, first_seen=BEFORE),
        _finding("old", status="open", first_seen=BEFORE),
        _finding("later", first_seen=END + timedelta(hours=1), last_seen=END + timedelta(hours=1)),
    ]
    with store.transaction() as session:
        session.execute(sa.insert(finding), findings)
        session.execute(
            sa.insert(journey_step_history),
            [
                {
                    "journey": "klantreis",
                    "step": "1.1",
                    "old_status": "open",
                    "new_status": "done",
                    "changed_at": IN,
                },
                {
                    "journey": "klantreis",
                    "step": "1.2",
                    "old_status": "open",
                    "new_status": "done",
                    "changed_at": BEFORE,
                },
            ],
        )
        session.execute(
            sa.insert(journey_issue_history),
            [
                {
                    "repo": "vng-realisatie/softwarecatalogus",
                    "number": 75,
                    "field": "state",
                    "old_value": "open",
                    "new_value": "closed",
                    "changed_at": IN,
                },
                {
                    "repo": "vng-realisatie/softwarecatalogus",
                    "number": 140,
                    "field": "fetch_state",
                    "old_value": "ok",
                    "new_value": "deleted",
                    "changed_at": IN,
                },
                {
                    "repo": "vng-realisatie/softwarecatalogus",
                    "number": 76,
                    "field": "labels",
                    "old_value": "[]",
                    "new_value": '["x"]',
                    "changed_at": IN,
                },
            ],
        )
        session.execute(
            sa.insert(held_deletion),
            [{"entity_type": "package", "id": f"p{i}", "run_id": 1} for i in range(3)],
        )
        session.execute(
            sa.insert(catalogue_version),
            [
                {
                    "entity_type": "organisation",
                    "id": "o1",
                    "version_no": 2,
                    "run_id": 1,
                    "valid_from": IN,
                    "change": "deleted",
                    "content_hash": None,
                    "raw": None,
                },
            ],
        )


def test_a_digest_tells_what_changed_in_its_period_only(store: Store) -> None:
    _seed(store)
    p = compose_payload(
        store, channel="c", start=START, end=END, options=ComposeOptions(), previous=None, failed=[]
    )
    assert p["findings"]["counts"] == {"new": 2, "resolved": 1, "reopened": 1}
    assert p["findings"]["alerting"] == 5  # new-a, new-b, back, old, later: new or open and not accepted
    steps = {s["step"]: s for s in p["findings"]["steps"]}
    assert (steps["1.1"]["new"], steps["1.1"]["resolved"], steps["1.1"]["reopened"]) == (1, 1, 1)
    assert steps["3.1"]["top"][0]["text"] == "Leverancier new-b wacht al 3 dagen in status Concept."
    assert [c["text"] for c in p["journey"]["steps"]] == ["Stap 1.1: open → done"]
    assert [c["text"] for c in p["journey"]["issues"]] == [
        "vng-realisatie/softwarecatalogus#75 gesloten",
        "vng-realisatie/softwarecatalogus#140 verdwenen (deleted)",
    ]
    assert p["catalogue"]["deletions_text"] == "Verwijderd: 1 organisaties"
    assert p["catalogue"]["held_deletions"] == {"package": 3}
    assert p["nothing_new"] is False
    assert [h["delta"] for h in p["headline"]] == [None, None, None, None]  # no previous digest


def test_headline_numbers_show_the_change_since_the_previous_digest(store: Store) -> None:
    from store.outbox import OutboxEntry

    previous = OutboxEntry(
        idempotency_key="k",
        channel="c",
        kind="file",
        lang="nl",
        period_start=BEFORE,
        period_end=START,
        subject="",
        body_text="",
        body_html="",
        body_md="",
        message_id="<m@x>",
        id=1,
        status="delivered",
        attempts=1,
        next_attempt=START,
        last_error=None,
        created_at=START,
        updated_at=START,
        delivered_at=START,
        payload={
            "numbers": {
                "municipalities_with_landscape": 0,
                "active_users": 2,
                "packages": 0,
                "alerting_findings": 7,
            }
        },
    )
    p = compose_payload(
        store,
        channel="c",
        start=START,
        end=END,
        options=ComposeOptions(lang="en"),
        previous=previous,
        failed=[],
    )
    assert {h["key"]: h["delta"] for h in p["headline"]} == {
        "municipalities_with_landscape": 0,
        "active_users": -2,
        "packages": 0,
        "alerting_findings": -7,
    }
    assert p["headline"][1]["label"] == "Active users"
