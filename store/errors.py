"""The store's errors: StoreError and its SchemaMismatch (see config/errors.py for the whole tree)."""

from __future__ import annotations

from config.errors import SwcError

__all__ = ["SchemaMismatch", "StoreError"]


class StoreError(SwcError):
    """The database could not be opened or written."""


class SchemaMismatch(StoreError):
    """The database schema is newer than this code, or could not be upgraded."""
