"""views: stable SQL views for a reporting tool (BI) with database access, documented in docs/reporting.md.

The views read the catalogue and findings tables, so this branch depends on both. Their names and columns
are a public interface: change them only by adding a new view (or a new revision that keeps the columns).
A later migration that rebuilds one of the tables they read (SQLite batch mode) must drop and recreate them.

Revision ID: v0a1_views
Revises:
Create Date: 2026-12-04
"""
from alembic import op

revision = "v0a1_views"
down_revision = None
branch_labels = ("views",)
depends_on = ("c0a1_catalogue", "f0a1_findings")

ADMIN_ROLE_PATTERN = '%"organisatie-beheerder"%'  # one element of the JSON array roles, any case

VIEWS = {
    "report_usage_per_municipality": """
        SELECT o.id AS organisation_id, o.name AS name, o.cbs_code AS cbs_code, o.status AS status,
               COUNT(u.id) AS usages, COUNT(DISTINCT u.package_id) AS packages
        FROM catalogue_organisation o
        LEFT JOIN catalogue_usage u ON u.organisation_id = o.id AND u.deleted_at IS NULL
        WHERE o.deleted_at IS NULL AND o.type = 'gemeente'
        GROUP BY o.id, o.name, o.cbs_code, o.status
    """,
    "report_packages_by_use": """
        SELECT p.id AS package_id, p.name AS name, p.supplier_id AS supplier_id, s.name AS supplier_name,
               COUNT(u.id) AS usages,
               COUNT(DISTINCT CASE WHEN o.type = 'gemeente' THEN u.organisation_id END) AS municipalities
        FROM catalogue_package p
        LEFT JOIN catalogue_organisation s ON s.id = p.supplier_id AND s.deleted_at IS NULL
        LEFT JOIN catalogue_usage u ON u.package_id = p.id AND u.deleted_at IS NULL
        LEFT JOIN catalogue_organisation o ON o.id = u.organisation_id AND o.deleted_at IS NULL
        WHERE p.deleted_at IS NULL
        GROUP BY p.id, p.name, p.supplier_id, s.name
    """,
    "report_organisations_without_admin": f"""
        SELECT o.id AS organisation_id, o.name AS name, o.type AS type, COUNT(c.id) AS users
        FROM catalogue_organisation o
        LEFT JOIN catalogue_contact c ON c.organisation_id = o.id AND c.deleted_at IS NULL
        WHERE o.deleted_at IS NULL AND NOT EXISTS (
            SELECT 1 FROM catalogue_contact a
            WHERE a.organisation_id = o.id AND a.deleted_at IS NULL
              AND lower(CAST(a.roles AS TEXT)) LIKE '{ADMIN_ROLE_PATTERN}'
        )
        GROUP BY o.id, o.name, o.type
    """,
    "report_findings_per_step": """
        SELECT step, severity, COUNT(*) AS findings,
               SUM(CASE WHEN status = 'new' THEN 1 ELSE 0 END) AS new,
               SUM(CASE WHEN accepted_at IS NULL THEN 1 ELSE 0 END) AS alerting
        FROM finding
        WHERE status IN ('new', 'open')
        GROUP BY step, severity
    """,
}


def upgrade() -> None:
    for name, body in VIEWS.items():
        op.execute(f"CREATE VIEW {name} AS {body.strip()}")


def downgrade() -> None:
    for name in reversed(list(VIEWS)):
        op.execute(f"DROP VIEW IF EXISTS {name}")
