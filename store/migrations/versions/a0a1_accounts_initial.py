"""accounts: Nextcloud accounts (login identities) and their version history.

Hand-written; mirrors store/accounts_tables.py, which tests/unit/store/test_accounts_store.py checks.

Revision ID: a0a1_accounts
Revises:
Create Date: 2026-12-04
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "a0a1_accounts"
down_revision = None
branch_labels = ("accounts",)
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
TS = sa.DateTime(timezone=True)


def _state_columns() -> list:
    return [
        sa.Column("email", sa.Text()),
        sa.Column("display_name", sa.Text()),
        sa.Column("enabled", sa.Boolean()),
        sa.Column("last_login", TS),
        sa.Column("groups", JSON),
    ]


def upgrade() -> None:
    op.create_table(
        "nextcloud_account",
        sa.Column("uid", sa.String(length=320), nullable=False),
        *_state_columns(),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("first_seen", TS, nullable=False),
        sa.Column("last_seen", TS, nullable=False),
        sa.Column("changed_at", TS, nullable=False),
        sa.Column("deleted_at", TS),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("last_run_id", sa.Integer()),
        sa.PrimaryKeyConstraint("uid", name=op.f("pk_nextcloud_account")),
    )
    op.create_index(op.f("ix_nextcloud_account_email"), "nextcloud_account", ["email"])
    op.create_table(
        "nextcloud_account_version",
        sa.Column("uid", sa.String(length=320), nullable=False),
        sa.Column("version_no", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("valid_from", TS, nullable=False),
        sa.Column("change", sa.String(length=10), nullable=False),
        sa.Column("content_hash", sa.String(length=64)),
        *_state_columns(),
        sa.PrimaryKeyConstraint("uid", "version_no", name=op.f("pk_nextcloud_account_version")),
    )
    op.create_index(
        op.f("ix_nextcloud_account_version_valid_from"), "nextcloud_account_version", ["valid_from"]
    )
    op.create_index(op.f("ix_nextcloud_account_version_run_id"), "nextcloud_account_version", ["run_id"])


def downgrade() -> None:
    op.drop_table("nextcloud_account_version")
    op.drop_table("nextcloud_account")
