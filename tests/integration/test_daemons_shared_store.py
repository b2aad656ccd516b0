"""Three daemons on one PostgreSQL database: every trigger of every job runs once, on one of them.

Real processes (`swc-beheer serve`), a real sandbox catalogue on loopback (slowed down, so a sync takes a
few seconds), second-level cron schedules, and one daemon SIGKILLed in the middle of a catalogue sync. The
counts come from the store's own tables, read with plain SQL.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import httpx
import psutil
import pytest
import sqlalchemy as sa

from sandbox.faults import FaultPlan
from tests.integration.conftest import CatalogueServer

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]
SECONDS = int(os.environ.get("SWC_TEST_DAEMONS_SECONDS", "50"))  # after the kill: as long again, halved


class DaemonProcess:
    """One `swc-beheer serve` child; collects its stderr and learns its health port from it."""

    def __init__(self, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "swc_beheer.cli", "serve"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        self.lines: list[str] = []
        self.port: int | None = None
        threading.Thread(target=self._read, args=(self.proc.stderr,), daemon=True).start()

    def _read(self, stream: IO[str] | None) -> None:
        assert stream is not None
        for line in stream:
            self.lines.append(line)
            found = re.search(r"health on http://127\.0\.0\.1:(\d+)/healthz", line)
            if found:
                self.port = int(found.group(1))

    @property
    def pid(self) -> int:
        return self.proc.pid

    def status(self) -> tuple[int, dict[str, Any]]:
        response = httpx.get(f"http://127.0.0.1:{self.port}/status", timeout=10)
        return response.status_code, response.json()

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=120)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()


def _wait(condition: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"not in {timeout} s: {what}")


@pytest.fixture
def server(make_catalogue_server: Callable[..., CatalogueServer]) -> CatalogueServer:
    # 150 ms a request and small pages: a sync of the tiny dataset takes a few seconds, long enough to kill
    return make_catalogue_server(faults=FaultPlan(seed=3, latency_ms=150))


@pytest.fixture
def daemons_env(server: CatalogueServer, pg_url: str, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SWC_")}
    env.update(
        PYTHONPATH=str(ROOT),
        SWC_STORE__URL=pg_url,
        SWC_REPORTS_DIR=str(tmp_path / "reports"),
        SWC_CATALOGUE__BASE_URL=server.url,
        SWC_CATALOGUE__USER=server.user,
        SWC_CATALOGUE__PASSWORD=server.password,
        SWC_CATALOGUE__PAGE_SIZE="40",
        SWC_GITHUB__BASE_URL="sandbox",
        SWC_SYNC__FULL_EVERY="2",
        # the accounts sync (one 150 ms request per account) would outlast the 18 s health window of a
        # 6 s schedule; this test is about triggers and kills (accounts: test_accounts_sync.py)
        SWC_SYNC__ACCOUNTS="false",
        SWC_DAEMON__PORT="0",
        SWC_SCHEDULE__SYNC_CRON="*/6 * * * * *",
        SWC_SCHEDULE__JOURNEY_CRON="2-59/6 * * * * *",
        SWC_SCHEDULE__RECONCILE_CRON="4-59/6 * * * * *",
        SWC_SCHEDULE__JITTER_SECONDS="0",
    )
    # the store starts with a completed full sync, so reconciliation has what it needs from the first trigger
    done = subprocess.run([sys.executable, "-m", "swc_beheer.cli", "sync", "--full", "--json"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return env


@pytest.fixture
def engine(pg_url: str) -> Iterator[sa.Engine]:
    eng = sa.create_engine(pg_url)
    yield eng
    eng.dispose()


def _rows(engine: sa.Engine, sql: str, **params: Any) -> list[sa.Row[Any]]:
    with engine.connect() as conn:
        return list(conn.execute(sa.text(sql), params))


def test_three_daemons_run_each_trigger_once_and_survive_a_kill(
    daemons_env: dict[str, str], engine: sa.Engine, server: CatalogueServer
) -> None:
    daemons = [DaemonProcess(daemons_env) for _ in range(3)]
    try:
        _wait(lambda: all(d.port for d in daemons), 120, "every daemon listens")
        by_pid = {d.pid: d for d in daemons}

        def running_sync() -> DaemonProcess | None:
            # a catalogue sync whose data transaction is under way (its sync_run row says so, with its pid:
            # the daemon runs the sync in a child process, so the row names the child)
            rows = _rows(engine, "SELECT pid FROM sync_run WHERE status = 'running'")
            for (pid,) in rows:
                try:
                    parent = psutil.Process(pid).ppid()
                except psutil.NoSuchProcess:
                    continue
                if parent in by_pid:
                    return by_pid[parent]
            return None

        time.sleep(SECONDS / 2)
        victim = _wait(running_sync, 120, "a catalogue sync running on one of the daemons")
        victim.proc.send_signal(signal.SIGKILL)
        victim.proc.wait(timeout=30)
        killed_at = datetime.now(UTC)
        survivors = [d for d in daemons if d is not victim]
        time.sleep(SECONDS / 2)
        statuses = [d.status() for d in survivors]
    finally:
        codes = [d.stop() for d in daemons]

    # every trigger was claimed by one daemon; none ran twice, none failed
    per_trigger = _rows(
        engine,
        "SELECT job_id, scheduled_at, count(*) AS claims, "
        "sum(CASE WHEN outcome IN ('success', 'partial', 'running', 'interrupted') THEN 1 ELSE 0 END) AS ran "
        "FROM job_run WHERE scheduled_at IS NOT NULL GROUP BY job_id, scheduled_at",
    )
    assert per_trigger, "no scheduled run at all"
    assert [r for r in per_trigger if r.claims != 1 or r.ran > 1] == []
    outcomes = dict(_rows(engine, "SELECT outcome, count(*) FROM job_run GROUP BY outcome"))
    assert outcomes.get("failed", 0) == 0 and outcomes.get("error", 0) == 0, outcomes
    sql = "SELECT job_id, count(*) FROM job_run WHERE outcome = 'success' GROUP BY job_id"
    by_job = dict(_rows(engine, sql))
    assert set(by_job) >= {"sync:catalogue", "journey:refresh", "reconcile:run"}, by_job
    owners = {owner.rsplit(":", 1)[1] for (owner,) in _rows(engine, "SELECT DISTINCT owner FROM job_run")}
    assert len(owners) >= 2, "the triggers were shared out"

    # the others took the next triggers after the kill; the killed run is accounted for, not left running
    later = _rows(
        engine,
        "SELECT owner FROM job_run WHERE job_id = 'sync:catalogue' AND outcome = 'success' AND started > :t",
        t=killed_at,
    )
    assert later and all(not owner.endswith(f":{victim.pid}") for (owner,) in later)
    sql = "SELECT outcome FROM job_run WHERE owner LIKE :o AND job_id = 'sync:catalogue'"
    victim_rows = _rows(engine, sql, o=f"%:{victim.pid}")
    assert ("interrupted",) in victim_rows and ("running",) not in victim_rows

    # the store is intact: the killed sync's transaction left nothing; a later full listing equals the source
    sync_states = dict(_rows(engine, "SELECT status, count(*) FROM sync_run GROUP BY status"))
    assert sync_states.get("running", 0) == 0 and sync_states.get("interrupted", 0) >= 1, sync_states
    served = {o["id"] for o in server.state.snapshot()["organisatie"]}
    stored = {r[0] for r in _rows(engine, "SELECT id FROM catalogue_organisation WHERE deleted_at IS NULL")}
    assert stored == served

    # the survivors report healthy, and no daemon printed a traceback
    assert [code for code, _ in statuses] == [200, 200], statuses
    assert all(codes[i] == 0 for i, d in enumerate(daemons) if d is not victim), codes
    assert not [line for d in daemons for line in d.lines if "Traceback" in line]
