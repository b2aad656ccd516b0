"""One accounts sync run: list the Nextcloud accounts over OCS -> hash/diff -> save, atomically.

`run_accounts_sync(store, accounts, uid=...)` returns an AccountsReport; it never prints and never raises a
ConnectorError (the accounts are the catalogue sync's companion: their failure must not fail it).

* Listing: the accounts come from `AccountsClient.fetch_accounts` (`cloud/users/details`, `page_size` a
  request; an older Nextcloud one request per account, `concurrency` at a time).
* Who may list: Nextcloud answers `cloud/users(/details)` with an empty list, not an error, to anyone outside
  the `admin` group. So the run first asks for the caller's own groups (any account may): not an admin means a
  **partial** run (reason `not_admin`) that saves and deletes nothing.
* Complete listing: an admin's listing must include the caller itself; otherwise (reason
  `listing_incomplete`) what was listed is saved and nothing is deleted. Only a complete listing by an admin
  soft-deletes the accounts it no longer holds.
* Refused: a 401/403/404 from OCS (AuthFailed, NotFound: the provisioning API is off, blocked, or the login
  is wrong) makes the run **partial** (reason `ocs_refused`); any other connector failure (unavailable,
  unexpected payload) **failed** (reason `ocs_failed`). Neither changes the store.
* No login configured: **skipped** (reason `anonymous`), no run row: OCS answers nobody without a login.
* Atomic: the data and the run's final status commit in one transaction, under the "accounts" run lock.
  Each account's state is hashed with sync.content_hash, the catalogue's change detection.

Reasons are message keys below `accounts.reason.` (swc_beheer/messages), with `params` for them.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

from config.errors import SwcError
from connectors.accounts import ADMIN_GROUP, Account
from connectors.errors import AuthFailed, ConnectorError, NotFound
from store.accounts import (
    AccountCounts,
    AccountState,
    count_account_totals,
    save_account_run_stats,
    save_accounts,
)
from store.base import Store
from store.runs import RunStatus, finish_run, run_lock, start_run
from sync.content_hash import content_hash

__all__ = ["AccountsReport", "AccountsSource", "AccountsStatus", "account_state", "run_accounts_sync"]

AccountsStatus = Literal["running", "success", "partial", "failed", "interrupted", "skipped"]


class _Stats(Protocol):
    @property
    def requests(self) -> int: ...
    @property
    def retries(self) -> int: ...


class AccountsSource(Protocol):
    """The part of connectors.accounts.AccountsClient the sync uses."""

    @property
    def stats(self) -> _Stats: ...

    async def fetch_groups(self, uid: str) -> list[str]: ...

    def fetch_accounts(
        self, *, search: str = "", page_size: int = 500, concurrency: int = 1
    ) -> AsyncIterator[Account]: ...


@dataclass
class AccountsReport:
    """The outcome of one accounts sync; the totals: the store's live accounts after it (None: not read)."""

    status: AccountsStatus
    run_id: int | None = None
    started: datetime | None = None
    finished: datetime | None = None
    listed: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    restored: int = 0
    deleted: int = 0
    live: int | None = None
    never_logged_in: int | None = None
    disabled: int | None = None
    without_contact: int | None = None
    reason: str | None = None  # a key below `accounts.reason.`; None for a complete run
    params: dict[str, Any] = field(default_factory=dict)
    error: str | None = None  # the same in English, as recorded in the run row
    requests: int = 0
    retries: int = 0

    @property
    def ok(self) -> bool:
        return self.status == "success"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(
            started=self.started.isoformat() if self.started else None,
            finished=self.finished.isoformat() if self.finished else None,
        )
        return data

    def count(self, counts: AccountCounts) -> None:
        for name in ("listed", "new", "changed", "unchanged", "restored", "deleted"):
            setattr(self, name, getattr(counts, name))


@dataclass
class _Listing:
    accounts: list[AccountState]
    complete: bool
    reason: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


def account_state(account: Account) -> AccountState:
    """What the store keeps of an account: e-mail lower-cased, groups sorted, hashed like the catalogue."""
    email = account.email.strip().lower() if account.email and account.email.strip() else None
    groups = tuple(sorted(set(account.groups)))
    last = account.last_login.isoformat() if account.last_login else None
    values = {
        "uid": account.uid,
        "email": email,
        "display_name": account.display_name,
        "enabled": account.enabled,
        "last_login": last,
        "groups": list(groups),
    }
    return AccountState(
        account.uid,
        email,
        account.display_name,
        account.enabled,
        account.last_login,
        groups,
        content_hash(values),
    )


async def _list(source: AccountsSource, uid: str, page_size: int, concurrency: int) -> _Listing:
    groups = await source.fetch_groups(uid)
    if ADMIN_GROUP not in groups:
        return _Listing(
            [],
            False,
            "not_admin",
            {"uid": uid, "group": ADMIN_GROUP},
            f"{uid} is not in the Nextcloud group {ADMIN_GROUP!r}: Nextcloud lists no accounts to it",
        )
    listed = [a async for a in source.fetch_accounts(page_size=page_size, concurrency=concurrency)]
    states = [account_state(a) for a in listed]
    if uid.casefold() not in {a.uid.casefold() for a in listed}:
        count = len(listed)
        error = f"the account list of {uid} does not hold {uid} itself ({count} listed): it is incomplete"
        return _Listing(states, False, "listing_incomplete", {"uid": uid, "listed": count}, error)
    return _Listing(states, True)


async def run_accounts_sync(
    store: Store,
    accounts: AccountsSource,
    *,
    uid: str | None,
    page_size: int = 500,
    concurrency: int = 2,
    settings_digest: str | None = None,
) -> AccountsReport:
    """Sync the accounts `uid` may list into `store` (see the module docstring). Raises SyncAborted if an
    accounts sync is running already."""
    if not uid:
        return AccountsReport("skipped", reason="anonymous", error="no login configured: OCS answers nobody")
    with run_lock(store, "accounts"):
        run_id, started = start_run(store, mode="full", settings_digest=settings_digest, source="accounts")
        report = AccountsReport("running", run_id, started)
        base = (accounts.stats.requests, accounts.stats.retries)
        try:
            listing = await _list(accounts, uid, page_size, concurrency)
        except ConnectorError as exc:
            refused = isinstance(exc, AuthFailed | NotFound)
            report.reason = "ocs_refused" if refused else "ocs_failed"
            report.params = {
                "uid": uid,
                "status": exc.status if exc.status is not None else "-",
                "error": exc.message,
            }
            _finish_unchanged(store, report, accounts, base, "partial" if refused else "failed", exc.message)
            return report
        except BaseException as exc:  # interrupted or a bug: record it, then re-raise
            stopped = isinstance(exc, KeyboardInterrupt | SystemExit | asyncio.CancelledError)
            message = "interrupted" if stopped else f"internal error: {type(exc).__name__}: {exc}"
            _finish_unchanged(store, report, accounts, base, "interrupted" if stopped else "failed", message)
            raise
        report.reason, report.params, report.error = listing.reason, listing.params, listing.error
        _count_requests(report, accounts, base)
        try:
            _save(store, report, listing)
        except SwcError as exc:  # the store failed: its transaction rolled back
            report.reason, report.params = "store_failed", {"error": exc.message}
            _finish_unchanged(store, report, accounts, base, "failed", exc.message)
    return report


def _save(store: Store, report: AccountsReport, listing: _Listing) -> None:
    assert report.run_id is not None and report.started is not None
    status: RunStatus = "success" if listing.complete and not listing.reason else "partial"
    with store.transaction() as session:
        counts = save_accounts(
            session,
            run_id=report.run_id,
            now=report.started,
            accounts=listing.accounts,
            complete=listing.complete,
        )
        save_account_run_stats(session, report.run_id, counts, complete=listing.complete)
        totals = count_account_totals(session)
        finished = finish_run(
            session,
            report.run_id,
            status=status,
            error=listing.error,
            requests=report.requests,
            retries=report.retries,
        )
    report.count(counts)
    report.live, report.never_logged_in = totals.live, totals.never_logged_in
    report.disabled, report.without_contact = totals.disabled, totals.without_contact
    report.status, report.finished = status, finished


def _count_requests(report: AccountsReport, source: AccountsSource, base: tuple[int, int]) -> None:
    report.requests = source.stats.requests - base[0]
    report.retries = source.stats.retries - base[1]


def _finish_unchanged(
    store: Store,
    report: AccountsReport,
    source: AccountsSource,
    base: tuple[int, int],
    status: RunStatus,
    message: str,
) -> None:
    """Record a run that changed nothing in the store (refused, failed or interrupted)."""
    assert report.run_id is not None
    _count_requests(report, source, base)
    report.status, report.error = status, message
    with store.transaction() as session:
        report.finished = finish_run(
            session,
            report.run_id,
            status=status,
            error=message,
            requests=report.requests,
            retries=report.retries,
        )
