"""SIGTERM / SIGINT to a real `swc-beheer sync` mid-run: a clear message, exit 143 / 130, no traceback, and
the store exactly as the last completed run left it (the interrupted run's row says "interrupted")."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from sandbox.catalogue import CatalogueState, create_app
from sandbox.faults import FaultPlan
from sandbox.server import serve_in_thread
from tests.helpers.sync_checks import PASSWORD, USER, tiny_dataset

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]


def _env(url: str, store_url: str, lang: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SWC_")}
    return {
        **clean,
        "PYTHONPATH": str(ROOT),
        "SWC_STORE__URL": store_url,
        "SWC_CATALOGUE__BASE_URL": url,
        "SWC_CATALOGUE__USER": USER,
        "SWC_CATALOGUE__PASSWORD": PASSWORD,
        "SWC_CATALOGUE__PAGE_SIZE": "5",  # many small pages: the run is long enough to stop half-way
        "SWC_CATALOGUE__CONCURRENCY": "1",
        "SWC_LANGUAGE": lang,
        "SWC_SYNC__ACCOUNTS": "false",  # the catalogue run is the one stopped here
    }


def _sync(env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "swc_beheer.cli", "sync"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _dump(store_url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (sync_run apart), in a stable order."""
    engine = sa.create_engine(store_url)
    try:
        with engine.connect() as conn:
            tables = sa.inspect(conn).get_table_names()
            return {
                name: sorted(
                    (tuple(row) for row in conn.execute(sa.text(f'SELECT * FROM "{name}"'))), key=repr
                )
                for name in tables
                if name != "sync_run"
            }
    finally:
        engine.dispose()


def _runs(store_url: str) -> list[tuple[Any, ...]]:
    engine = sa.create_engine(store_url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text("SELECT * FROM sync_run ORDER BY id"))]
    finally:
        engine.dispose()


def _status_of(store_url: str, run_id: int) -> str | None:
    engine = sa.create_engine(store_url)
    try:
        with engine.connect() as conn:
            row = conn.execute(sa.text("SELECT status FROM sync_run WHERE id = :id"), {"id": run_id}).first()
            return None if row is None else str(row[0])
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("signum", "code", "lang", "said"),
    [
        (signal.SIGTERM, 143, "nl", "Onderbroken door SIGTERM"),
        (signal.SIGINT, 130, "en", "Interrupted by SIGINT"),
    ],
)
def test_a_signal_mid_sync_ends_it_cleanly(
    store_url: str, signum: int, code: int, lang: str, said: str
) -> None:
    state = CatalogueState(tiny_dataset(seed=7))
    with serve_in_thread(create_app(state, users={USER: PASSWORD})) as fast:
        first = subprocess.run(
            [sys.executable, "-m", "swc_beheer.cli", "sync"],
            cwd=ROOT, env=_env(fast.url, store_url, lang), capture_output=True, text=True, timeout=300,
        )  # fmt: skip
    assert first.returncode == 0, first.stderr
    before, runs_before = _dump(store_url), _runs(store_url)
    assert len(runs_before) == 1  # one completed run so far
    # the catalogue changes, and answers slowly: the next sync has real work when it is stopped
    for oid in state.ids("module"):
        state.update("module", oid, naam="Gewijzigd in de onderbroken run")
    state.add("gebruik", {"afnemer": state.ids("organisatie")[0], "module": state.ids("module")[0]})
    slow = create_app(state, users={USER: PASSWORD}, faults=FaultPlan(latency_ms=60))
    with serve_in_thread(slow) as server:
        start = state.request_count
        proc = _sync(_env(server.url, store_url, lang))
        try:
            deadline = time.monotonic() + 120
            next_id = len(runs_before) + 1
            while not (_status_of(store_url, next_id) == "running" and state.request_count >= start + 8):
                assert proc.poll() is None, f"the sync ended before it was stopped: {proc.communicate()}"
                assert time.monotonic() < deadline, "the sync did not get going"
                time.sleep(0.1)
            proc.send_signal(signum)
            out, err = proc.communicate(timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert proc.returncode == code, (out, err)
    assert said in err, err
    assert "Traceback" not in err and "Traceback" not in out
    assert _dump(store_url) == before  # not one row of the stopped run's data was saved
    runs_after = _runs(store_url)
    assert runs_after[: len(runs_before)] == runs_before
    assert len(runs_after) == len(runs_before) + 1
    assert _status_of(store_url, next_id) == "interrupted"
