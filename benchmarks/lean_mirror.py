"""The leanest mirror: what any sync client costs on this machine before it does anything a sync must do.

    python -m benchmarks.lean_mirror BASE_URL USER PASSWORD PAGE_SIZE CONCURRENCY DB SCHEMA,SCHEMA,...

Lists every schema exactly as our connector does (first page, page count from the envelope, the other
pages concurrently under the same bound, the same `_order`, gzip) over httpx, decodes each page with
orjson and writes `(id, raw JSON)` into one SQLite table per schema on a second thread, in one transaction,
with the store's pragmas. It maps nothing, hashes nothing, keeps no history, no typed columns, no indexes
but the primary key, and never retries. benchmarks/sync.py runs it beside our sync against the same
sandbox: the distance between the two is what the sync's own work costs, the distance between this and
the round-trip bound is what the machine (HTTP, JSON, SQLite and the sandbox sharing its cores) costs.

Prints one JSON line: records and requests.
"""

from __future__ import annotations

import asyncio
import json
import queue
import sqlite3
import sys
import threading
from typing import Any

import httpx
import orjson

API = "/index.php/apps/openregister/api/objects/voorzieningen/"
ORDER = {"_order[@self.created]": "asc", "_order[@self.uuid]": "asc"}
Batch = tuple[str, list[tuple[str, str]]]


def _writer(
    path: str,
    schemas: list[str],
    cache_kib: int,
    batches: queue.Queue[Batch | None],
    failed: list[BaseException],
) -> None:
    try:
        connection = sqlite3.connect(path, isolation_level=None)
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", f"cache_size=-{cache_kib}"):
            connection.execute(f"PRAGMA {pragma}")
        for schema in schemas:
            connection.execute(f'CREATE TABLE "{schema}" (id TEXT PRIMARY KEY, raw TEXT NOT NULL)')
        connection.execute("BEGIN")
        while (batch := batches.get()) is not None:
            schema, rows = batch
            connection.executemany(f'INSERT OR REPLACE INTO "{schema}" VALUES (?, ?)', rows)
        connection.execute("COMMIT")
        connection.close()
    except BaseException as exc:  # keep draining, so the fetching side never blocks on a full queue
        failed.append(exc)
        while batches.get() is not None:
            pass


def _object_id(item: dict[str, Any]) -> str:
    meta = item.get("@self") or {}
    return str(meta.get("id") or item["id"])


async def mirror(
    base_url: str,
    auth: tuple[str, str],
    page_size: int,
    concurrency: int,
    schemas: list[str],
    batches: queue.Queue[Batch | None],
) -> tuple[int, int]:
    """Fetch every page of every schema and queue its rows; returns (records, requests)."""
    bound = asyncio.Semaphore(concurrency)
    records = requests = 0
    async with httpx.AsyncClient(base_url=base_url, auth=auth, timeout=120) as client:

        async def page(schema: str, number: int) -> int:
            nonlocal records, requests
            async with bound:
                params: dict[str, str | int] = {"_limit": page_size, "_page": number, **ORDER}
                response = await client.get(API + schema, params=params)
                requests += 1
            response.raise_for_status()
            body = orjson.loads(response.content)
            rows = [(_object_id(item), orjson.dumps(item).decode()) for item in body["results"]]
            records += len(rows)
            await asyncio.to_thread(batches.put, (schema, rows))
            return int(body.get("pages") or 1)

        page_counts = await asyncio.gather(*(page(schema, 1) for schema in schemas))
        await asyncio.gather(
            *(
                page(schema, number)
                for schema, pages in zip(schemas, page_counts, strict=True)
                for number in range(2, pages + 1)
            )
        )
    return records, requests


def main() -> None:
    base_url, user, password = sys.argv[1:4]
    page_size, concurrency = int(sys.argv[4]), int(sys.argv[5])
    path, schemas = sys.argv[6], sys.argv[7].split(",")
    cache_kib = int(sys.argv[8]) if len(sys.argv) > 8 else 32 * 1024
    batches: queue.Queue[Batch | None] = queue.Queue(maxsize=4)  # like the sync: a bounded backlog
    failed: list[BaseException] = []
    writer = threading.Thread(target=_writer, args=(path, schemas, cache_kib, batches, failed))
    writer.start()
    try:
        records, requests = asyncio.run(
            mirror(base_url, (user, password), page_size, concurrency, schemas, batches)
        )
    finally:
        batches.put(None)
        writer.join()
    if failed:
        raise SystemExit(f"lean mirror: the SQLite writer failed: {failed[0]!r}")
    print(json.dumps({"records": records, "requests": requests}))


if __name__ == "__main__":
    main()
