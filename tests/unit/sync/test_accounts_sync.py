"""The accounts sync's decisions with an in-memory OCS source: who may list, when it deletes, what a refusal
or a failure records (never raised)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from connectors.accounts import Account
from connectors.errors import AuthFailed, NotFound, RemoteUnavailable
from store import Store, open_store
from store.accounts_tables import nextcloud_account
from store.catalogue_tables import sync_run
from sync.accounts_sync import AccountsReport, run_accounts_sync

LOGIN = datetime(2026, 11, 30, tzinfo=UTC)


@dataclass
class Stats:
    requests: int = 0
    retries: int = 0


@dataclass
class FakeOcs:
    accounts: dict[str, Account]
    groups_of: dict[str, list[str]] = field(default_factory=dict)
    listed: list[str] | None = None  # None: every account (what an admin gets)
    gone: set[str] = field(default_factory=set)  # listed, but gone before its details were read
    error: Exception | None = None
    stats: Stats = field(default_factory=Stats)

    async def fetch_groups(self, uid: str) -> list[str]:
        self.stats.requests += 1
        if self.error is not None:
            raise self.error
        return self.groups_of.get(uid, [])

    async def fetch_accounts(
        self, *, search: str = "", page_size: int = 500, concurrency: int = 1
    ) -> AsyncIterator[Account]:
        """As AccountsClient.fetch_accounts: an account gone between listing and details is left out."""
        self.stats.requests += 1
        for uid in self.listed if self.listed is not None else sorted(self.accounts):
            if uid not in self.gone:
                yield self.accounts[uid]


def account(uid: str, *, enabled: bool = True, login: datetime | None = LOGIN) -> Account:
    return Account(uid, uid, uid, enabled, login, ("gebruikers",))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(f"sqlite:///{tmp_path}/store.sqlite3")
    yield s
    s.close()


def ocs(*uids: str, admin: str = "beheer") -> FakeOcs:
    accounts = {uid: account(uid) for uid in (admin, *uids)}
    return FakeOcs(accounts, {admin: ["admin"]})


def sync(store: Store, source: FakeOcs, uid: str | None = "beheer") -> AccountsReport:
    return asyncio.run(run_accounts_sync(store, source, uid=uid))


def live(store: Store) -> set[str]:
    with store.sessions() as session:
        return set(
            session.execute(
                sa.select(nextcloud_account.c.uid).where(nextcloud_account.c.deleted_at.is_(None))
            ).scalars()
        )


def runs(store: Store) -> list[tuple[str, str]]:
    with store.sessions() as session:
        return [
            tuple(r)
            for r in session.execute(sa.select(sync_run.c.source, sync_run.c.status).order_by(sync_run.c.id))
        ]


def test_an_admin_listing_saves_every_account_and_deletes_the_ones_gone(store: Store) -> None:
    source = ocs("a@x.nl", "b@x.nl")
    first = sync(store, source)
    assert (first.status, first.listed, first.new, first.live, first.without_contact) == (
        "success",
        3,
        3,
        3,
        3,
    )
    del source.accounts["b@x.nl"]
    second = sync(store, source)
    assert (second.status, second.deleted, second.unchanged) == ("success", 1, 2)
    assert live(store) == {"beheer", "a@x.nl"}
    assert runs(store) == [("accounts", "success"), ("accounts", "success")]


def test_a_non_admin_gets_nothing_listed_and_the_run_is_partial_deleting_nothing(store: Store) -> None:
    source = ocs("a@x.nl")
    sync(store, source)
    source.groups_of["a@x.nl"] = ["gebruikers"]
    source.listed = []  # what Nextcloud answers a non-admin: an empty list, not an error
    report = sync(store, source, uid="a@x.nl")
    assert (report.status, report.reason, report.params["uid"], report.listed) == (
        "partial",
        "not_admin",
        "a@x.nl",
        0,
    )
    assert live(store) == {"beheer", "a@x.nl"}


def test_a_listing_without_the_caller_saves_what_came_but_deletes_nothing(store: Store) -> None:
    source = ocs("a@x.nl", "b@x.nl")
    sync(store, source)
    source.listed = ["a@x.nl"]
    report = sync(store, source)
    assert (report.status, report.reason, report.unchanged, report.deleted) == (
        "partial",
        "listing_incomplete",
        1,
        0,
    )
    assert live(store) == {"beheer", "a@x.nl", "b@x.nl"}


def test_an_account_gone_between_listing_and_lookup_is_left_out(store: Store) -> None:
    source = ocs("a@x.nl", "b@x.nl")
    source.gone = {"b@x.nl"}
    report = sync(store, source)
    assert (report.status, report.listed) == ("success", 2)
    assert live(store) == {"beheer", "a@x.nl"}


@pytest.mark.parametrize(
    ("error", "status", "reason"),
    [
        (AuthFailed("accounts: 403", service="accounts", status=403), "partial", "ocs_refused"),
        (NotFound("accounts: 404", service="accounts", status=404), "partial", "ocs_refused"),
        (RemoteUnavailable("accounts: 503", service="accounts", status=503), "failed", "ocs_failed"),
    ],
)
def test_ocs_refused_or_failing_changes_nothing_and_is_not_raised(
    store: Store, error: Exception, status: str, reason: str
) -> None:
    source = ocs("a@x.nl")
    sync(store, source)
    source.error = error
    report = sync(store, source)
    assert (report.status, report.reason, report.error) == (status, reason, str(error))
    assert live(store) == {"beheer", "a@x.nl"}
    assert runs(store)[-1] == ("accounts", status)


def test_without_a_login_nothing_is_asked_and_no_run_is_recorded(store: Store) -> None:
    source = ocs()
    report = sync(store, source, uid=None)
    assert (report.status, report.reason, source.stats.requests) == ("skipped", "anonymous", 0)
    assert runs(store) == []
