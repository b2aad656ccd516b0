"""findings: reconciliation findings with lifecycle, and reconcile runs.

Hand-written; mirrors store/findings_tables.py, which tests/unit/reconcile/test_lifecycle.py checks.

Revision ID: f0a1_findings
Revises:
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "f0a1_findings"
down_revision = None
branch_labels = ("findings",)
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "finding",
        sa.Column("fingerprint", sa.String(40), nullable=False),
        sa.Column("rule", sa.String(64), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("step", sa.String(16), nullable=False),
        sa.Column("severity", sa.String(8), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("params", JSON, nullable=False),
        sa.Column("evidence", JSON, nullable=False),
        sa.Column("evidence_total", sa.Integer(), nullable=False),
        sa.Column("first_seen", TS, nullable=False),
        sa.Column("last_seen", TS, nullable=False),
        sa.Column("resolved_at", TS),
        sa.Column("reopened", sa.Integer(), nullable=False),
        sa.Column("accepted_at", TS),
        sa.Column("accepted_reason", sa.Text()),
        sa.Column("last_run_id", sa.Integer()),
        sa.PrimaryKeyConstraint("fingerprint", name=op.f("pk_finding")),
    )
    op.create_index(op.f("ix_finding_rule"), "finding", ["rule"])
    op.create_index(op.f("ix_finding_status"), "finding", ["status"])
    op.create_table(
        "reconcile_run",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("finished_at", TS),
        sa.Column("rules", JSON, nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("new", sa.Integer(), nullable=False),
        sa.Column("resolved", sa.Integer(), nullable=False),
        sa.Column("reopened", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reconcile_run")),
    )


def downgrade() -> None:
    op.drop_table("reconcile_run")
    op.drop_index(op.f("ix_finding_status"), table_name="finding")
    op.drop_index(op.f("ix_finding_rule"), table_name="finding")
    op.drop_table("finding")
