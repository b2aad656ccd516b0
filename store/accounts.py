"""Nextcloud accounts in the store: save a listing (hash-diffed, soft deletes), load them, join them to the
contactpersonen, and the counts the usage and users reports ask for.

    counts = save_accounts(session, run_id=..., now=..., accounts=[AccountState(...)], complete=True)
    links = load_account_links(session)            # every live account with its contactpersoon (or None)
    by_contact = load_contact_accounts(session)    # every live contactpersoon with its account (or None)

The join: an account belongs to the live contactpersoon whose e-mail address equals the account's e-mail
address (or, when Nextcloud has none, its uid), compared case-insensitively and without surrounding spaces.
Two contactpersonen with one address (the catalogue has such duplicates) both point at the account; the
account points at the one with the smallest id.

"Active" is: live, not disabled, and logged in at or after `since`. Timestamps are aware UTC.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from store.accounts_tables import nextcloud_account, nextcloud_account_version
from store.catalogue_tables import contact, organisation, sync_run_stats

__all__ = [
    "ACCOUNT_STATS_TYPE",
    "AccountCounts",
    "AccountLink",
    "AccountSnapshot",
    "AccountState",
    "AccountTotals",
    "StoredAccount",
    "count_account_totals",
    "count_active_by_organisation_type",
    "load_account_links",
    "load_accounts",
    "load_accounts_as_of",
    "load_accounts_without_contact",
    "load_contact_accounts",
    "load_disabled_accounts",
    "load_never_logged_in",
    "save_account_run_stats",
    "save_accounts",
]

ACCOUNT_STATS_TYPE = "account"  # sync_run_stats.entity_type of an accounts run
_STATE = ("email", "display_name", "enabled", "last_login", "groups")


@dataclass(frozen=True, slots=True)
class AccountState:
    """One listed account as the sync hands it over (e-mail lower-cased, hash computed by the sync)."""

    uid: str
    email: str | None
    display_name: str | None
    enabled: bool | None
    last_login: datetime | None
    groups: tuple[str, ...]
    content_hash: str


@dataclass(frozen=True, slots=True)
class StoredAccount:
    """An account as stored, with the sync's bookkeeping."""

    uid: str
    email: str | None
    display_name: str | None
    enabled: bool | None
    last_login: datetime | None
    groups: tuple[str, ...]
    first_seen: datetime
    last_seen: datetime
    changed_at: datetime
    deleted_at: datetime | None

    @property
    def never_logged_in(self) -> bool:
        return self.last_login is None

    @property
    def disabled(self) -> bool:
        return self.enabled is False


@dataclass(frozen=True, slots=True)
class AccountSnapshot:
    """An account's state as it was at some moment (from nextcloud_account_version)."""

    uid: str
    email: str | None
    display_name: str | None
    enabled: bool | None
    last_login: datetime | None
    groups: tuple[str, ...]
    valid_from: datetime


@dataclass(frozen=True, slots=True)
class AccountLink:
    """A live account and the contactpersoon it belongs to (None: none has its address)."""

    account: StoredAccount
    contact_id: str | None
    organisation_id: str | None  # the contactpersoon's organisation
    organisation_type: str | None  # that organisation's type (e.g. "gemeente"), when it is live


@dataclass
class AccountCounts:
    """What one save did."""

    listed: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    restored: int = 0
    deleted: int = 0


@dataclass(frozen=True)
class AccountTotals:
    """Live accounts and the ones a beheerder looks after."""

    live: int
    never_logged_in: int
    disabled: int
    without_contact: int


# --- saving ------------------------------------------------------------------------------------------------


def _values(state: AccountState) -> dict[str, Any]:
    return {
        "email": state.email,
        "display_name": state.display_name,
        "enabled": state.enabled,
        "last_login": state.last_login,
        "groups": list(state.groups),
    }


def _version(
    uid: str, no: int, run_id: int, now: datetime, change: str, state: AccountState | None
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "uid": uid,
        "version_no": no,
        "run_id": run_id,
        "valid_from": now,
        "change": change,
    }
    row.update(dict.fromkeys(_STATE) if state is None else _values(state))
    row["content_hash"] = None if state is None else state.content_hash
    return row


def save_accounts(
    session: Session, *, run_id: int, now: datetime, accounts: Iterable[AccountState], complete: bool
) -> AccountCounts:
    """Save a listing: new, changed (content hash differs) and restored accounts get a version row; unchanged
    ones only `last_seen`. With `complete` (every account, listed by an admin) the live accounts not listed
    are soft-deleted; otherwise nothing is deleted."""
    t = nextcloud_account
    known = {
        row.uid: row
        for row in session.execute(sa.select(t.c.uid, t.c.content_hash, t.c.deleted_at, t.c.version))
    }
    counts = AccountCounts()
    versions: list[dict[str, Any]] = []
    unchanged: list[str] = []
    inserts: list[dict[str, Any]] = []  # new accounts: one executemany (a first sync inserts thousands)
    seen: set[str] = set()
    for state in accounts:
        if state.uid in seen:
            continue
        seen.add(state.uid)
        counts.listed += 1
        old = known.get(state.uid)
        if old is None:
            counts.new += 1
            inserts.append(
                {
                    "uid": state.uid,
                    **_values(state),
                    "content_hash": state.content_hash,
                    "first_seen": now,
                    "last_seen": now,
                    "changed_at": now,
                    "version": 1,
                    "last_run_id": run_id,
                }
            )
            versions.append(_version(state.uid, 1, run_id, now, "new", state))
            continue
        change = (
            "restored"
            if old.deleted_at is not None
            else ("changed" if old.content_hash != state.content_hash else None)
        )
        if change is None:
            counts.unchanged += 1
            unchanged.append(state.uid)
            continue
        setattr(counts, change, getattr(counts, change) + 1)
        session.execute(
            sa.update(t)
            .where(t.c.uid == state.uid)
            .values(
                **_values(state),
                content_hash=state.content_hash,
                last_seen=now,
                changed_at=now,
                deleted_at=None,
                version=old.version + 1,
                last_run_id=run_id,
            )
        )
        versions.append(_version(state.uid, old.version + 1, run_id, now, change, state))
    if inserts:
        session.execute(sa.insert(t), inserts)
    for chunk in _chunks(unchanged, 500):
        session.execute(sa.update(t).where(t.c.uid.in_(chunk)).values(last_seen=now, last_run_id=run_id))
    if complete:
        gone = [row for uid, row in known.items() if uid not in seen and row.deleted_at is None]
        for row in gone:
            session.execute(
                sa.update(t)
                .where(t.c.uid == row.uid)
                .values(deleted_at=now, changed_at=now, version=row.version + 1, last_run_id=run_id)
            )
            versions.append(_version(row.uid, row.version + 1, run_id, now, "deleted", None))
        counts.deleted = len(gone)
    if versions:
        session.execute(sa.insert(nextcloud_account_version), versions)
    return counts


def _chunks(items: Sequence[str], size: int) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def save_account_run_stats(session: Session, run_id: int, counts: AccountCounts, *, complete: bool) -> None:
    """The run's counts in sync_run_stats (entity type "account"), beside the catalogue runs' stats."""
    session.execute(
        sa.insert(sync_run_stats).values(
            run_id=run_id,
            entity_type=ACCOUNT_STATS_TYPE,
            new=counts.new,
            changed=counts.changed,
            unchanged=counts.unchanged,
            restored=counts.restored,
            deleted=counts.deleted,
            skipped=0,
            held_deletions=0,
            listed=counts.listed,
            complete=complete,
        )
    )


# --- loading -----------------------------------------------------------------------------------------------


def _stored(row: Any) -> StoredAccount:
    return StoredAccount(
        row.uid,
        row.email,
        row.display_name,
        row.enabled,
        row.last_login,
        tuple(row.groups or ()),
        row.first_seen,
        row.last_seen,
        row.changed_at,
        row.deleted_at,
    )


def load_accounts(session: Session, *, include_deleted: bool = False) -> list[StoredAccount]:
    """The stored accounts (live only by default), by uid."""
    stmt = sa.select(nextcloud_account).order_by(nextcloud_account.c.uid)
    if not include_deleted:
        stmt = stmt.where(nextcloud_account.c.deleted_at.is_(None))
    return [_stored(row) for row in session.execute(stmt)]


def load_accounts_as_of(session: Session, when: datetime) -> list[AccountSnapshot]:
    """The accounts that were live at `when`, each in the state it had then (by uid)."""
    v = nextcloud_account_version
    latest = (
        sa.select(v.c.uid, sa.func.max(v.c.version_no).label("version_no"))
        .where(v.c.valid_from <= when)
        .group_by(v.c.uid)
        .subquery()
    )
    stmt = (
        sa.select(v)
        .join(latest, sa.and_(v.c.uid == latest.c.uid, v.c.version_no == latest.c.version_no))
        .where(v.c.change != "deleted")
        .order_by(v.c.uid)
    )
    return [
        AccountSnapshot(
            r.uid, r.email, r.display_name, r.enabled, r.last_login, tuple(r.groups or ()), r.valid_from
        )
        for r in session.execute(stmt)
    ]


def _join_key(column_email: Any, column_uid: Any) -> Any:
    return sa.func.lower(sa.func.trim(sa.func.coalesce(column_email, column_uid)))


def load_account_links(session: Session) -> list[AccountLink]:
    """Every live account with its contactpersoon, that one's organisation and type (None where absent)."""
    a, o = nextcloud_account, organisation
    # The live contacts with their join key, materialised: joined on the expression itself, SQLite compared
    # every account with every contact (4,000 x 4,000: 14 s); on the materialised key it builds an index.
    c = (
        sa.select(
            sa.func.lower(sa.func.trim(contact.c.email)).label("address"),
            contact.c.id,
            contact.c.organisation_id,
        )
        .where(contact.c.deleted_at.is_(None))
        .cte("live_contact")
        .prefix_with("MATERIALIZED")  # SQLite 3.35+, PostgreSQL 12+
    )
    joined = a.outerjoin(c, c.c.address == _join_key(a.c.email, a.c.uid)).outerjoin(
        o, sa.and_(o.c.id == c.c.organisation_id, o.c.deleted_at.is_(None))
    )
    stmt = (
        sa.select(a, c.c.id.label("contact_id"), c.c.organisation_id, o.c.type.label("organisation_type"))
        .select_from(joined)
        .where(a.c.deleted_at.is_(None))
        .order_by(a.c.uid, c.c.id)
    )
    links: dict[str, AccountLink] = {}
    for row in session.execute(stmt):
        if row.uid not in links:  # duplicates share an address: the smallest contact id (sorted first) wins
            links[row.uid] = AccountLink(
                _stored(row), row.contact_id, row.organisation_id, row.organisation_type
            )
    return list(links.values())


def load_contact_accounts(session: Session) -> dict[str, StoredAccount | None]:
    """Every live contactpersoon id with the live account that has its e-mail address (or None)."""
    a, c = nextcloud_account, contact
    joined = c.outerjoin(
        a,
        sa.and_(
            _join_key(a.c.email, a.c.uid) == sa.func.lower(sa.func.trim(c.c.email)), a.c.deleted_at.is_(None)
        ),
    )
    stmt = (
        sa.select(c.c.id.label("contact_id"), *a.c)
        .select_from(joined)
        .where(c.c.deleted_at.is_(None))
        .order_by(c.c.id, a.c.uid)
    )
    result: dict[str, StoredAccount | None] = {}
    for row in session.execute(stmt):
        if row.contact_id not in result:
            result[row.contact_id] = None if row.uid is None else _stored(row)
    return result


# --- what the reports count ---------------------------------------------------------------------------


def load_never_logged_in(session: Session) -> list[AccountLink]:
    """Live accounts that never logged in, with their contactpersoon (or None), by uid."""
    return [link for link in load_account_links(session) if link.account.never_logged_in]


def load_disabled_accounts(session: Session) -> list[AccountLink]:
    """Live accounts Nextcloud has disabled, with their contactpersoon (or None), by uid."""
    return [link for link in load_account_links(session) if link.account.disabled]


def load_accounts_without_contact(session: Session) -> list[AccountLink]:
    """Live accounts no live contactpersoon has the e-mail address of, by uid."""
    return [link for link in load_account_links(session) if link.contact_id is None]


def count_active_by_organisation_type(session: Session, *, since: datetime) -> dict[str | None, int]:
    """Live, enabled accounts that logged in at or after `since`, per organisation type of their
    contactpersoon's organisation (key None: no contactpersoon, or its organisation is unknown)."""
    counts: dict[str | None, int] = {}
    for link in load_account_links(session):
        account = link.account
        if account.enabled is not False and account.last_login is not None and account.last_login >= since:
            counts[link.organisation_type] = counts.get(link.organisation_type, 0) + 1
    return counts


def count_account_totals(session: Session) -> AccountTotals:
    """Live accounts, and how many never logged in, are disabled or have no contactpersoon."""
    links = load_account_links(session)
    return AccountTotals(
        live=len(links),
        never_logged_in=sum(1 for link in links if link.account.never_logged_in),
        disabled=sum(1 for link in links if link.account.disabled),
        without_contact=sum(1 for link in links if link.contact_id is None),
    )
