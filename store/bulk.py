"""Many-row INSERT and UPDATE straight through the driver's executemany, for the sync's hot path.

SQLAlchemy's executemany runs every bind processor on every parameter of every row. For a first sync that
is ~2.5 million calls (53k objects, an entity row and a version row each, ~20 columns) and was a quarter of
the run's CPU. Here the statement is still compiled by SQLAlchemy (so quoting, placeholders and casts are
the dialect's own), but values are converted by one function per column, chosen once per statement:

* SQLite: UTC timestamps become SQLAlchemy's own SQLite text form (`YYYY-MM-DD HH:MM:SS.ffffff`, naive
  UTC) through `datetime.isoformat`, and JSON columns take `RawJSON` as is;
* otherwise the column type's own bind processor (JSONB wrapping on PostgreSQL, for instance);
* a value that is the same object as the previous row's (the run's timestamp on every row) is converted
  once.

`tests/integration/test_store_bulk.py` checks on SQLite and PostgreSQL that rows written here read back
exactly as rows written through SQLAlchemy Core.
"""

from __future__ import annotations

import operator
import sqlite3
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Dialect

from connectors import jsoncodec
from store.base import RawJSON
from store.catalogue_tables import UTCDateTime

__all__ = ["RowWriter", "inserter", "updater", "insert_many", "update_many"]

Converter = Callable[[Any], Any]
_MAX_ROWS = 1000  # rows per multi-row INSERT on SQLite: keeps the statement text far below its 1 MB limit


def _sqlite_timestamp(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is not UTC:  # the connector's timestamps are already UTC: skip the conversion
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: the store keeps aware UTC timestamps only")
        value = value.astimezone(UTC)
    # SQLAlchemy's SQLite DATETIME text: "YYYY-MM-DD HH:MM:SS.ffffff"; slicing off "+00:00" is a third
    # cheaper than replace(tzinfo=None) first (millions of calls per large run)
    return value.isoformat(" ", "microseconds")[:26]


def _sqlite_json(value: Any) -> str:
    # sa.JSON stores Python None as the JSON text 'null' (none_as_null=False); so do we
    return str(value) if isinstance(value, RawJSON) else jsoncodec.dumps(value)


def _converter(column: sa.Column[Any], dialect: Dialect) -> Converter | None:
    if dialect.name == "sqlite":
        if isinstance(column.type, UTCDateTime):
            return _sqlite_timestamp
        if isinstance(column.type.dialect_impl(dialect), sa.JSON):
            return _sqlite_json
    processor: Converter | None = column.type.dialect_impl(dialect).bind_processor(dialect)
    return processor


def _memo(convert: Converter) -> Converter:
    """`convert`, skipping the work when called with the same object as last time."""
    last_in: Any = object()
    last_out: Any = None

    def converted(value: Any) -> Any:
        nonlocal last_in, last_out
        if value is not last_in:
            last_in, last_out = value, convert(value)
        return last_out

    return converted


def _sqlite_variable_limit(connection: Connection) -> int:
    """How many `?` one SQLite statement may hold (32766 since SQLite 3.32, 999 before)."""
    driver = connection.connection.driver_connection
    limit = getattr(driver, "getlimit", None)
    return int(limit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)) if limit is not None else 999


class RowWriter:
    """One compiled INSERT or UPDATE for a fixed set of keys: turns row dicts into driver values, runs them.

    `values()` and `execute()` may run on different threads (the sync prepares pages on the event loop and
    writes them on the store's worker thread); one writer's `values()` must stay on one thread, because
    of the memoised conversion.
    """

    def __init__(
        self,
        dialect: Dialect,
        statement: sa.Insert | sa.Update,
        keys: Sequence[str],
        column_of: Callable[[str], sa.Column[Any]],
    ) -> None:
        compiled = statement.compile(dialect=dialect, column_keys=list(keys))
        self.sql = str(compiled)
        self._names = list(compiled.positiontup or compiled.binds)
        self._named = compiled.positiontup is None
        self._converters = [
            (index, _memo(convert))
            for index, name in enumerate(self._names)
            if (convert := _converter(column_of(compiled.binds[name].key), dialect)) is not None
        ]
        # values in statement order by one C call per row; only the columns that need it are converted
        head, values_kw, group = self.sql.rpartition(" VALUES ")
        self._multi_row: tuple[str, str] | None = None
        if dialect.name == "sqlite" and isinstance(statement, sa.Insert) and values_kw and not self._named:
            self._multi_row = (head + values_kw, group)
        self._multi_row_cache: dict[int, str] = {}
        names = self._names
        self._get: Callable[[dict[str, Any]], tuple[Any, ...]] = (
            operator.itemgetter(*names) if len(names) > 1 else (lambda row: (row[names[0]],))
        )

    def values(self, row: dict[str, Any]) -> Any:
        """The driver's parameters for one row (a tuple, or a dict for named placeholders)."""
        values = list(self._get(row))
        for index, convert in self._converters:
            values[index] = convert(values[index])
        return dict(zip(self._names, values, strict=True)) if self._named else tuple(values)

    def execute(self, connection: Connection, params: Sequence[Any]) -> None:
        """Run the statement for every entry of `params` (from `values()`)."""
        if not params:
            return
        if self._multi_row is None:
            connection.exec_driver_sql(self.sql, list(params))
            return
        # SQLite: many rows per statement. executemany binds and steps row by row and retakes the GIL
        # after every row, so a busy event loop thread stalls it (measured: 60x slower under contention);
        # one multi-row INSERT is one step, with the GIL released for all of its rows.
        per_statement = max(1, min(_MAX_ROWS, _sqlite_variable_limit(connection) // len(self._names)))
        for start in range(0, len(params), per_statement):
            chunk = params[start : start + per_statement]
            sql = self._multi_row_sql(len(chunk))
            connection.exec_driver_sql(sql, tuple(value for row in chunk for value in row))

    def _multi_row_sql(self, rows: int) -> str:
        sql = self._multi_row_cache.get(rows)
        if sql is None:
            assert self._multi_row is not None
            head, group = self._multi_row
            sql = self._multi_row_cache[rows] = head + ", ".join([group] * rows)
        return sql


def inserter(dialect: Dialect, table: sa.Table, keys: Sequence[str]) -> RowWriter:
    """A writer of INSERTs into `table` of the columns `keys`."""
    return RowWriter(dialect, sa.insert(table), keys, lambda key: table.c[key])


def updater(dialect: Dialect, table: sa.Table, keys: Sequence[str], *, key: str = "b_id") -> RowWriter:
    """A writer of UPDATE `table` SET the other keys WHERE id = the value of `key`."""

    def column_of(name: str) -> sa.Column[Any]:
        return table.c.id if name == key else table.c[name]

    statement = sa.update(table).where(table.c.id == sa.bindparam(key))
    return RowWriter(dialect, statement, keys, column_of)


def insert_many(connection: Connection, table: sa.Table, rows: Sequence[dict[str, Any]]) -> None:
    """INSERT `rows` (dicts with the same keys, all of them columns of `table`)."""
    if rows:
        writer = inserter(connection.dialect, table, list(rows[0]))
        writer.execute(connection, [writer.values(row) for row in rows])


def update_many(
    connection: Connection, table: sa.Table, rows: Sequence[dict[str, Any]], *, key: str = "b_id"
) -> None:
    """UPDATE `table` SET the rows' columns WHERE id = row[key], for each row (dicts with the same keys)."""
    if rows:
        writer = updater(connection.dialect, table, list(rows[0]), key=key)
        writer.execute(connection, [writer.values(row) for row in rows])
