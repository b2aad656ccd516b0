"""The move into store/, reconcile/, reports/ and swc_beheer/ changed no behaviour of the main job.

`tests/data/main_job_before_layout.json` was written by the code before the move (see its `_provenance`):
`swc-beheer run --sandbox` on a fresh SQLite store, summarised with plain sqlite3. This test runs the real
CLI the same way and summarises the result the same way, without any of the service's own code.
Later work may add tables and report files; every table and file of the summary must still be there with
the same counts, and the findings must carry the same fingerprints. One deliberate change (issue 12): the
findings report is now `findings.html` (a stable name) instead of `reconcile-<run>-<lang>.html`. The run
tables are shared with later sources (the accounts sync, issue 12): only the catalogue's runs count there.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]
BEFORE = ROOT / "tests" / "data" / "main_job_before_layout.json"
CATALOGUE_RUNS = {
    "sync_run": "SELECT count(*) FROM sync_run WHERE source = 'catalogue'",
    "sync_run_stats": "SELECT count(*) FROM sync_run_stats WHERE run_id IN "
    "(SELECT id FROM sync_run WHERE source = 'catalogue')",
}


def _summarise(db: Path, reports: Path) -> dict[str, Any]:
    con = sqlite3.connect(db)
    try:
        query = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        tables = [row[0] for row in con.execute(query)]
        counts = {name: con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in tables}
        for name, sql in CATALOGUE_RUNS.items():
            counts[name] = con.execute(sql).fetchone()[0]
        fingerprints = sorted(row[0] for row in con.execute("SELECT fingerprint FROM finding"))
    finally:
        con.close()
    files = sorted(p.name for p in reports.iterdir())
    return {"counts": counts, "fingerprints": fingerprints, "files": files}


def test_run_sandbox_gives_the_same_counts_fingerprints_and_files(tmp_path: Path) -> None:
    before = json.loads(BEFORE.read_text(encoding="utf-8"))
    db, reports = tmp_path / "swc.sqlite3", tmp_path / "reports"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SWC_")}
    env.update({"SWC_STORE__URL": f"sqlite:///{db}", "PYTHONPATH": str(ROOT), "COLUMNS": "200"})
    done = subprocess.run(
        [sys.executable, "-m", "swc_beheer.cli", "run", "--sandbox", "--reports", str(reports)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    after = _summarise(db, reports)
    assert {t: after["counts"].get(t) for t in before["counts"]} == before["counts"]
    assert after["fingerprints"] == before["fingerprints"]
    assert set(before["files"]) <= set(after["files"])
