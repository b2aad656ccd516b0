"""The daemon over real HTTP: jobs run against the sandboxes; /healthz and /status answer."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from config import load_settings
from store import open_store
from swc_beheer.daemon import Daemon, JobSpec, build_jobs

pytestmark = pytest.mark.integration


def _wait_for(daemon: Daemon, job_id: str, timeout: float = 180) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = daemon.statuses[job_id]
        if status.last_finished is not None:
            return {"outcome": status.last_outcome, "message": status.last_message}
        time.sleep(0.2)
    raise AssertionError(f"{job_id} did not finish within {timeout} s")


def test_daemon_runs_all_jobs_and_reports_status(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/daemon.sqlite3"
    settings = load_settings(
        store={"url": url},
        daemon={"port": 0},
        catalogue={"base_url": "sandbox"},  # asked for explicitly: there is no sandbox default
        github={"base_url": "sandbox"},
        schedule={"sync_cron": "0 3 1 1 *", "journey_cron": "0 3 1 1 *", "reconcile_cron": "0 3 1 1 *"},
    )
    daemon = Daemon(build_jobs(settings), port=0)
    daemon.start()
    try:
        health = httpx.get(f"http://127.0.0.1:{daemon.port}/healthz", timeout=5)
        assert health.status_code == 200 and health.json() == {"ok": True}
        results = {
            job: _wait_for(daemon, job) for job in ("sync:catalogue", "journey:refresh", "reconcile:run")
        }
        assert results["sync:catalogue"]["outcome"] == "success", results
        assert results["journey:refresh"]["outcome"] == "success", results
        assert results["reconcile:run"]["outcome"] == "success", results
        written = {p.name for p in (tmp_path / "reports").iterdir()}  # every report after reconciling
        assert {"findings.html", "usage.html", "users.html", "concepts.html"} <= written, written
        status = httpx.get(f"http://127.0.0.1:{daemon.port}/status", timeout=5)
        body = status.json()
        assert status.status_code == 200 and body["healthy"] is True
        assert set(body["jobs"]) == {"sync:catalogue", "journey:refresh", "reconcile:run"}
        assert body["jobs"]["sync:catalogue"]["runs"] == 1
        assert "full" in body["jobs"]["sync:catalogue"]["last_message"]  # the first run is a full one
    finally:
        daemon.stop()
    store = open_store(url)
    try:
        with store.engine.connect() as conn:
            organisations = conn.exec_driver_sql("SELECT count(*) FROM catalogue_organisation").scalar_one()
            issues = conn.exec_driver_sql("SELECT count(*) FROM journey_issue").scalar_one()
        assert organisations > 300 and issues == 9
    finally:
        store.close()


def test_failing_job_is_recorded_and_status_turns_unhealthy() -> None:
    from config import SwcError

    calls: list[int] = []

    def broken() -> tuple[str, str]:
        calls.append(1)
        raise SwcError("catalogue unreachable")

    daemon = Daemon([JobSpec("sync:catalogue", 3600, broken)], port=0)
    daemon.start()
    try:
        result = _wait_for(daemon, "sync:catalogue", timeout=20)
        assert result == {"outcome": "failed", "message": "catalogue unreachable"}
        status = httpx.get(f"http://127.0.0.1:{daemon.port}/status", timeout=5)
        assert status.status_code == 503
        assert status.json()["jobs"]["sync:catalogue"]["healthy"] is False
        assert httpx.get(f"http://127.0.0.1:{daemon.port}/healthz", timeout=5).status_code == 200
    finally:
        daemon.stop()
    assert calls == [1]


def test_a_crashing_job_does_not_stop_the_scheduler() -> None:
    runs: list[int] = []

    def crash() -> tuple[str, str]:
        runs.append(1)
        raise RuntimeError("bug")

    daemon = Daemon(
        [JobSpec("reconcile:run", 3600, crash), JobSpec("journey:refresh", 3600, lambda: ("success", "ok"))],
        port=0,
    )
    daemon.start()
    try:
        assert _wait_for(daemon, "reconcile:run", timeout=20)["outcome"] == "error"
        assert _wait_for(daemon, "journey:refresh", timeout=20)["outcome"] == "success"
    finally:
        daemon.stop()


def test_a_taken_health_port_fails_before_any_job_runs() -> None:
    import socket

    calls: list[int] = []
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        daemon = Daemon([JobSpec("sync:catalogue", 3600, lambda: (calls.append(1), ("success", "ran"))[1])],
                        port=taken.getsockname()[1])  # fmt: skip
        with pytest.raises(OSError):
            daemon.start()
    time.sleep(0.5)
    assert calls == []


def test_jobs_run_one_at_a_time_in_order() -> None:
    import threading

    running: list[str] = []
    overlaps: list[str] = []
    order: list[str] = []
    lock = threading.Lock()

    def job(name: str) -> tuple[str, str]:
        with lock:
            if running:
                overlaps.append(name)
            running.append(name)
            order.append(name)
        time.sleep(0.3)
        with lock:
            running.remove(name)
        return "success", name

    names = ["sync:catalogue", "journey:refresh", "reconcile:run"]
    daemon = Daemon([JobSpec(n, 3600, lambda n=n: job(n)) for n in names], port=0)  # type: ignore[misc]
    daemon.start()
    try:
        for name in names:
            _wait_for(daemon, name, timeout=20)
    finally:
        daemon.stop()
    assert overlaps == [] and order == names


def test_a_probe_hanging_up_is_logged_quietly_not_printed(
    capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    import socket
    import struct

    daemon = Daemon([JobSpec("sync:catalogue", 3600, lambda: ("success", "ran"))], port=0)
    daemon.start(run_now=False)
    try:
        with caplog.at_level("DEBUG", logger="swc.daemon"):
            probe = socket.create_connection(("127.0.0.1", daemon.port))
            probe.sendall(b"GET /healthz HTTP/1.1\r\nHost: swc\r\n")  # headers never finished
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            probe.close()  # reset
            deadline = time.monotonic() + 5
            while "hung up" not in caplog.text and time.monotonic() < deadline:
                time.sleep(0.02)
        assert "hung up" in caplog.text
        assert httpx.get(f"http://127.0.0.1:{daemon.port}/healthz", timeout=5).status_code == 200
    finally:
        daemon.stop()
    assert "Traceback" not in capfd.readouterr().err
