"""run_catalogue_sync against an in-memory client: change detection, history, deletions, brake, atomicity."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from connectors.catalogue_models import ENTITY_TYPES
from store import Store, open_store
from store.catalogue_tables import (
    ENTITY_TABLES,
    as_of,
    catalogue_version,
    held_deletion,
    iter_stored,
    sync_run,
    sync_run_stats,
    sync_skipped,
)
from store.runs import SyncAborted, run_lock, utcnow
from sync import catalogue_sync
from sync.catalogue_sync import run_catalogue_sync
from sync.content_hash import content_hash
from sync.run_report import RunReport
from tests.helpers.catalogue_fakes import FakeCatalogue, FakeClient, Skip


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    s = open_store(store_url)
    yield s
    s.close()


@pytest.fixture
def catalogue() -> FakeCatalogue:
    cat = FakeCatalogue()
    gemeenten = [cat.add("organisation", naam=f"Gemeente {i}", type="Gemeente", cbs=i) for i in range(1, 31)]
    cat.add(
        "organisation", naam="Samenwerking", type="Samenwerking", deelnemers=[g["id"] for g in gemeenten[:3]]
    )
    packages = [cat.add("package", naam=f"Pakket {i}") for i in range(25)]
    for i in range(40):
        cat.add(
            "usage", afnemer=gemeenten[i % 30]["id"], module=packages[i % 25]["id"], status="In productie"
        )
    for i in range(5):
        cat.add("contact", email=f"user{i}@example.nl", rollen=["Functioneel-beheerder"])
    return cat


def sync(store: Store, client: FakeClient, **kw: Any) -> RunReport:
    return asyncio.run(run_catalogue_sync(store, client, **kw))


def stored(store: Store, entity: str, *, include_deleted: bool = False) -> dict[str, Any]:
    with store.sessions() as session:
        return {s.record.id: s for s in iter_stored(session, entity, include_deleted=include_deleted)}  # type: ignore[arg-type]


def hashes(store: Store) -> dict[str, dict[str, tuple[str, Any]]]:
    out = {}
    with store.sessions() as session:
        for entity, table in ENTITY_TABLES.items():
            out[entity] = {
                r.id: (r.content_hash, r.deleted_at)
                for r in session.execute(sa.select(table.c.id, table.c.content_hash, table.c.deleted_at))
            }
    return out


def count(store: Store, table: sa.Table, *where: Any) -> int:
    with store.sessions() as session:
        return int(session.execute(sa.select(sa.func.count()).select_from(table).where(*where)).scalar_one())


def test_full_sync_stores_every_record_typed(store: Store, catalogue: FakeCatalogue) -> None:
    report = sync(store, FakeClient(catalogue))
    assert report.status == "success" and report.exit_code == 0 and report.ok
    for entity, objects in catalogue.objects.items():
        assert report.stats[entity].new == len(objects)
        rows = stored(store, entity)
        assert set(rows) == set(objects)
        for oid, obj in objects.items():
            assert rows[oid].record.raw == obj
            assert rows[oid].deleted_at is None
    coop = next(o for o in catalogue.objects["organisation"].values() if o["type"] == "Samenwerking")
    assert stored(store, "organisation")[coop["id"]].record.members == tuple(coop["deelnemers"])
    assert count(store, catalogue_version) == sum(len(o) for o in catalogue.objects.values())
    with store.sessions() as session:
        run = session.execute(sa.select(sync_run)).one()
    assert run.status == "success" and run.finished is not None and run.requests == report.requests > 0


def test_second_run_without_changes_writes_no_history(store: Store, catalogue: FakeCatalogue) -> None:
    first = sync(store, FakeClient(catalogue))
    versions = count(store, catalogue_version)
    before = stored(store, "usage")
    second = sync(store, FakeClient(catalogue))
    assert second.status == "success"
    assert all(s.new == s.changed == s.deleted == 0 for s in second.stats.values())
    assert {e: s.unchanged for e, s in second.stats.items()} == {e: s.new for e, s in first.stats.items()}
    assert count(store, catalogue_version) == versions
    after = stored(store, "usage")
    assert all(
        after[i].last_seen > before[i].last_seen and after[i].changed_at == before[i].changed_at
        for i in after
    )


def test_volatile_self_fields_do_not_count_as_change(store: Store, catalogue: FakeCatalogue) -> None:
    sync(store, FakeClient(catalogue))
    obj = next(iter(catalogue.objects["package"].values()))
    obj["@self"] = {
        **obj["@self"],
        "updated": catalogue.tick(),
        "version": "0.0.9",
        "size": "1234",
        "description": 77,
    }
    report = sync(store, FakeClient(catalogue))
    assert report.stats["package"].changed == 0


def test_mutations_are_exactly_new_changed_deleted_restored(store: Store, catalogue: FakeCatalogue) -> None:
    sync(store, FakeClient(catalogue))
    usage_ids = list(catalogue.objects["usage"])
    catalogue.update("usage", usage_ids[0], status="Uit te faseren")
    gone = catalogue.delete("usage", usage_ids[1])
    added = catalogue.add("usage", afnemer="x", module="y", status="Gepland")
    report = sync(store, FakeClient(catalogue))
    s = report.stats["usage"]
    assert (s.new, s.changed, s.deleted, s.restored) == (1, 1, 1, 0)
    rows = stored(store, "usage", include_deleted=True)
    assert rows[gone["id"]].deleted_at is not None and rows[added["id"]].deleted_at is None
    assert rows[usage_ids[0]].record.raw["status"] == "Uit te faseren"

    catalogue.objects["usage"][gone["id"]] = gone
    again = sync(store, FakeClient(catalogue))
    assert again.stats["usage"].restored == 1 and again.stats["usage"].deleted == 0
    with store.sessions() as session:
        changes = (
            session.execute(
                sa.select(catalogue_version.c.change)
                .where(catalogue_version.c.id == gone["id"])
                .order_by(catalogue_version.c.version_no)
            )
            .scalars()
            .all()
        )
    assert changes == ["new", "deleted", "restored"]


def test_as_of_returns_the_state_at_a_moment(store: Store, catalogue: FakeCatalogue) -> None:
    first = sync(store, FakeClient(catalogue))
    pid = next(iter(catalogue.objects["package"]))
    catalogue.update("package", pid, naam="Nieuwe naam")
    second = sync(store, FakeClient(catalogue))
    with store.sessions() as session:
        at_first = {v.id: v for v in as_of(session, "package", first.finished)}  # type: ignore[arg-type]
        at_second = {v.id: v for v in as_of(session, "package", second.finished)}  # type: ignore[arg-type]
        before = list(as_of(session, "package", first.started - timedelta(seconds=1)))
    assert at_first[pid].raw["naam"] == "Pakket 0" and at_second[pid].raw["naam"] == "Nieuwe naam"
    assert before == []
    assert set(at_second) == set(catalogue.objects["package"])


def test_as_of_follows_change_delete_and_restore(store: Store, catalogue: FakeCatalogue) -> None:
    """Each version stays readable; raw is written once per version (the current one by reference)."""
    pid, other = list(catalogue.objects["package"])[:2]
    runs = [sync(store, FakeClient(catalogue))]
    catalogue.update("package", pid, naam="Tweede naam")
    runs.append(sync(store, FakeClient(catalogue)))
    gone = catalogue.delete("package", pid)
    runs.append(sync(store, FakeClient(catalogue)))
    catalogue.objects["package"][pid] = {**gone, "naam": "Derde naam"}
    runs.append(sync(store, FakeClient(catalogue)))
    assert [r.stats["package"].changed + r.stats["package"].restored for r in runs] == [0, 1, 0, 1]

    with store.sessions() as session:
        seen = [
            {v.id: v.raw["naam"] for v in as_of(session, "package", run.finished)}  # type: ignore[arg-type]
            for run in runs
        ]
        stored_raw = dict(
            session.execute(
                sa.select(catalogue_version.c.version_no, catalogue_version.c.raw).where(
                    catalogue_version.c.id == pid
                )
            ).all()
        )
    assert [names.get(pid) for names in seen] == ["Pakket 0", "Tweede naam", None, "Derde naam"]
    assert all(other in names for names in seen)
    # replaced versions hold their own raw; the deletion marker and the current version hold none
    assert stored_raw[1]["naam"] == "Pakket 0" and stored_raw[2]["naam"] == "Tweede naam"
    assert stored_raw[3] is None and stored_raw[4] is None


def test_deletion_brake_holds_a_large_shrink_until_confirmed(store: Store, catalogue: FakeCatalogue) -> None:
    sync(store, FakeClient(catalogue))
    ids = list(catalogue.objects["usage"])
    for oid in ids[:12]:  # 30% of 40
        catalogue.delete("usage", oid)
    held = sync(store, FakeClient(catalogue))
    assert held.status == "partial" and held.exit_code == 3
    assert held.stats["usage"].held_deletions == 12 and held.stats["usage"].deleted == 0
    assert held.held_total == 12 and {h.id for h in held.held} == set(ids[:12])
    assert len(stored(store, "usage")) == 40
    confirmed = sync(store, FakeClient(catalogue), confirm_deletions=True)
    assert confirmed.status == "success" and confirmed.stats["usage"].deleted == 12
    assert set(stored(store, "usage")) == set(ids[12:])
    assert count(store, held_deletion) == 0


def test_small_deletion_passes_the_brake(store: Store, catalogue: FakeCatalogue) -> None:
    sync(store, FakeClient(catalogue))
    catalogue.delete("usage", next(iter(catalogue.objects["usage"])))  # 1 of 40 = 2.5% < 5%
    report = sync(store, FakeClient(catalogue))
    assert report.status == "success" and report.stats["usage"].deleted == 1


def test_incomplete_listing_never_deletes(store: Store, catalogue: FakeCatalogue) -> None:
    sync(store, FakeClient(catalogue))
    catalogue.delete("package", next(iter(catalogue.objects["package"])))
    report = sync(store, FakeClient(catalogue, incomplete=frozenset({"package"})))
    assert report.status == "partial" and report.incomplete == ["package"]
    assert report.stats["package"].deleted == 0 and report.stats["package"].complete is False
    assert len(stored(store, "package")) == 25


def test_incremental_uses_the_watermark_and_never_deletes(store: Store, catalogue: FakeCatalogue) -> None:
    sync(store, FakeClient(catalogue))
    newest = max(o["@self"]["updated"] for o in catalogue.objects["usage"].values())
    uid = next(iter(catalogue.objects["usage"]))
    catalogue.delete("usage", list(catalogue.objects["usage"])[-1])
    catalogue.update("usage", uid, status="Gepland")
    client = FakeClient(catalogue)
    report = sync(store, client, mode="incremental", overlap=timedelta(0))
    assert client.since_seen["usage"] is not None and client.since_seen["usage"].isoformat() == newest
    assert report.mode == "incremental" and report.stats["usage"].changed == 1
    assert report.stats["usage"].deleted == 0 and report.stats["usage"].complete is None
    assert len(stored(store, "usage")) == 40


def test_skipped_records_are_kept_and_make_the_run_partial(store: Store, catalogue: FakeCatalogue) -> None:
    client = FakeClient(
        catalogue, skipped={"contact": [Skip("not-a-uuid", "id is not a uuid"), Skip(None, "no id")]}
    )
    report = sync(store, client)
    assert report.status == "partial" and report.skipped_total == 2
    assert {(s.id, s.reason) for s in report.skipped} == {("not-a-uuid", "id is not a uuid"), (None, "no id")}
    assert count(store, sync_skipped, sync_skipped.c.run_id == report.run_id) == 2


def test_failed_run_leaves_the_store_as_the_last_run_left_it(store: Store, catalogue: FakeCatalogue) -> None:
    sync(store, FakeClient(catalogue))
    before = hashes(store)
    versions = count(store, catalogue_version)
    for oid in list(catalogue.objects["organisation"])[:3]:
        catalogue.update("organisation", oid, naam="Gewijzigd")
    catalogue.add("package", naam="Nieuw")
    failed = sync(store, FakeClient(catalogue, fail_at=("usage", 2)))
    assert failed.status == "failed" and failed.exit_code == 1
    assert failed.error and "503" in failed.error and "Traceback" not in failed.error
    assert hashes(store) == before and count(store, catalogue_version) == versions
    assert count(store, sync_run_stats, sync_run_stats.c.run_id == failed.run_id) == 0
    with store.sessions() as session:
        assert (
            session.execute(sa.select(sync_run.c.status).where(sync_run.c.id == failed.run_id)).scalar_one()
            == "failed"
        )
    after = sync(store, FakeClient(catalogue))
    assert (
        after.status == "success"
        and after.stats["organisation"].changed == 3
        and after.stats["package"].new == 1
    )


@pytest.mark.parametrize("failing", [3, 6], ids=["middle-page", "last-page"])  # 40 usage, pages of 7
def test_a_store_error_on_a_page_being_written_rolls_the_run_back(
    store: Store, catalogue: FakeCatalogue, monkeypatch: pytest.MonkeyPatch, failing: int
) -> None:
    """Pages are written while the next one is prepared: a write that fails midway still fails the run."""
    sync(store, FakeClient(catalogue))
    before, versions = hashes(store), count(store, catalogue_version)
    for oid in list(catalogue.objects["usage"])[:20]:
        catalogue.update("usage", oid, status="Gepland")
    saves: list[str] = []
    real_save = catalogue_sync.save_prepared

    def failing_save(run: Any, page: Any, stats: Any) -> Any:
        saves.append(page.entity)
        if page.entity == "usage" and saves.count("usage") == failing:
            raise sa.exc.OperationalError("INSERT", {}, Exception("disk I/O error"))
        return real_save(run, page, stats)

    monkeypatch.setattr(catalogue_sync, "save_prepared", failing_save)
    with pytest.raises(sa.exc.OperationalError):  # not ours to word: the CLI reports store errors
        sync(store, FakeClient(catalogue))
    assert saves.count("usage") == failing  # the run stopped at the failing page
    with store.sessions() as session:
        status, error = session.execute(
            sa.select(sync_run.c.status, sync_run.c.error).order_by(sync_run.c.id.desc()).limit(1)
        ).one()
    assert status == "failed" and "disk I/O error" in error
    assert hashes(store) == before and count(store, catalogue_version) == versions
    monkeypatch.setattr(catalogue_sync, "save_prepared", real_save)
    assert sync(store, FakeClient(catalogue)).stats["usage"].changed == 20


def test_a_run_left_running_is_marked_interrupted(store: Store, catalogue: FakeCatalogue) -> None:
    sync(store, FakeClient(catalogue))
    with store.transaction() as session:
        stale = session.execute(
            sa.insert(sync_run)
            .values(mode="full", started=utcnow(), status="running")
            .returning(sync_run.c.id)
        ).scalar_one()
    report = sync(store, FakeClient(catalogue))
    assert report.status == "success"
    with store.sessions() as session:
        assert (
            session.execute(sa.select(sync_run.c.status).where(sync_run.c.id == stale)).scalar_one()
            == "interrupted"
        )


def test_second_concurrent_run_is_aborted(store: Store, catalogue: FakeCatalogue) -> None:
    with run_lock(store, "catalogue"):
        with pytest.raises(SyncAborted) as info:
            sync(store, FakeClient(catalogue))
    assert "Another catalogue sync" in info.value.message
    assert sync(store, FakeClient(catalogue)).status == "success"  # the lock was released


def test_postgresql_stores_in_two_schemas_sync_independently(pg_url: str, catalogue: FakeCatalogue) -> None:
    import psycopg

    from tests.conftest import PG_ADMIN_URL

    other_schema = f"t_{uuid.uuid4().hex[:12]}"
    dsn = PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{other_schema}"')
    first, second = open_store(pg_url), open_store(pg_url.rsplit("%3D", 1)[0] + f"%3D{other_schema}")
    try:
        with run_lock(first, "catalogue"):
            # the other schema's store is not blocked by this one's lock...
            assert sync(second, FakeClient(catalogue)).status == "success"
            # ...while a second store on the same schema still is
            same = open_store(pg_url)
            try:
                with pytest.raises(SyncAborted):
                    sync(same, FakeClient(catalogue))
            finally:
                same.close()
    finally:
        first.close()
        second.close()
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{other_schema}" CASCADE')


def test_the_run_ends_after_its_data_commit(store: Store, catalogue: FakeCatalogue) -> None:
    # the data transaction commits after recording the final status; a slow commit (a large WAL checkpoint)
    # is part of the run the user waited for
    marks: dict[str, Any] = {}

    def watch(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.startswith("UPDATE sync_run SET") and "status=" in statement:
            marks["final_status"] = True

    def slow_commit(conn: Any) -> None:
        if marks.pop("final_status", False):
            time.sleep(0.2)
            marks["committed"] = utcnow()

    sa.event.listen(store.engine, "before_cursor_execute", watch)
    sa.event.listen(store.engine, "commit", slow_commit)
    try:
        report = sync(store, FakeClient(catalogue))
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", watch)
        sa.event.remove(store.engine, "commit", slow_commit)
    assert report.status == "success" and report.finished is not None
    assert report.finished >= marks["committed"]
    with store.sessions() as session:
        recorded = session.execute(
            sa.select(sync_run.c.finished).where(sync_run.c.id == report.run_id)
        ).scalar_one()
    assert recorded == report.finished


def test_progress_reports_each_entity(store: Store, catalogue: FakeCatalogue) -> None:
    seen: dict[str, int] = {}
    sync(store, FakeClient(catalogue), progress=lambda e, done, total: seen.__setitem__(e, done))
    assert seen == {e: len(catalogue.objects.get(e, {})) for e in ENTITY_TYPES}


def test_content_hash_ignores_volatile_and_empty_values() -> None:
    base = {
        "id": "a",
        "naam": "X",
        "lijst": [1, 2],
        "@self": {"id": "a", "updated": "2026-01-01", "deleted": None},
    }
    same = {
        "naam": "X",
        "id": "a",
        "lijst": [1, 2],
        "leeg": None,
        "ook": "",
        "niets": [],
        "@self": {
            "updated": "2027-01-01",
            "version": "0.0.2",
            "size": "99",
            "description": 12,
            "register": "3",
        },
    }
    assert content_hash(base) == content_hash(same)
    assert content_hash(base) != content_hash({**base, "naam": "Y"})
    assert content_hash(base) != content_hash({**base, "lijst": [2, 1]})
    assert content_hash(base) != content_hash({**base, "@self": {"deleted": {"deletedBy": "admin"}}})
    assert content_hash(base) != content_hash({**base, "@self": {"organisation": "other-tenant"}})


def test_organisations_without_users_or_usage_look_like_missing_rights(store: Store) -> None:
    """RBAC answers 200 with filtered rows: without rights one sees organisations but no users or usage."""
    from rich.console import Console

    from swc_beheer.summary import render_run_summary
    from sync.run_report import RIGHTS_CHECK_MIN_ORGANISATIONS

    cat = FakeCatalogue()
    for i in range(RIGHTS_CHECK_MIN_ORGANISATIONS):
        cat.add("organisation", naam=f"Gemeente {i}", type="Gemeente")
    cat.add("package", naam="Pakket")
    report = sync(store, FakeClient(cat))
    assert report.status == "partial" and report.exit_code == 3
    assert report.rights_suspect == ["contact", "usage"]
    console = Console(record=True, width=200)
    console.print(render_run_summary(report, "en"))
    assert "functioneel-beheerder or admin role" in console.export_text()
    # the same catalogue with users and usage is a plain success
    cat.add("contact", email="a@example.nl", rollen=["Organisatie-beheerder"])
    cat.add(
        "usage", afnemer=next(iter(cat.objects["organisation"])), module=next(iter(cat.objects["package"]))
    )
    assert sync(store, FakeClient(cat)).status == "success"
