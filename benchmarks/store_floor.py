"""The store's floor: how long SQLite alone takes to write what a sync wrote.

Copies every `catalogue_*` table (with its indexes) of a synced database into a new one, with the store's
pragmas, in one transaction, by plain `sqlite3` executemany: no HTTP, no JSON, no mapping, no second
thread. Only the writes and the commit are timed. A sync cannot be faster than this on the same machine,
whatever the round-trip bound says.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

CHUNK = 1000


def store_floor(synced: Path, scratch: Path, cache_kib: int) -> float:
    """Seconds SQLite needs to insert and commit the catalogue rows of `synced` into `scratch`."""
    source = sqlite3.connect(synced)
    target = sqlite3.connect(scratch, isolation_level=None)
    try:
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", f"cache_size=-{cache_kib}"):
            target.execute(f"PRAGMA {pragma}")
        tables = [
            name
            for (name,) in source.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'catalogue%'"
            )
        ]
        for (ddl,) in source.execute(
            "SELECT sql FROM sqlite_master WHERE tbl_name LIKE 'catalogue%' AND sql IS NOT NULL "
            "ORDER BY type DESC"  # tables before their indexes
        ):
            target.execute(ddl)
        spent = 0.0
        target.execute("BEGIN")
        for table in tables:
            cursor = source.execute(f'SELECT * FROM "{table}"')
            insert = f'INSERT INTO "{table}" VALUES ({", ".join("?" * len(cursor.description))})'
            while rows := cursor.fetchmany(CHUNK):
                started = time.perf_counter()
                target.executemany(insert, rows)
                spent += time.perf_counter() - started
        started = time.perf_counter()
        target.execute("COMMIT")
        return spent + time.perf_counter() - started
    finally:
        source.close()
        target.close()
