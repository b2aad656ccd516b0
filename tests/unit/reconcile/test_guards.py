"""Guards around reconciliation: no findings before a full sync; fingerprint prefixes are literal."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from config import SwcError
from config.settings import ReconcileSettings
from reconcile import accept_finding, run_reconcile
from reconcile.lifecycle import FindingNotFound
from reconcile.register import Register
from store import open_store
from tests.helpers.records import gemeente, supplier, sync_records


def test_reconcile_refuses_a_store_without_a_full_sync(tmp_path: Path, register: Register) -> None:
    store = open_store(f"sqlite:///{tmp_path}/empty.sqlite3")
    try:
        with pytest.raises(SwcError) as info:
            run_reconcile(store, register, ReconcileSettings(), datetime.now(UTC))
        assert "sync --full" in (info.value.hint or "")
        with store.sessions() as session:
            assert (
                session.execute(sa.text("SELECT count(*) FROM finding")).scalar_one()
                == 0
            )
    finally:
        store.close()


def test_fingerprint_wildcards_match_only_themselves(tmp_path: Path, register: Register) -> None:
    store = open_store(f"sqlite:///{tmp_path}/one.sqlite3")
    try:
        sync_records(
            store,
            [
                gemeente("00000000-0000-4000-8000-000000000001", "Utrecht", 344),
                supplier("00000000-0000-4000-8000-000000000002", "Leverancier BV", status="Concept"),
            ],
        )
        report = run_reconcile(store, register, ReconcileSettings(), datetime.now(UTC))
        assert report.findings  # there is something a wildcard could wrongly match
        with store.transaction() as session:
            for pattern in ("______", "%%%%%%", "_%_%_%"):
                with pytest.raises(FindingNotFound):
                    accept_finding(session, pattern, "wildcards are not prefixes", datetime.now(UTC))
            first = report.findings[0].fingerprint
            assert accept_finding(session, first[:8], "a real prefix", datetime.now(UTC)).fingerprint == first
    finally:
        store.close()
