"""Imports every table module so that `metadata` is complete (for Alembic and tests).

Each area of the store owns one module and one Alembic branch (branch_label = area name):
catalogue_tables -> "catalogue", journey_tables -> "journey", findings_tables -> "findings",
outbox_tables -> "outbox", job_tables -> "jobs", accounts_tables -> "accounts".
"""

from __future__ import annotations

from store import (
    accounts_tables,
    catalogue_tables,
    findings_tables,
    job_tables,
    journey_tables,
    outbox_tables,
)

__all__ = [
    "accounts_tables",
    "catalogue_tables",
    "findings_tables",
    "job_tables",
    "journey_tables",
    "outbox_tables",
]
