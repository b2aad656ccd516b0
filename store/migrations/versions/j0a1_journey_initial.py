"""journey: GitHub issue states and history, journey step statuses and history.

Hand-written; mirrors store/journey_tables.py.

Revision ID: j0a1_journey
Revises:
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "j0a1_journey"
down_revision = None
branch_labels = ("journey",)
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "journey_issue",
        sa.Column("repo", sa.String(200), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("fetch_state", sa.String(16), nullable=False),
        sa.Column("moved_to", sa.String(220)),
        sa.Column("title", sa.Text()),
        sa.Column("state", sa.String(8)),
        sa.Column("state_reason", sa.String(16)),
        sa.Column("labels", JSON, nullable=False),
        sa.Column("assignees", JSON, nullable=False),
        sa.Column("milestone", sa.Text()),
        sa.Column("author", sa.String(100)),
        sa.Column("created_at", TS),
        sa.Column("updated_at", TS),
        sa.Column("closed_at", TS),
        sa.Column("html_url", sa.Text()),
        sa.Column("comments", JSON, nullable=False),
        sa.Column("comment_count", sa.Integer(), nullable=False),
        sa.Column("sub_issues_total", sa.Integer(), nullable=False),
        sa.Column("sub_issues_completed", sa.Integer(), nullable=False),
        sa.Column("closing_pull_requests", JSON, nullable=False),
        sa.Column("project_status", sa.Text()),
        sa.Column("etag", sa.Text()),
        sa.Column("fetched_at", TS),
        sa.Column("first_seen", TS, nullable=False),
        sa.Column("changed_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("repo", "number", name="pk_journey_issue"),
    )
    op.create_table(
        "journey_issue_history",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("repo", sa.String(200), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(16), nullable=False),
        sa.Column("old_value", sa.Text()),
        sa.Column("new_value", sa.Text()),
        sa.Column("changed_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_journey_issue_history"),
    )
    op.create_index("ix_journey_issue_history_changed_at", "journey_issue_history", ["changed_at"])
    op.create_table(
        "journey_step",
        sa.Column("journey", sa.String(200), nullable=False),
        sa.Column("step", sa.String(16), nullable=False),
        sa.Column("action", sa.Text()),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("status_since", TS, nullable=False),
        sa.Column("seen_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("journey", "step", name="pk_journey_step"),
    )
    op.create_table(
        "journey_step_history",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("journey", sa.String(200), nullable=False),
        sa.Column("step", sa.String(16), nullable=False),
        sa.Column("old_status", sa.String(16)),
        sa.Column("new_status", sa.String(16), nullable=False),
        sa.Column("changed_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_journey_step_history"),
    )
    op.create_index("ix_journey_step_history_changed_at", "journey_step_history", ["changed_at"])


def downgrade() -> None:
    op.drop_index("ix_journey_step_history_changed_at", table_name="journey_step_history")
    op.drop_table("journey_step_history")
    op.drop_table("journey_step")
    op.drop_index("ix_journey_issue_history_changed_at", table_name="journey_issue_history")
    op.drop_table("journey_issue_history")
    op.drop_table("journey_issue")
