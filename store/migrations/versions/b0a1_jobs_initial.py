"""jobs: one row per scheduled job run, shared by every daemon on the database.

Hand-written; mirrors store/job_tables.py, which tests/unit/store/test_job_runs.py checks.

Revision ID: b0a1_jobs
Revises:
Create Date: 2026-12-04
"""
from alembic import op
import sqlalchemy as sa

revision = "b0a1_jobs"
down_revision = None
branch_labels = ("jobs",)
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "job_run",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("job_id", sa.String(64), nullable=False),
        sa.Column("scheduled_at", TS),
        sa.Column("started", TS, nullable=False),
        sa.Column("finished", TS),
        sa.Column("outcome", sa.String(12), nullable=False),
        sa.Column("message", sa.Text()),
        sa.Column("owner", sa.String(120), nullable=False),
        sa.UniqueConstraint("job_id", "scheduled_at", name="uq_job_run_trigger"),
    )
    op.create_index("ix_job_run_job_started", "job_run", ["job_id", "started"])


def downgrade() -> None:
    op.drop_index("ix_job_run_job_started", table_name="job_run")
    op.drop_table("job_run")
