"""Findings across three syncs: new -> open -> resolved -> reopened; accepted findings stay silent."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from config.errors import SwcError
from config.settings import ReconcileSettings
from reconcile import accept_finding, fingerprint, list_findings, run_reconcile, unaccept_finding
from reconcile.lifecycle import FindingNotFound
from store import open_store
from store.base import metadata
from tests.helpers.records import NOW, days_ago, supplier, sync_records, user

RULES = ["supplier_concept", "invalid_email", "user_of_deleted_organisation"]


def status(report: Any) -> dict[tuple[str, str], str]:
    return {(f.rule, f.subject): f.status for f in report.findings}


def test_three_runs(store_url: str, register: Any) -> None:
    store = open_store(store_url)
    settings = ReconcileSettings()
    s1 = supplier("s1", "Eén", status="concept", created=days_ago(20))
    s2 = supplier("s2", "Twee", status="concept", created=days_ago(20))
    s3 = supplier("s3", "Drie")
    u1 = user("u1", "s3", email="not an address")
    try:
        sync_records(store, [s1, s2, s3, u1])
        first = run_reconcile(store, register, settings, NOW, rules=RULES)
        assert status(first) == {
            ("supplier_concept", "s1"): "new",
            ("supplier_concept", "s2"): "new",
            ("invalid_email", "u1"): "new",
        }
        assert (first.stats.new, first.stats.resolved) == (3, 0)
        with store.transaction() as session:
            accept_finding(session, fingerprint("supplier_concept", "s2")[:8], "waiting for KvK", NOW)

        # run 2: s1 approved, s3 deleted (u1 now belongs to a deleted organisation)
        sync_records(store, [s1.model_copy(update={"status": "actief"}), s2, u1])
        second = run_reconcile(store, register, settings, NOW + timedelta(days=1), rules=RULES)
        assert status(second) == {
            ("supplier_concept", "s2"): "open",
            ("invalid_email", "u1"): "open",
            ("user_of_deleted_organisation", "u1"): "new",
        }
        assert [f.subject for f in second.resolved] == ["s1"]
        assert second.resolved[0].resolved_at == NOW + timedelta(days=1)
        assert {(f.rule, f.subject) for f in second.alerting} == {
            ("invalid_email", "u1"),
            ("user_of_deleted_organisation", "u1"),
        }
        accepted = next(f for f in second.findings if f.subject == "s2")
        assert accepted.accepted and not accepted.alerting and accepted.accepted_reason == "waiting for KvK"

        # run 3: s1 back in concept -> reopened as new; u1 fixed its address
        sync_records(store, [s1, s2, u1.model_copy(update={"email": "u1@example.nl"})])
        third = run_reconcile(store, register, settings, NOW + timedelta(days=2), rules=RULES)
        assert status(third) == {
            ("supplier_concept", "s1"): "new",
            ("supplier_concept", "s2"): "open",
            ("user_of_deleted_organisation", "u1"): "open",
        }
        s1_finding = next(f for f in third.findings if f.subject == "s1")
        assert s1_finding.reopened == 1 and s1_finding.first_seen == NOW and s1_finding.resolved_at is None
        assert third.stats.reopened == 1

        with store.transaction() as session:
            unaccept_finding(session, fingerprint("supplier_concept", "s2"))
            assert all(f.alerting for f in list_findings(session))
            runs = session.execute(sa.text("SELECT count(*) FROM reconcile_run")).scalar_one()
        assert runs == 3
    finally:
        store.close()


def test_disabled_rule_keeps_its_findings(tmp_path: Any, register: Any) -> None:
    store = open_store(f"sqlite:///{tmp_path}/s.sqlite3")
    sync_records(store, [supplier("s1", "Eén", status="concept"), user("u1", "s1", email="bad")])
    run_reconcile(store, register, ReconcileSettings(), NOW, rules=RULES)
    report = run_reconcile(store, register, ReconcileSettings(), NOW, rules=["supplier_concept"])
    assert report.stats.resolved == 0
    with store.transaction() as session:
        assert {f.rule for f in list_findings(session)} >= {"invalid_email", "supplier_concept"}
    store.close()


def test_accept_needs_a_reason_and_a_known_fingerprint(tmp_path: Any) -> None:
    store = open_store(f"sqlite:///{tmp_path}/s.sqlite3")
    with store.transaction() as session:
        with pytest.raises(SwcError, match="reason"):
            accept_finding(session, "abcdef", " ", NOW)
        with pytest.raises(FindingNotFound, match="No finding"):
            accept_finding(session, "abcdef", "ok", NOW)
        with pytest.raises(FindingNotFound, match="too short"):
            unaccept_finding(session, "ab")
    store.close()


def test_migration_matches_table_module(tmp_path: Any) -> None:
    store = open_store(f"sqlite:///{tmp_path}/s.sqlite3")
    inspector = sa.inspect(store.engine)
    for name in ("finding", "reconcile_run"):
        declared = {c.name for c in metadata.tables[name].columns}
        assert {c["name"] for c in inspector.get_columns(name)} == declared
    store.close()
