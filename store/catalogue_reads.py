"""Reads of the stored catalogue for the rooms above: full records, or lean column tuples of the bulk types.

Reconciliation reads every record of the catalogue at once; for the bulk (usages, contacts, packages,
koppelingen) it asks only for the columns it needs, as plain tuples, so memory stays flat.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from connectors.catalogue_models import EntityType
from store.catalogue_tables import StoredRecord, entity_table, iter_stored

__all__ = ["JSON_LIST_COLUMNS", "load_column_rows", "load_records"]

# JSON columns holding lists of ids: read as text, decoded only when not empty, into interned strings
JSON_LIST_COLUMNS = frozenset({"roles", "koppelingen"})


def load_records(
    session: Session, entity: EntityType, *, include_deleted: bool = False
) -> Iterator[StoredRecord]:
    """The stored records of one type (live only by default) with their bookkeeping, without raw JSON."""
    return iter_stored(session, entity, include_deleted=include_deleted, with_raw=False)


def load_column_rows(
    session: Session, entity: EntityType, columns: Sequence[str], *, batch_size: int = 10000
) -> Iterator[Sequence[Any]]:
    """One row (deleted, *values) for every stored record of `entity`, deleted ones included.

    Values come in the order of `columns`; a JSON list column (`JSON_LIST_COLUMNS`) comes as a tuple of
    interned strings (empty when NULL or []). The rows are the driver's own, streamed in batches: no
    per-row copy, as reconcile reads hundreds of thousands of them.
    """
    table = entity_table(entity)
    cols = [
        sa.type_coerce(sa.cast(table.c[c], sa.Text), _IdList) if c in JSON_LIST_COLUMNS else table.c[c]
        for c in columns
    ]
    stmt = sa.select(table.c.deleted_at.is_not(None), *cols).execution_options(yield_per=batch_size)
    return iter(session.execute(stmt))


class _IdList(sa.types.TypeDecorator[tuple[str, ...]]):
    """A JSON list of ids read as text and decoded only when not empty (cheaper than the JSON type)."""

    impl = sa.Text
    cache_ok = True

    def process_result_value(self, value: Any, dialect: Any) -> tuple[str, ...]:
        return _ids(value)


def _ids(text: str | None) -> tuple[str, ...]:
    if not text or text in ("[]", "null"):
        return ()
    values = json.loads(text)
    return tuple(sys.intern(v) for v in values if isinstance(v, str) and v)
