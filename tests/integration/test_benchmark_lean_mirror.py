"""The lean mirror (benchmarks/lean_mirror.py) that benchmarks/sync.py compares our sync with.

A comparator that loses pages would look fast and make our figures look worse than they are, so it is held
to the same listing as the sync: every live object of every schema, once, with its raw JSON.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.integration.conftest import CatalogueServer

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ["organisatie", "contactpersoon", "module", "gebruik", "koppeling"]


def test_lean_mirror_stores_every_object_once(catalogue_server: CatalogueServer, tmp_path: Path) -> None:
    database = tmp_path / "lean.sqlite3"
    catalogue_server.state.reset_counters()
    page_size, concurrency = 40, 3  # many pages per schema, fetched concurrently
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.lean_mirror",
            catalogue_server.url,
            catalogue_server.user,
            catalogue_server.password,
            str(page_size),
            str(concurrency),
            str(database),
            ",".join(SCHEMAS),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])

    expected = {schema: set(catalogue_server.state.ids(schema)) for schema in SCHEMAS}
    assert report["records"] == sum(len(ids) for ids in expected.values())
    pages = sum(-(-len(ids) // page_size) for ids in expected.values())
    assert report["requests"] == pages == catalogue_server.state.request_count
    with sqlite3.connect(database) as connection:
        for schema, ids in expected.items():
            rows = dict(connection.execute(f'SELECT id, raw FROM "{schema}"'))
            assert set(rows) == ids, schema
            sample = sorted(ids)[0]
            shown = catalogue_server.client().get(catalogue_server.objects_url(schema, sample)).json()
            assert json.loads(rows[sample]) == shown
