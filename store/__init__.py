"""The store: SQLAlchemy tables, `open_store(url)`, Alembic migrations (one branch per area)."""

from store.base import SchemaMismatch, Store, StoreError, metadata, open_store, redact_url

__all__ = ["SchemaMismatch", "Store", "StoreError", "metadata", "open_store", "redact_url"]
