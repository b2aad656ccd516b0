"""The journey area of the store: GitHub issue states with their history, and step statuses with theirs.

Alembic branch "journey" (store/migrations/versions/*journey*) creates exactly these tables.

`journey_issue`          one row per referenced issue (repo lower-cased, number): the last IssueInfo, its
                         ETag and fetch_state; first_seen, fetched_at and changed_at (last tracked change)
`journey_issue_history`  one row per change of state, state_reason, labels or fetch_state, with its time
`journey_step`           one row per (journey, step): the current status and since when
`journey_step_history`   one row per change of a step's status, with its time
"""

from __future__ import annotations

import sqlalchemy as sa

from store.base import metadata
from store.catalogue_tables import JSONType, UTCDateTime

__all__ = ["journey_issue", "journey_issue_history", "journey_step", "journey_step_history", "TRACKED_FIELDS"]

TRACKED_FIELDS = ("state", "state_reason", "labels", "fetch_state")

journey_issue = sa.Table(
    "journey_issue",
    metadata,
    sa.Column("repo", sa.String(200), primary_key=True),
    sa.Column("number", sa.Integer, primary_key=True),
    sa.Column("fetch_state", sa.String(16), nullable=False),
    sa.Column("moved_to", sa.String(220)),
    sa.Column("title", sa.Text),
    sa.Column("state", sa.String(8)),
    sa.Column("state_reason", sa.String(16)),
    sa.Column("labels", JSONType, nullable=False),
    sa.Column("assignees", JSONType, nullable=False),
    sa.Column("milestone", sa.Text),
    sa.Column("author", sa.String(100)),
    sa.Column("created_at", UTCDateTime),
    sa.Column("updated_at", UTCDateTime),
    sa.Column("closed_at", UTCDateTime),
    sa.Column("html_url", sa.Text),
    sa.Column("comments", JSONType, nullable=False),
    sa.Column("comment_count", sa.Integer, nullable=False),
    sa.Column("sub_issues_total", sa.Integer, nullable=False),
    sa.Column("sub_issues_completed", sa.Integer, nullable=False),
    sa.Column("closing_pull_requests", JSONType, nullable=False),
    sa.Column("project_status", sa.Text),
    sa.Column("etag", sa.Text),
    sa.Column("fetched_at", UTCDateTime),
    sa.Column("first_seen", UTCDateTime, nullable=False),
    sa.Column("changed_at", UTCDateTime, nullable=False),
)

journey_issue_history = sa.Table(
    "journey_issue_history",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("repo", sa.String(200), nullable=False),
    sa.Column("number", sa.Integer, nullable=False),
    sa.Column("field", sa.String(16), nullable=False),
    sa.Column("old_value", sa.Text),
    sa.Column("new_value", sa.Text),
    sa.Column("changed_at", UTCDateTime, nullable=False),
    sa.Index(None, "changed_at"),
)

journey_step = sa.Table(
    "journey_step",
    metadata,
    sa.Column("journey", sa.String(200), primary_key=True),
    sa.Column("step", sa.String(16), primary_key=True),
    sa.Column("action", sa.Text),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("status_since", UTCDateTime, nullable=False),
    sa.Column("seen_at", UTCDateTime, nullable=False),
)

journey_step_history = sa.Table(
    "journey_step_history",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("journey", sa.String(200), nullable=False),
    sa.Column("step", sa.String(16), nullable=False),
    sa.Column("old_status", sa.String(16)),
    sa.Column("new_status", sa.String(16), nullable=False),
    sa.Column("changed_at", UTCDateTime, nullable=False),
    sa.Index(None, "changed_at"),
)
