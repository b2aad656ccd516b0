"""catalogue: entity tables, version history, sync runs, stats, skipped records, cursors, held deletions, lock.

Hand-written (no autogenerate at runtime); mirrors store/catalogue_tables.py, which a test checks.

Revision ID: c0a1_catalogue
Revises:
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "c0a1_catalogue"
down_revision = None
branch_labels = ("catalogue",)
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
TS = sa.DateTime(timezone=True)

ENTITY_COLUMNS = {
    "organisation": [
        *(sa.Column(n, sa.Text()) for n in
          ("name", "type", "type_raw", "status", "status_raw", "website", "email", "phone", "kvk")),
        sa.Column("cbs_code", sa.Integer()),
        sa.Column("cooperation_type", sa.Text()),
        sa.Column("merged_into", sa.Text()),
        *(sa.Column(n, JSON) for n in ("members", "memberships", "contacts")),
    ],
    "contact": [
        *(sa.Column(n, sa.Text()) for n in
          ("first_name", "infix", "last_name", "email", "phone", "job_title", "organisation_id", "username")),
        sa.Column("roles", JSON),
    ],
    "package": [
        sa.Column(n, sa.Text()) for n in
        ("name", "short_description", "supplier_id", "contact_id", "package_type", "licence_type",
         "registered_by", "status", "status_raw")
    ],
    "usage": [
        *(sa.Column(n, sa.Text()) for n in
          ("organisation_id", "package_id", "package_version_id", "status", "status_raw", "contact_id")),
        *(sa.Column(n, JSON) for n in ("members", "koppelingen")),
    ],
    "koppeling": [
        sa.Column(n, sa.Text()) for n in
        ("name", "koppeling_type", "status", "status_raw", "direction", "package_a_id", "package_b_id",
         "intermediary_id", "external_id", "supplier_id")
    ],
}

ENTITY_INDEXES = {
    "organisation": ["type", "cbs_code", "kvk"],
    "contact": ["organisation_id", "email"],
    "package": ["supplier_id"],
    "usage": ["organisation_id", "package_id"],
    "koppeling": [],
}


def _common_columns() -> list:
    return [
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("raw", JSON, nullable=False),
        sa.Column("generation", sa.SmallInteger(), nullable=False),
        sa.Column("remote_created", TS),
        sa.Column("remote_updated", TS),
        sa.Column("published", TS),
        sa.Column("owner", sa.Text()),
        sa.Column("tenant", sa.Text()),
        sa.Column("first_seen", TS, nullable=False),
        sa.Column("last_seen", TS, nullable=False),
        sa.Column("changed_at", TS, nullable=False),
        sa.Column("deleted_at", TS),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("last_run_id", sa.Integer()),
    ]


def upgrade() -> None:
    for entity, columns in ENTITY_COLUMNS.items():
        table = f"catalogue_{entity}"
        op.create_table(
            table, *_common_columns(), *columns, sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}"))
        )
        for column in ENTITY_INDEXES[entity]:
            op.create_index(op.f(f"ix_{table}_{column}"), table, [column], unique=False)

    op.create_table(
        "catalogue_version",
        sa.Column("entity_type", sa.String(length=20), nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("version_no", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("valid_from", TS, nullable=False),
        sa.Column("change", sa.String(length=10), nullable=False),
        sa.Column("content_hash", sa.String(length=64)),
        sa.Column("raw", JSON),
        sa.PrimaryKeyConstraint("entity_type", "id", "version_no", name=op.f("pk_catalogue_version")),
    )
    op.create_index(op.f("ix_catalogue_version_entity_type"), "catalogue_version", ["entity_type", "valid_from"])
    op.create_index(op.f("ix_catalogue_version_run_id"), "catalogue_version", ["run_id"])

    op.create_table(
        "sync_run",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source", sa.String(length=20), server_default="catalogue", nullable=False),
        sa.Column("mode", sa.String(length=12), nullable=False),
        sa.Column("started", TS, nullable=False),
        sa.Column("finished", TS),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("error", sa.Text()),
        sa.Column("requests", sa.Integer(), server_default="0", nullable=False),
        sa.Column("retries", sa.Integer(), server_default="0", nullable=False),
        sa.Column("settings_digest", sa.String(length=64)),
        sa.Column("pid", sa.Integer()),
        sa.Column("host", sa.Text()),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_run")),
    )
    op.create_index(op.f("ix_sync_run_status"), "sync_run", ["status"])

    op.create_table(
        "sync_run_stats",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("entity_type", sa.String(length=20), nullable=False),
        *(sa.Column(n, sa.Integer(), nullable=False) for n in
          ("new", "changed", "unchanged", "restored", "deleted", "skipped", "held_deletions", "listed")),
        sa.Column("complete", sa.Boolean()),
        sa.PrimaryKeyConstraint("run_id", "entity_type", name=op.f("pk_sync_run_stats")),
    )
    op.create_table(
        "sync_skipped",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("entity_type", sa.String(length=20), nullable=False),
        sa.Column("record_id", sa.Text()),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_sync_skipped")),
    )
    op.create_index(op.f("ix_sync_skipped_run_id"), "sync_skipped", ["run_id"])
    op.create_table(
        "sync_cursor",
        sa.Column("entity_type", sa.String(length=20), nullable=False),
        sa.Column("watermark", TS, nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("entity_type", name=op.f("pk_sync_cursor")),
    )
    op.create_table(
        "held_deletion",
        sa.Column("entity_type", sa.String(length=20), nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("entity_type", "id", name=op.f("pk_held_deletion")),
    )
    op.create_table(
        "sync_lock",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("run_id", sa.Integer()),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("host", sa.Text(), nullable=False),
        sa.Column("process_started", sa.Float()),
        sa.Column("acquired", TS, nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_sync_lock")),
    )


def downgrade() -> None:
    for table in ("sync_lock", "held_deletion", "sync_cursor", "sync_skipped", "sync_run_stats", "sync_run",
                  "catalogue_version"):
        op.drop_table(table)
    for entity in reversed(list(ENTITY_COLUMNS)):
        op.drop_table(f"catalogue_{entity}")
