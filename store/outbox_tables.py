"""The outbox area of the store: composed digests waiting for (or done with) delivery.

Alembic branch "outbox" (store/migrations/versions/*outbox*) creates exactly this table.

`digest_outbox` holds one row per (channel, period): the digest is composed once, stored here, then
delivered. The unique key makes composing idempotent (a second compose of the same period finds the row).
    status          pending | sending | delivered | failed
    attempts        delivery attempts so far;  next_attempt  when a pending row may be tried (again)
    claim_*         the process delivering a "sending" row: a row whose claimer died is taken over
    message_id      the stable RFC 5322 Message-ID (also sent to chat platforms as the digest's id)
"""

from __future__ import annotations

import sqlalchemy as sa

from store.base import metadata
from store.catalogue_tables import JSONType, UTCDateTime

__all__ = ["digest_outbox", "OUTBOX_STATUSES"]

OUTBOX_STATUSES = ("pending", "sending", "delivered", "failed")

digest_outbox = sa.Table(
    "digest_outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("idempotency_key", sa.String(200), nullable=False, unique=True),
    sa.Column("channel", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),  # email | teams | slack | mattermost | file
    sa.Column("lang", sa.String(2), nullable=False),
    sa.Column("period_start", UTCDateTime, nullable=False),
    sa.Column("period_end", UTCDateTime, nullable=False),
    sa.Column("subject", sa.Text, nullable=False),
    sa.Column("body_text", sa.Text, nullable=False),
    sa.Column("body_html", sa.Text, nullable=False),
    sa.Column("body_md", sa.Text, nullable=False),
    sa.Column("payload", JSONType, nullable=False),  # the digest's content as data (channels render from it)
    sa.Column("message_id", sa.String(250), nullable=False),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt", UTCDateTime, nullable=False),
    sa.Column("last_error", sa.Text),
    sa.Column("claim_pid", sa.Integer),
    sa.Column("claim_host", sa.Text),
    sa.Column("claim_started", sa.Float),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("delivered_at", UTCDateTime),
    sa.UniqueConstraint("channel", "period_end", name="uq_digest_outbox_channel_period_end"),
    sa.Index(None, "status"),
)
