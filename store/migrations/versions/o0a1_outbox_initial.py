"""outbox: composed digests and their delivery state.

Hand-written; mirrors store/outbox_tables.py, which tests/unit/store/test_outbox.py checks.

Revision ID: o0a1_outbox
Revises:
Create Date: 2026-12-04
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "o0a1_outbox"
down_revision = None
branch_labels = ("outbox",)
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "digest_outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=False),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("lang", sa.String(2), nullable=False),
        sa.Column("period_start", TS, nullable=False),
        sa.Column("period_end", TS, nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("body_md", sa.Text(), nullable=False),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("message_id", sa.String(250), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt", TS, nullable=False),
        sa.Column("last_error", sa.Text()),
        sa.Column("claim_pid", sa.Integer()),
        sa.Column("claim_host", sa.Text()),
        sa.Column("claim_started", sa.Float()),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("delivered_at", TS),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digest_outbox")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_digest_outbox_idempotency_key")),
        sa.UniqueConstraint("channel", "period_end", name="uq_digest_outbox_channel_period_end"),
    )
    op.create_index(op.f("ix_digest_outbox_status"), "digest_outbox", ["status"])


def downgrade() -> None:
    op.drop_index(op.f("ix_digest_outbox_status"), table_name="digest_outbox")
    op.drop_table("digest_outbox")
