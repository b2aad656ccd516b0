"""The reports' numbers against the sandbox's data file, and the reporting views against the reports.

The tiny sandbox catalogue is served over HTTP, synced into a real store (SQLite and PostgreSQL) and
reconciled. The expected numbers are counted here with plain Python from the dataset's wire objects and
the bundled register's CSV, without any of the report code; the reporting views (docs/reporting.md) are
then checked against the reports' own numbers on the same database.
"""

from __future__ import annotations

import csv
import json
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from config.settings import DEFAULT_JOURNEY, ReconcileSettings
from journey.parser import load_journey
from reconcile import run_reconcile
from reconcile.register import BUNDLED_DIR, Register
from reports.common import ReportOptions
from reports.files import render_files
from reports.findings import build_findings_report, journey_step_titles, load_findings_state
from reports.usage import build_usage_report, compute_usage
from reports.users import build_users_report, compute_users
from sandbox.datagen import generate
from store import Store, open_store
from tests.helpers.sync_checks import sync_dataset

pytestmark = pytest.mark.integration

DATASET = generate(size="tiny")
NOW = datetime.fromisoformat(DATASET.meta["reference_now"])


# ------------------------------------------------------------ independent counting from the wire objects


def _one(value: Any) -> Any:
    """A relation or enum as the wire may carry it: a value, a one-element list, an object, or JSON text."""
    if isinstance(value, str) and value[:1] in '[{"':
        try:
            return _one(json.loads(value))
        except ValueError:
            return value
    if isinstance(value, list):
        return _one(value[0]) if value else None
    if isinstance(value, dict):
        return value.get("id")
    return value


def _low(value: Any) -> str:
    return " ".join(str(_one(value) or "").split()).lower()


def _objects(schema: str) -> list[dict[str, Any]]:
    return DATASET.objects[schema]


def _current_register(today: date) -> list[dict[str, str]]:
    with (BUNDLED_DIR / "gemeenten.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(line for line in handle if not line.startswith("#")))
    return [
        r for r in rows
        if (not r["begindatum"] or r["begindatum"] <= today.isoformat())
        and (not r["einddatum"] or today.isoformat() <= r["einddatum"])
    ]  # fmt: skip


def _expected() -> dict[str, Any]:
    orgs = _objects("organisatie")
    org_type = {o["id"]: _low(o.get("type")) for o in orgs}
    gebruik = _objects("gebruik")
    per_org = Counter(_one(g.get("afnemer")) for g in gebruik)
    supplier_of = {m["id"]: _one(m.get("aanbieder")) for m in _objects("module")}
    municipalities: dict[str, set[str]] = defaultdict(set)
    customers: dict[str, set[str]] = defaultdict(set)
    for g in gebruik:
        org, module = _one(g.get("afnemer")), _one(g.get("module"))
        if org_type.get(org) == "gemeente":
            municipalities[module].add(org)
        if supplier_of.get(module):
            customers[supplier_of[module]].add(org)
    # a gemeente organisation belongs to a register entry by its cbsCode, or by its name when it has none
    # (the planted duplicates share a cbsCode: any of them with gebruik covers the municipality)
    of_code: dict[str, list[str]] = defaultdict(list)
    names = {row["naam_voorkeur"].lower(): row["cbs_code"] for row in _current_register(NOW.date())}
    for o in orgs:
        if org_type[o["id"]] != "gemeente":
            continue
        code = f"GM{int(o['cbsCode']):04d}" if o.get("cbsCode") else names.get(_low(o.get("naam")))
        if code:
            of_code[code].append(o["id"])
    covered = {
        row["cbs_code"] for row in _current_register(NOW.date())
        if any(per_org.get(org) for org in of_code.get(row["cbs_code"], []))
    }  # fmt: skip
    return {
        "totals": {"organisation": len(orgs), "contact": len(_objects("contactpersoon")),
                   "package": len(_objects("module")), "usage": len(gebruik),
                   "koppeling": len(_objects("koppeling"))},
        "types": Counter((org_type[o["id"]], _low(o.get("status"))) for o in orgs),
        "usage_status": Counter(_low(g.get("status")) for g in gebruik),
        "extern": sum(1 for k in _objects("koppeling") if _one(k.get("buitengemeentelijkVoorziening"))),
        "current": len(_current_register(NOW.date())),
        "covered": covered,
        "package_municipalities": {m: len(o) for m, o in municipalities.items()},
        "supplier_customers": {s: len(o) for s, o in customers.items()},
    }  # fmt: skip


# ------------------------------------------------------------ the store


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def synced(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('reports')}/store.sqlite3"
        store = open_store(url)
        cleanup = None
    else:
        url, cleanup = _pg_schema(request)
        store = open_store(url)
    sync_dataset(store, DATASET)
    run_reconcile(store, Register.load(), ReconcileSettings(), NOW)
    yield store
    store.close()
    if cleanup:
        cleanup()


def _pg_schema(request: pytest.FixtureRequest) -> tuple[str, Any]:
    import os
    import uuid

    from tests.conftest import PG_ADMIN_URL, _pg_available

    reason = _pg_available()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    dsn = PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')

    def drop() -> None:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')

    sep = "&" if "?" in PG_ADMIN_URL else "?"
    return f"{PG_ADMIN_URL}{sep}options=-csearch_path%3D{schema}", drop


def _options(**kw: Any) -> ReportOptions:
    return ReportOptions(**{"now": NOW, **kw})


# ------------------------------------------------------------ the usage report against the data file


def test_usage_numbers_match_the_data_file(synced: Store) -> None:
    expected = _expected()
    numbers = compute_usage(synced, Register.load(), as_of=None, today=NOW.date())
    assert numbers.totals == expected["totals"]
    assert numbers.org_type_status == expected["types"]
    assert numbers.usage_status == expected["usage_status"]
    assert numbers.koppelingen["extern"] == expected["extern"]
    assert numbers.koppelingen["intern"] == expected["totals"]["koppeling"] - expected["extern"]
    assert len(numbers.municipalities) == expected["current"] == 342
    assert {m.code for m in numbers.municipalities if m.covered} == expected["covered"]
    assert numbers.package_municipalities == expected["package_municipalities"]
    assert numbers.supplier_customers == expected["supplier_customers"]


def test_usage_report_shows_those_numbers(synced: Store) -> None:
    expected = _expected()
    report = build_usage_report(synced, Register.load(), _options(lang="en"))
    doc = json.loads(str(render_files(report, "json")["usage.json"]))
    assert doc["summary"]["municipalities_covered"]["value"] == len(expected["covered"])
    assert doc["summary"]["usages"]["value"] == expected["totals"]["usage"]
    assert doc["summary"]["active_users"]["value"] is None  # accounts not connected yet: marked, not faked
    provinces = next(t for s in doc["sections"] for t in s["tables"] if t["key"] == "coverage_by_province")
    assert sum(r["municipalities"] for r in provinces["rows"]) == 342
    assert sum(r["with_usage"] for r in provinces["rows"]) == len(expected["covered"])
    growth = next(t for s in doc["sections"] for t in s["tables"] if t["key"] == "growth")
    assert growth["rows"][-1]["usage"] == expected["totals"]["usage"]  # nothing deleted: all exist at the end


def test_usage_as_of_before_the_first_sync_is_empty(synced: Store) -> None:
    numbers = compute_usage(synced, Register.load(), as_of=datetime(2020, 1, 1, tzinfo=UTC), today=NOW.date())
    assert numbers.totals == {"organisation": 0, "contact": 0, "package": 0, "usage": 0, "koppeling": 0}
    now = datetime.now(UTC)
    later = compute_usage(synced, Register.load(), as_of=now, today=now.date())
    assert later.totals == _expected()["totals"]
    # as of now, from the versions, counted in Python = now, counted by the database
    current = compute_usage(synced, Register.load(), as_of=None, today=now.date())
    for name in (
        "usages_per_organisation",
        "usage_status",
        "package_usages",
        "package_municipalities",
        "supplier_customers",
        "koppelingen",
        "municipalities",
    ):
        assert getattr(later, name) == getattr(current, name), name


# ------------------------------------------------------------ users: masking


def test_users_report_masks_names_and_email_addresses(synced: Store) -> None:
    contacts = _objects("contactpersoon")
    emails = {c["e-mailadres"].lower() for c in contacts if "@" in (c.get("e-mailadres") or "")[1:]}
    names = {
        f"{c['voornaam']} {c['achternaam']}" for c in contacts if c.get("voornaam") and c.get("achternaam")
    }
    options = _options(recent_days=10_000)  # everyone is "recent": every user is listed
    masked = build_users_report(synced, options)
    for fmt in ("md", "html", "csv", "json", "xlsx"):
        for content in render_files(masked, fmt).values():  # type: ignore[arg-type]
            text = content.decode("latin-1") if isinstance(content, bytes) else content
            lowered = text.lower()
            assert not any(e in lowered for e in emails), fmt
            assert not any(n in text for n in names), fmt
    shown = build_users_report(synced, _options(recent_days=10_000, show_personal_data=True))
    text = str(render_files(shown, "md")["users.md"]).lower()
    assert sum(1 for e in emails if e in text) > len(emails) // 2


# ------------------------------------------------------------ the reporting views against the reports


def _view(store: Store, name: str) -> list[Any]:
    with store.engine.connect() as conn:
        return list(conn.execute(sa.text(f"SELECT * FROM {name}")).mappings())


def test_views_agree_with_the_reports(synced: Store) -> None:
    numbers = compute_usage(synced, Register.load(), as_of=None, today=NOW.date())
    per_municipality = _view(synced, "report_usage_per_municipality")
    gemeenten = {o for o, kind in ((o, k[0]) for o, k in _org_types(synced).items()) if kind == "gemeente"}
    assert {r["organisation_id"] for r in per_municipality} == gemeenten
    assert {r["organisation_id"]: r["usages"] for r in per_municipality} == {
        o: numbers.usages_per_organisation.get(o, 0) for o in gemeenten
    }
    by_use = _view(synced, "report_packages_by_use")
    assert {r["package_id"]: r["usages"] for r in by_use} == {
        p: numbers.package_usages.get(p, 0) for p in numbers.package_names
    }
    live = {p: n for p, n in numbers.package_municipalities.items() if p in numbers.package_names}
    assert {r["package_id"]: r["municipalities"] for r in by_use if r["municipalities"]} == live
    users = compute_users(synced)
    without = _view(synced, "report_organisations_without_admin")
    assert sorted(r["organisation_id"] for r in without) == sorted(users.without_admin())
    per_org = users.users_per_org()
    assert all(r["users"] == per_org.get(r["organisation_id"], 0) for r in without)
    titles = journey_step_titles([load_journey(DEFAULT_JOURNEY, default_repo="x/y")[0]])
    report = build_findings_report(load_findings_state(synced), _options(lang="en"), titles)
    overview = report.sections[0].tables[0]
    from_report = sum(int(row[4]) for row in overview.rows)  # type: ignore[arg-type]
    per_step = _view(synced, "report_findings_per_step")
    assert sum(r["findings"] for r in per_step) == from_report == len(DATASET.ground_truth)
    severities = Counter({(r["step"], r["severity"]): r["findings"] for r in per_step})
    state = load_findings_state(synced)
    assert severities == Counter((f.step, f.severity) for f in state.findings)


def _org_types(store: Store) -> dict[str, tuple[str]]:
    with store.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT id, type FROM catalogue_organisation WHERE deleted_at IS NULL"))
        return {row[0]: (row[1],) for row in rows}


def test_every_report_writes_every_format(synced: Store, tmp_path: Path) -> None:
    from reports.concepts import build_concepts_report
    from reports.files import write_report_files

    reports = [
        build_usage_report(synced, Register.load(), _options()),
        build_users_report(synced, _options()),
        build_concepts_report(synced, _options(), warn_days=30, duplicate_score=85.0),
    ]
    for report in reports:
        paths = write_report_files(report, tmp_path, ["md", "html", "xlsx", "csv", "json"])
        assert {p.name for p in paths} >= {f"{report.name}.{fmt}" for fmt in ("md", "html", "xlsx", "json")}
    concepts = json.loads((tmp_path / "concepts.json").read_text(encoding="utf-8"))
    planted = {g["subject"] for g in DATASET.ground_truth if g["rule"] == "concept_package"}
    rows = concepts["sections"][0]["tables"][0]["rows"]
    assert len(rows) == len(planted) and all(r["score"] is not None for r in rows)


# ------------------------------------------------------------ as of a moment, from the store's history


def _sync_state(store: Store, state: Any) -> None:
    import asyncio

    from connectors.catalogue import CatalogueClient
    from sandbox.catalogue import create_app
    from sandbox.server import serve_in_thread
    from sync.catalogue_sync import run_catalogue_sync

    with serve_in_thread(create_app(state, users={"u": "p"})) as server:

        async def go() -> Any:
            async with CatalogueClient.connect(server.url, user="u", password="p", page_size=1000) as client:
                return await run_catalogue_sync(store, client)

        assert asyncio.run(go()).status == "success"


def test_usage_as_of_between_two_syncs_shows_the_first(store_url: str) -> None:
    from sandbox.catalogue import CatalogueState

    state = CatalogueState(DATASET)
    store = open_store(store_url)
    try:
        _sync_state(store, state)
        between = datetime.now(UTC)
        gebruik = [g["id"] for g in _objects("gebruik")]
        for object_id in gebruik[:20]:
            state.delete("gebruik", object_id)
        for object_id in gebruik[20:30]:
            state.update("gebruik", object_id, status="Uitgefaseerd")
        _sync_state(store, state)
        register = Register.load()
        before = compute_usage(store, register, as_of=between, today=NOW.date())
        after = compute_usage(store, register, as_of=None, today=NOW.date())
        expected = _expected()
        assert before.totals == expected["totals"] and before.usage_status == expected["usage_status"]
        assert after.totals["usage"] == expected["totals"]["usage"] - 20
        left = _objects("gebruik")[20:]
        assert after.usage_status == Counter(
            "uitgefaseerd" if i < 10 else _low(g.get("status")) for i, g in enumerate(left)
        )
        report = build_usage_report(store, register, _options(now=datetime.now(UTC)))
        growth = next(t for t in report.tables if t.key == "growth")
        assert growth.rows[-1][4] == expected["totals"]["usage"] - 20  # deleted in this month's history
    finally:
        store.close()
