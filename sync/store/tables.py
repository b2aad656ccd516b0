"""Imports every table module so that `metadata` is complete (for Alembic autogenerate and tests)."""

from __future__ import annotations

# Each area of the store owns one module and one Alembic branch (branch_label = area name):
#   catalogue_tables  -> branch "catalogue"
#   journey_tables    -> branch "journey"
#   findings_tables   -> branch "findings"
import importlib

for _name in ("catalogue_tables", "journey_tables", "findings_tables"):
    try:
        importlib.import_module(f"sync.store.{_name}")
    except ModuleNotFoundError as exc:  # an area not built yet
        if exc.name != f"sync.store.{_name}":
            raise
