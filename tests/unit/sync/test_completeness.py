"""The completeness judgement: the account check (OCS groups), the tenant fallback, listing-level reasons,
and a sync run that holds its deletions when the account is not shown to see everything."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from connectors.errors import AuthFailed, NotFound
from store import Store, open_store
from store.catalogue_tables import ENTITY_TABLES
from sync.catalogue_sync import run_catalogue_sync
from sync.completeness import AccessVerdict, CompletenessJudge, check_access
from tests.helpers.catalogue_fakes import FakeCatalogue, FakeClient


class Groups:
    def __init__(self, answer: Sequence[str] | Exception) -> None:
        self.answer = answer
        self.asked: list[str] = []

    async def fetch_groups(self, uid: str) -> Sequence[str]:
        self.asked.append(uid)
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


@dataclass
class Listing:
    complete: bool = True
    seen: int = 10
    total_reported: int = 10
    tenants: frozenset[str] = frozenset()
    failed_pages: tuple[int, ...] = ()
    count_problem: str | None = None
    count_problem_page: int | None = None


def run(coro: Any) -> Any:
    return asyncio.run(coro)


# -- the account check ---------------------------------------------------------------------------------------


def test_admin_group_member_sees_everything() -> None:
    source = Groups(["admin", "functioneel-beheerder"])
    verdict = run(check_access(source, "fb@vng.nl"))
    assert (verdict.sees_all, verdict.reason) == (True, "admin_group") and source.asked == ["fb@vng.nl"]


def test_other_groups_do_not() -> None:
    verdict = run(check_access(Groups(["organisatie-beheerders"]), "a@gemeente.nl"))
    assert (verdict.sees_all, verdict.reason) == (False, "not_admin")
    assert verdict.params["groups"] == "organisatie-beheerders" and verdict.params["group"] == "admin"


def test_anonymous_never_sees_everything_and_asks_nothing() -> None:
    source = Groups(["admin"])
    assert run(check_access(source, None)) == AccessVerdict(False, "anonymous")
    assert source.asked == []


@pytest.mark.parametrize("error", [NotFound("gone", service="accounts", status=404),
                                   AuthFailed("no", service="accounts", status=401)])  # fmt: skip
def test_a_refusing_ocs_leaves_it_unknown(error: Exception) -> None:
    verdict = run(check_access(Groups(error), "a@gemeente.nl"))
    assert (verdict.sees_all, verdict.reason) == (None, "ocs_refused") and verdict.params["status"] in (
        401,
        404,
    )


# -- the judge -----------------------------------------------------------------------------------------------


def judge_all(access: AccessVerdict | None, listings: dict[str, Listing]) -> dict[str, tuple[bool, str]]:
    async def go() -> dict[str, tuple[bool, str]]:
        async def check() -> AccessVerdict:
            assert access is not None
            return access

        judge = CompletenessJudge(check if access else None, list(listings))
        await asyncio.gather(*(judge.judge(entity, listing) for entity, listing in listings.items()))
        return {e: (j.complete, j.reason) for e, j in judge.judgements.items()}

    return run(go())


REFUSED = AccessVerdict(None, "ocs_refused", {"status": 404})


def test_refused_ocs_and_two_organisations_in_usage_is_no_tenant_filter() -> None:
    found = judge_all(REFUSED, {"organisation": Listing(), "usage": Listing(tenants=frozenset({"a", "b"})),
                                "contact": Listing(tenants=frozenset({"a"}))})  # fmt: skip
    assert found == dict.fromkeys(("organisation", "usage", "contact"), (True, "no_tenant_filter"))


def test_refused_ocs_and_one_organisation_everywhere_is_tenant_filtered() -> None:
    found = judge_all(REFUSED, {"organisation": Listing(), "usage": Listing(tenants=frozenset({"a"})),
                                "contact": Listing(tenants=frozenset({"a"}))})  # fmt: skip
    assert found == dict.fromkeys(("organisation", "usage", "contact"), (False, "tenant_filtered"))


def test_refused_ocs_and_no_rows_to_judge_by_is_no_evidence() -> None:
    found = judge_all(
        REFUSED, {"organisation": Listing(), "usage": Listing(seen=0), "contact": Listing(seen=0)}
    )
    assert found["organisation"] == (False, "no_evidence")
    assert judge_all(REFUSED, {"package": Listing()}) == {"package": (False, "no_evidence")}


def test_listing_reasons_come_before_the_account() -> None:
    admin = AccessVerdict(True, "admin_group", {"uid": "beheer", "group": "admin"})
    found = judge_all(admin, {
        "organisation": Listing(complete=False, count_problem="total_zero", count_problem_page=1),
        "package": Listing(complete=False, failed_pages=(3, 4)),
        "usage": Listing(complete=False, seen=9, total_reported=10),
        "contact": Listing(),
    })  # fmt: skip
    assert found == {"organisation": (False, "count.total_zero"), "package": (False, "failed_pages"),
                     "usage": (False, "short"), "contact": (True, "admin_group")}  # fmt: skip


def test_without_an_account_check_only_the_listing_counts() -> None:
    assert judge_all(None, {"usage": Listing()}) == {"usage": (True, "not_checked")}


# -- a run ---------------------------------------------------------------------------------------------------


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(f"sqlite:///{tmp_path}/store.sqlite3")
    yield s
    s.close()


def test_a_run_holds_deletions_for_a_non_admin_and_reports_why(store: Store) -> None:
    catalogue = FakeCatalogue()
    orgs = [catalogue.add("organisation", naam=f"Gemeente {i}", type="Gemeente") for i in range(40)]
    for i in range(40):
        catalogue.add("usage", afnemer=orgs[i]["id"])
    client = FakeClient(catalogue)
    first = run(run_catalogue_sync(store, client, deletion_brake=1.0))
    assert first.status == "success" and first.completeness["usage"].reason == "not_checked"
    catalogue.delete("organisation", orgs[0]["id"])
    for oid in list(catalogue.objects["usage"])[:2]:
        catalogue.delete("usage", oid)

    async def not_admin() -> AccessVerdict:
        return await check_access(Groups(["gebruikers"]), "a@gemeente.nl")

    report = run(run_catalogue_sync(store, client, deletion_brake=1.0, access=not_admin))
    assert report.status == "partial" and report.exit_code == 3
    assert all(s.deleted == 0 for s in report.stats.values())
    data = report.to_dict()
    assert data["completeness"]["organisation"]["reason"] == "not_admin"
    assert data["completeness"]["usage"]["params"]["uid"] == "a@gemeente.nl"
    with store.sessions() as session:
        for table in ENTITY_TABLES.values():
            assert (
                session.execute(sa.select(sa.func.count()).where(table.c.deleted_at.is_not(None))).scalar()
                == 0
            )

    async def admin() -> AccessVerdict:
        return await check_access(Groups(["admin"]), "beheer")

    report = run(run_catalogue_sync(store, client, deletion_brake=1.0, access=admin))
    assert report.status == "success" and report.stats["organisation"].deleted == 1
    assert report.stats["usage"].deleted == 2
