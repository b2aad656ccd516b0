"""The accounts area of the store: the migration matches the tables; saving diffs by hash, deletes only after
a complete listing and keeps history for "as of"; the join to the contactpersonen; what the reports count."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

import store.tables  # noqa: F401  (fills the metadata)
from store import Store, metadata, open_store
from store.accounts import (
    AccountState,
    count_account_totals,
    count_active_by_organisation_type,
    load_account_links,
    load_accounts,
    load_accounts_as_of,
    load_accounts_without_contact,
    load_contact_accounts,
    load_disabled_accounts,
    load_never_logged_in,
    save_accounts,
)
from store.accounts_tables import nextcloud_account_version
from store.catalogue_tables import contact, organisation
from store.migrate import current_heads

T0 = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    s = open_store(store_url)
    yield s
    s.close()


def state(
    uid: str,
    *,
    email: str | None = "",
    enabled: bool | None = True,
    login: int | None = 1,
    groups: tuple[str, ...] = ("gebruikers",),
    digest: str = "h1",
) -> AccountState:
    last = None if login is None else T0 - timedelta(days=login)
    return AccountState(uid, uid.lower() if email == "" else email, uid, enabled, last, groups, digest)


def save(s: Store, run_id: int, when: datetime, accounts: list[AccountState], complete: bool = True) -> Any:
    with s.transaction() as session:
        return save_accounts(session, run_id=run_id, now=when, accounts=accounts, complete=complete)


def test_migration_creates_exactly_the_accounts_tables(store: Store) -> None:
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    assert [d for d in diff if "nextcloud_account" in repr(d)] == []
    assert "a0a1_accounts" in current_heads(store)


def test_save_diffs_by_hash_and_deletes_only_after_a_complete_listing(store: Store) -> None:
    a, b, c = state("a@x.nl"), state("b@x.nl"), state("c@x.nl")
    first = save(store, 1, T0, [a, b, c])
    assert (first.listed, first.new, first.changed, first.deleted) == (3, 3, 0, 0)
    again = save(store, 2, T0 + timedelta(hours=1), [a, b, c])
    assert (again.new, again.changed, again.unchanged, again.deleted) == (0, 0, 3, 0)
    b2 = state("b@x.nl", enabled=False, digest="h2")
    partial = save(store, 3, T0 + timedelta(hours=2), [a, b2], complete=False)  # c not listed: kept
    assert (partial.changed, partial.unchanged, partial.deleted) == (1, 1, 0)
    with store.sessions() as session:
        assert {x.uid for x in load_accounts(session)} == {"a@x.nl", "b@x.nl", "c@x.nl"}
    full = save(store, 4, T0 + timedelta(hours=3), [a, b2])
    assert full.deleted == 1
    back = save(store, 5, T0 + timedelta(hours=4), [a, b2, c])
    assert (back.restored, back.unchanged) == (1, 2)
    with store.sessions() as session:
        history = session.execute(
            sa.select(nextcloud_account_version.c.uid, nextcloud_account_version.c.change).order_by(
                nextcloud_account_version.c.uid, nextcloud_account_version.c.version_no
            )
        ).all()
        assert [tuple(r) for r in history] == [
            ("a@x.nl", "new"),
            ("b@x.nl", "new"),
            ("b@x.nl", "changed"),
            ("c@x.nl", "new"),
            ("c@x.nl", "deleted"),
            ("c@x.nl", "restored"),
        ]
        as_of = {x.uid: x.enabled for x in load_accounts_as_of(session, T0 + timedelta(minutes=90))}
        assert as_of == {"a@x.nl": True, "b@x.nl": True, "c@x.nl": True}
        assert {x.uid for x in load_accounts_as_of(session, T0 + timedelta(minutes=210))} == {
            "a@x.nl",
            "b@x.nl",
        }
        assert load_accounts_as_of(session, T0 - timedelta(seconds=1)) == []
        stored = {x.uid: x for x in load_accounts(session, include_deleted=True)}
    assert stored["b@x.nl"].enabled is False and stored["c@x.nl"].deleted_at is None
    assert stored["a@x.nl"].last_seen == T0 + timedelta(hours=4) and stored["a@x.nl"].first_seen == T0


def _catalogue_row(table: sa.Table, rid: str, **values: Any) -> dict[str, Any]:
    return {
        "id": rid,
        "content_hash": "x",
        "raw": {},
        "generation": 2,
        "first_seen": T0,
        "last_seen": T0,
        "changed_at": T0,
        "version": 1,
        "deleted_at": None,  # every row names the same columns (one executemany)
        **values,
    }


def test_accounts_join_contactpersonen_case_insensitively_by_email(store: Store) -> None:
    with store.transaction() as session:
        session.execute(
            sa.insert(organisation),
            [
                _catalogue_row(organisation, "org-g", type="gemeente"),
                _catalogue_row(organisation, "org-l", type="leverancier"),
                _catalogue_row(organisation, "org-gone", type="gemeente", deleted_at=T0),
            ],
        )
        session.execute(
            sa.insert(contact),
            [
                _catalogue_row(contact, "c1", email=" Jan.Jansen@Gemeente.NL ", organisation_id="org-g"),
                _catalogue_row(
                    contact, "c0", email="jan.jansen@gemeente.nl", organisation_id="org-l"
                ),  # duplicate
                _catalogue_row(contact, "c2", email="piet@leverancier.nl", organisation_id="org-l"),
                _catalogue_row(contact, "c3", email="kees@gone.nl", organisation_id="org-gone"),
                _catalogue_row(
                    contact, "c4", email="old@gemeente.nl", organisation_id="org-g", deleted_at=T0
                ),
                _catalogue_row(contact, "c5", email="nobody@gemeente.nl", organisation_id="org-g"),
            ],
        )
    save(
        store,
        1,
        T0,
        [
            state("jan.jansen@gemeente.nl", login=2),
            state("Piet@Leverancier.nl", email=None, login=None),  # no e-mail: its uid is the address
            state("kees@gone.nl", login=3),
            state("old@gemeente.nl", enabled=False, login=400),
            state("beheer", email=None, login=1, groups=("admin",)),
        ],
    )
    with store.sessions() as session:
        links = {
            x.account.uid: (x.contact_id, x.organisation_id, x.organisation_type)
            for x in load_account_links(session)
        }
        assert links == {
            "jan.jansen@gemeente.nl": ("c0", "org-l", "leverancier"),  # the smallest contact id of the two
            "Piet@Leverancier.nl": ("c2", "org-l", "leverancier"),
            "kees@gone.nl": ("c3", "org-gone", None),  # its organisation is deleted: type unknown
            "old@gemeente.nl": (None, None, None),  # its contactpersoon is deleted
            "beheer": (None, None, None),
        }
        by_contact = {cid: (a.uid if a else None) for cid, a in load_contact_accounts(session).items()}
        assert by_contact == {
            "c0": "jan.jansen@gemeente.nl",
            "c1": "jan.jansen@gemeente.nl",
            "c2": "Piet@Leverancier.nl",
            "c3": "kees@gone.nl",
            "c5": None,
        }
        assert [x.account.uid for x in load_never_logged_in(session)] == ["Piet@Leverancier.nl"]
        assert [x.account.uid for x in load_disabled_accounts(session)] == ["old@gemeente.nl"]
        assert [x.account.uid for x in load_accounts_without_contact(session)] == [
            "beheer",
            "old@gemeente.nl",
        ]
        active = count_active_by_organisation_type(session, since=T0 - timedelta(days=2))
        assert active == {"leverancier": 1, None: 1}  # jan (2 days ago) and beheer; kees was 3 days ago
        totals = count_account_totals(session)
    assert (totals.live, totals.never_logged_in, totals.disabled, totals.without_contact) == (5, 1, 1, 2)
