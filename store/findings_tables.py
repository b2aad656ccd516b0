"""The findings area of the store: reconciliation findings with their lifecycle, and reconcile runs.

Alembic branch "findings" (store/migrations/versions/*findings*) creates exactly these tables.

`finding` holds one row per fingerprint (sha1 of rule + subject) ever found:
    status          new | open | resolved  (a resolved finding that reappears becomes new again)
    first_seen      the run that first found it;  last_seen  the last run that found it
    resolved_at     the run that no longer found it (NULL while new/open)
    accepted_*      a manager accepted it: it stays visible but does not alert
"""

from __future__ import annotations

import sqlalchemy as sa

from store.base import metadata
from store.catalogue_tables import JSONType, UTCDateTime

__all__ = ["finding", "reconcile_run", "FINDING_STATUSES"]

FINDING_STATUSES = ("new", "open", "resolved")

finding = sa.Table(
    "finding",
    metadata,
    sa.Column("fingerprint", sa.String(40), primary_key=True),
    sa.Column("rule", sa.String(64), nullable=False),
    sa.Column("subject", sa.Text, nullable=False),
    sa.Column("step", sa.String(16), nullable=False),
    sa.Column("severity", sa.String(8), nullable=False),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("params", JSONType, nullable=False),
    sa.Column("evidence", JSONType, nullable=False),
    sa.Column("evidence_total", sa.Integer, nullable=False),
    sa.Column("first_seen", UTCDateTime, nullable=False),
    sa.Column("last_seen", UTCDateTime, nullable=False),
    sa.Column("resolved_at", UTCDateTime),
    sa.Column("reopened", sa.Integer, nullable=False),
    sa.Column("accepted_at", UTCDateTime),
    sa.Column("accepted_reason", sa.Text),
    sa.Column("last_run_id", sa.Integer),
    sa.Index(None, "rule"),
    sa.Index(None, "status"),
)

reconcile_run = sa.Table(
    "reconcile_run",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("started_at", UTCDateTime, nullable=False),
    sa.Column("finished_at", UTCDateTime),
    sa.Column("rules", JSONType, nullable=False),
    sa.Column("total", sa.Integer, nullable=False),
    sa.Column("new", sa.Integer, nullable=False),
    sa.Column("resolved", sa.Integer, nullable=False),
    sa.Column("reopened", sa.Integer, nullable=False),
)
