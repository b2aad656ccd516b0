"""store.findings: finding rows and reconcile runs written as told and read back, checked with plain SQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from store import Store, open_store
from store.findings import (
    FindingRow,
    load_finding_statuses,
    load_findings,
    load_findings_by_prefix,
    save_finding_acceptance,
    save_findings,
    save_reconcile_run,
    save_reconcile_run_totals,
)

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
T1 = T0 + timedelta(days=1)


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    s = open_store(store_url)
    yield s
    s.close()


def row(fp: str, rule: str = "r1", step: str = "1.1", status: str = "new", **kw: Any) -> FindingRow:
    return FindingRow(
        fp, rule, f"subject-{fp}", step, "warning", {"name": fp}, [{"kind": "organisation", "id": fp}], 1,
        status, **kw,
    )  # fmt: skip


def raw(store: Store, sql: str) -> list[tuple[Any, ...]]:
    with store.sessions() as session:
        return [tuple(r) for r in session.execute(sa.text(sql))]


def test_inserted_findings_are_new_and_read_back_in_step_rule_subject_order(store: Store) -> None:
    with store.transaction() as session:
        run_id = save_reconcile_run(session, started_at=T0, rules=["r1", "r2"])
        inserted = [row("b" * 40, step="1.2"), row("a" * 40, rule="r2", step="1.1"), row("c" * 40)]
        save_findings(session, inserted=inserted, updated=[], resolved=[], now=T0, run_id=run_id)
    assert raw(
        store, "SELECT fingerprint, status, reopened, last_run_id FROM finding ORDER BY fingerprint"
    ) == [
        ("a" * 40, "new", 0, run_id),
        ("b" * 40, "new", 0, run_id),
        ("c" * 40, "new", 0, run_id),
    ]
    with store.transaction() as session:
        found = load_findings(session)
        assert [(f.step, f.rule, f.fingerprint[0]) for f in found] == [("1.1", "r1", "c"), ("1.1", "r2", "a"),
                                                                       ("1.2", "r1", "b")]  # fmt: skip
        assert found[0].params == {"name": "c" * 40} and found[0].evidence == [
            {"kind": "organisation", "id": "c" * 40}
        ]
        assert found[0].first_seen == T0 and found[0].alerting and not found[0].accepted
        assert load_finding_statuses(session, ["r2"]) == {"a" * 40: "new"}


def test_updates_reopen_and_resolve(store: Store) -> None:
    a, b, c = "a" * 40, "b" * 40, "c" * 40
    with store.transaction() as session:
        save_findings(session, inserted=[row(a), row(b), row(c)], updated=[], resolved=[c], now=T0, run_id=1)
    with store.transaction() as session:
        save_findings(
            session, inserted=[], updated=[row(a, status="open"), row(c, status="new", reopened=True)],
            resolved=[b], now=T1, run_id=2,
        )  # fmt: skip
    got = raw(
        store,
        "SELECT fingerprint, status, reopened, last_run_id, resolved_at IS NULL FROM finding ORDER BY 1",
    )
    assert got == [(a, "open", 0, 2, True), (b, "resolved", 0, 1, False), (c, "new", 1, 2, True)]
    with store.transaction() as session:
        assert [f.fingerprint for f in load_findings(session, statuses=("resolved",))] == [b]
        (resolved,) = load_findings(session, statuses=("resolved",))
        assert resolved.resolved_at == T1 and resolved.last_seen == T0
        assert load_findings(session, statuses=("new", "open"), fingerprints=[c])[0].last_seen == T1


def test_more_fingerprints_resolve_than_one_statement_holds(store: Store) -> None:
    fps = [f"{n:040d}" for n in range(1201)]
    with store.transaction() as session:
        save_findings(session, inserted=[row(fp) for fp in fps], updated=[], resolved=[], now=T0, run_id=None)
    with store.transaction() as session:
        save_findings(session, inserted=[], updated=[], resolved=fps, now=T1, run_id=None)
    assert raw(store, "SELECT status, count(*) FROM finding GROUP BY status") == [("resolved", 1201)]


def test_a_prefix_matches_literally(store: Store) -> None:
    fps = ["abc_ef" + "0" * 34, "abcdef" + "1" * 34, "abcdef" + "2" * 34]
    with store.transaction() as session:
        save_findings(session, inserted=[row(fp) for fp in fps], updated=[], resolved=[], now=T0, run_id=None)
    with store.transaction() as session:
        assert [f.fingerprint for f in load_findings_by_prefix(session, "abc_ef")] == [fps[0]]
        assert len(load_findings_by_prefix(session, "abcdef")) == 2
        assert load_findings_by_prefix(session, "abc%") == []
        assert len(load_findings_by_prefix(session, "abc", limit=5)) == 3


def test_acceptance_is_set_and_withdrawn(store: Store) -> None:
    fp = "d" * 40
    with store.transaction() as session:
        save_findings(session, inserted=[row(fp)], updated=[], resolved=[], now=T0, run_id=None)
        save_finding_acceptance(session, fp, accepted_at=T1, reason="known")
    assert raw(store, "SELECT accepted_reason FROM finding") == [("known",)]
    with store.transaction() as session:
        (found,) = load_findings(session)
        assert found.accepted and found.accepted_at == T1 and not found.alerting
        save_finding_acceptance(session, fp, accepted_at=None, reason=None)
    assert raw(store, "SELECT accepted_at, accepted_reason FROM finding") == [(None, None)]


def test_a_reconcile_run_row_gets_its_totals(store: Store) -> None:
    with store.transaction() as session:
        first = save_reconcile_run(session, started_at=T0, rules=["r1"])
        second = save_reconcile_run(session, started_at=T1, rules=["r1", "r2"])
        save_reconcile_run_totals(session, second, finished_at=T1, total=5, new=2, resolved=1, reopened=1)
    assert second == first + 1
    got = raw(
        store, "SELECT id, total, new, resolved, reopened, finished_at IS NULL FROM reconcile_run ORDER BY id"
    )
    assert got == [(first, 0, 0, 0, 0, True), (second, 5, 2, 1, 1, False)]
