"""The accounts area of the store: Nextcloud accounts (login identities) and their version history.

Alembic branch "accounts" (store/migrations/versions/*accounts*) creates exactly these tables;
`tests/unit/store/test_accounts_store.py` checks that the migration and this module agree.

`nextcloud_account` holds the newest known state of every account ever listed, keyed by its uid (the login
name; for catalogue users their e-mail address, as Nextcloud spells it):

    email           the account's e-mail address, lower-cased (NULL when Nextcloud has none)
    display_name    the name Nextcloud shows;  enabled  NULL when the listing login could not see it
    last_login      NULL: never logged in
    groups          the Nextcloud groups, a JSON array
    content_hash    sha256 over the values above (sync.content_hash): unchanged hash, no new version
    first_seen / last_seen / changed_at / deleted_at / version / last_run_id   as for the catalogue's tables

`nextcloud_account_version` holds one row per change (new | changed | deleted | restored) with the full state
from `valid_from` on (NULL values for "deleted"), so "what did the accounts look like at date X" is one query
(store.accounts.load_accounts_as_of). Accounts are few (thousands), so every version keeps its whole state.
"""

from __future__ import annotations

import sqlalchemy as sa

from store.base import metadata
from store.catalogue_tables import JSONType, UTCDateTime

__all__ = ["ACCOUNT_CHANGES", "nextcloud_account", "nextcloud_account_version"]

ACCOUNT_CHANGES = ("new", "changed", "deleted", "restored")


def _state_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("email", sa.Text),
        sa.Column("display_name", sa.Text),
        sa.Column("enabled", sa.Boolean),
        sa.Column("last_login", UTCDateTime),
        sa.Column("groups", JSONType),
    ]


nextcloud_account = sa.Table(
    "nextcloud_account",
    metadata,
    sa.Column("uid", sa.String(320), primary_key=True),
    *_state_columns(),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("first_seen", UTCDateTime, nullable=False),
    sa.Column("last_seen", UTCDateTime, nullable=False),
    sa.Column("changed_at", UTCDateTime, nullable=False),
    sa.Column("deleted_at", UTCDateTime),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("last_run_id", sa.Integer),
    sa.Index(None, "email"),
)

nextcloud_account_version = sa.Table(
    "nextcloud_account_version",
    metadata,
    sa.Column("uid", sa.String(320), primary_key=True),
    sa.Column("version_no", sa.Integer, primary_key=True),
    sa.Column("run_id", sa.Integer, nullable=False),
    sa.Column("valid_from", UTCDateTime, nullable=False),
    sa.Column("change", sa.String(10), nullable=False),  # new | changed | deleted | restored
    sa.Column("content_hash", sa.String(64)),
    *_state_columns(),
    sa.Index(None, "valid_from"),
    sa.Index(None, "run_id"),
)
