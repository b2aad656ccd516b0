"""The daemon on second-level cron schedules: a failed first full sync is retried in full at the next tick,
reconciliation runs once a full sync has completed, failures are logged loudly, and /metrics parses."""

from __future__ import annotations

import logging
import socket
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from prometheus_client.parser import text_string_to_metric_families

from config import SwcError, load_settings
from sandbox.catalogue import CatalogueState, create_app
from sandbox.server import serve_in_thread
from store import open_store
from swc_beheer.daemon import Daemon, JobSpec, build_daemon
from tests.helpers.sync_checks import PASSWORD, USER, tiny_dataset

pytestmark = pytest.mark.integration

EVERY_SECOND = "* * * * * *"  # six fields: seconds first
NEVER = "0 3 1 1 *"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _runs(url: str) -> list[tuple[str, str]]:
    store = open_store(url)
    try:
        with store.engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT mode, status FROM sync_run WHERE source = 'catalogue' ORDER BY id"
            ).all()
    finally:
        store.close()
    return [(mode, status) for mode, status in rows]


def _wait(condition: Any, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError("condition not met in time")


def test_a_failed_first_full_sync_is_retried_in_full_and_reconcile_follows(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    port = _free_port()  # nothing listens here yet: the first sync fails to connect
    url = f"sqlite:///{tmp_path}/daemon.sqlite3"
    settings = load_settings(
        store={"url": url},
        daemon={"port": 0},
        catalogue={
            "base_url": f"http://127.0.0.1:{port}",
            "user": USER,
            "password": PASSWORD,
            "max_retries": 0,
        },
        github={"base_url": "sandbox"},
        sync={"full_every": 3},
        schedule={
            "sync_cron": EVERY_SECOND,
            "journey_cron": NEVER,
            "reconcile_cron": EVERY_SECOND,
            "jitter_seconds": 0,
        },
    )
    daemon = build_daemon(settings)
    daemon.jobs = [job for job in daemon.jobs if job.job_id != "journey:refresh"]
    server = None
    with caplog.at_level(logging.INFO, logger="swc.daemon"):
        daemon.start()
        try:
            _wait(lambda: len(_runs(url)) >= 1 and _runs(url)[0][1] == "failed")
            reconcile_before = daemon.statuses["reconcile:run"].last_outcome
            server = serve_in_thread(create_app(CatalogueState(tiny_dataset(seed=7)), users={USER: PASSWORD}),
                                     port=port)  # fmt: skip
            _wait(lambda: any(status == "success" for _, status in _runs(url)))
            _wait(lambda: daemon.statuses["reconcile:run"].last_outcome == "success")
            _wait(lambda: len(_runs(url)) >= 5)
        finally:
            daemon.stop()
            if server is not None:
                server.stop()
    runs = _runs(url)
    first_success = next(i for i, (_, status) in enumerate(runs) if status == "success")
    # every run up to and including the first completed one is full; failures do not move the count
    assert all(mode == "full" for mode, _ in runs[: first_success + 1]), runs
    assert all(status == "failed" for _, status in runs[:first_success]), runs
    # then full_every=3: two incremental runs, then a full one again
    assert [mode for mode, _ in runs[first_success + 1 : first_success + 4]] == [
        "incremental",
        "incremental",
        "full",
    ][: len(runs) - first_success - 1], runs
    assert reconcile_before in (None, "failed")  # refused while no full sync had completed
    failed_lines = [r for r in caplog.records if "sync:catalogue: failed" in r.getMessage()]
    assert failed_lines and all(r.levelno == logging.ERROR for r in failed_lines)


def test_metrics_parse_as_prometheus_text(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/metrics.sqlite3"
    state = CatalogueState(tiny_dataset(seed=3))
    with serve_in_thread(create_app(state, users={USER: PASSWORD})) as server:
        settings = load_settings(
            store={"url": url},
            daemon={"port": 0},
            catalogue={"base_url": server.url, "user": USER, "password": PASSWORD},
            github={"base_url": "sandbox"},
            schedule={
                "sync_cron": NEVER,
                "journey_cron": NEVER,
                "reconcile_cron": NEVER,
                "jitter_seconds": 0,
            },
        )
        daemon = build_daemon(settings)

        def broken() -> tuple[str, str]:
            raise SwcError("digest channel unreachable")

        daemon.jobs.append(JobSpec("test:broken", 3600, broken))
        daemon.start()
        try:
            for job in ("sync:catalogue", "journey:refresh", "reconcile:run", "test:broken"):
                _wait(lambda job=job: daemon.statuses[job].last_finished is not None)  # type: ignore[misc]
            response = httpx.get(f"http://127.0.0.1:{daemon.port}/metrics", timeout=10)
            status = httpx.get(f"http://127.0.0.1:{daemon.port}/status", timeout=10).json()
        finally:
            daemon.stop()
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    assert status["sandbox"] == ["github"]  # the settings point GitHub at the sandbox: /status says so
    families = {f.name: f for f in text_string_to_metric_families(response.text)}
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value for f in families.values() for s in f.samples
    }
    assert samples[("swc_job_runs_total", (("job", "sync:catalogue"), ("outcome", "success")))] == 1
    assert samples[("swc_job_runs_total", (("job", "test:broken"), ("outcome", "failed")))] == 1
    assert families["swc_job_runs"].type == "counter"
    assert ("swc_job_last_duration_seconds", (("job", "reconcile:run"),)) in samples
    # records by type of the last sync: the served listing, counted from the sandbox's own data
    for entity, schema in (("organisation", "organisatie"), ("usage", "gebruik"), ("package", "module")):
        key = ("swc_last_sync_records", (("entity", entity), ("kind", "listed")))
        assert samples[key] == len(state.ids(schema)), entity
        assert samples[("swc_last_sync_records", (("entity", entity), ("kind", "new")))] == len(
            state.ids(schema)
        )
    assert samples[("swc_api_requests_total", (("service", "catalogue"),))] > 0
    assert ("swc_api_retries_total", (("service", "catalogue"),)) in samples
    assert samples[("swc_sync_runs_total", (("source", "catalogue"), ("status", "success")))] == 1
    # findings by severity, against the table itself
    store = open_store(url)
    try:
        with store.engine.connect() as conn:
            expected = dict(
                conn.execute(
                    sa.text(
                        "SELECT severity, count(*) FROM finding"
                        " WHERE status IN ('new', 'open') GROUP BY severity"
                    )
                ).all()
            )
    finally:
        store.close()
    got = {
        labels[1][1]: value
        for (name, labels), value in samples.items()
        if name == "swc_findings" and dict(labels)["accepted"] == "false"
    }
    assert expected and got == expected
    assert samples[("swc_github_requests_total", ())] > 0


def test_metrics_of_a_daemon_without_a_store_still_parse() -> None:
    daemon = Daemon([JobSpec("sync:catalogue", 3600, lambda: ("success", "ran"))], port=0)
    daemon.start()
    try:
        _wait(lambda: daemon.statuses["sync:catalogue"].last_finished is not None, timeout=20)
        text = httpx.get(f"http://127.0.0.1:{daemon.port}/metrics", timeout=5).text
    finally:
        daemon.stop()
    families = list(text_string_to_metric_families(text))
    runs = next(f for f in families if f.name == "swc_job_runs")
    assert [(s.labels, s.value) for s in runs.samples] == [
        ({"job": "sync:catalogue", "outcome": "success"}, 1.0)
    ]


def test_jobs_sharing_a_schedule_run_in_list_order_not_by_id() -> None:
    order: list[str] = []
    names = ["sync:catalogue", "journey:refresh", "reconcile:run"]  # ids sort the other way round
    specs = [
        JobSpec(name, 1, lambda name=name: (order.append(name), ("success", name))[1], cron=EVERY_SECOND)  # type: ignore[misc]
        for name in names
    ]
    daemon = Daemon(specs, port=0)
    daemon.start()  # the first batch at start, then every second on the shared cron schedule
    try:
        _wait(lambda: len(order) >= 9, timeout=30)
    finally:
        daemon.stop()
    batches = len(order) // 3
    assert order[: 3 * batches] == names * batches
