"""The jobs area of the store: one row per scheduled job run, shared by every daemon on the database.

Alembic branch "jobs" (store/migrations/versions/*jobs*) creates exactly this table.

`job_run` holds one row per (job, trigger): the daemon that inserts it first runs the job for that trigger;
the unique key (job_id, scheduled_at) makes every other daemon skip it. A manual run has no trigger
(scheduled_at NULL) and is never deduplicated.
    outcome   running | success | partial | failed | error | skipped | interrupted
    owner     "host:pid" of the daemon that claimed it
"""

from __future__ import annotations

import sqlalchemy as sa

from store.base import metadata
from store.catalogue_tables import UTCDateTime

__all__ = ["JOB_OUTCOMES", "job_run"]

JOB_OUTCOMES = ("running", "success", "partial", "failed", "error", "skipped", "interrupted")

job_run = sa.Table(
    "job_run",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("job_id", sa.String(64), nullable=False),
    sa.Column("scheduled_at", UTCDateTime),
    sa.Column("started", UTCDateTime, nullable=False),
    sa.Column("finished", UTCDateTime),
    sa.Column("outcome", sa.String(12), nullable=False),
    sa.Column("message", sa.Text),
    sa.Column("owner", sa.String(120), nullable=False),
    sa.UniqueConstraint("job_id", "scheduled_at", name="uq_job_run_trigger"),
    sa.Index("ix_job_run_job_started", "job_id", "started"),
)
