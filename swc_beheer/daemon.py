"""The daemon: APScheduler jobs under stable ids, plus a tiny health/status HTTP server.

Jobs (`sync:catalogue`, `journey:refresh`, `reconcile:run`) run at most one instance each, missed runs are
coalesced, and a failing job is logged and recorded — it never stops the scheduler or later runs.
`/healthz` answers 200 without any I/O; `/status` returns the last outcome per job as JSON and answers 503
when a job's last success is older than three of its intervals.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler

from config import Settings, SwcError
from store.base import store_errors

__all__ = ["Daemon", "JobStatus", "JobSpec", "build_jobs"]

log = logging.getLogger("swc.daemon")


class _HealthServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        # a probe that hangs up early is routine; anything else goes to the log, not bare to stderr
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError):
            log.debug("health client %s hung up: %s", client_address, error)
        else:
            log.error("health endpoint failed for %s", client_address, exc_info=True)


@dataclass
class JobStatus:
    """What the status endpoint tells about one job."""

    job_id: str
    interval_seconds: int
    runs: int = 0
    last_started: str | None = None
    last_finished: str | None = None
    last_success: str | None = None
    last_outcome: str | None = None  # success | partial | failed | error
    last_message: str | None = None


@dataclass(frozen=True)
class JobSpec:
    job_id: str
    interval_seconds: int
    run: Callable[[], tuple[str, str]]  # returns (outcome, one-line message)


@dataclass
class Daemon:
    """Scheduler + health server; `start()` returns at once, `stop()` ends both."""

    jobs: list[JobSpec]
    host: str = "127.0.0.1"
    store_url: str = ""  # only to name the database in error messages
    port: int = 8765
    statuses: dict[str, JobStatus] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _scheduler: BackgroundScheduler | None = None
    _http: ThreadingHTTPServer | None = None

    def start(self, *, run_now: bool = True) -> None:
        # Bind the health port first: if it is taken, nothing has been scheduled or run yet.
        self._http = _HealthServer((self.host, self.port), _handler_for(self))
        self._http.daemon_threads = True
        self.port = self._http.server_address[1]
        threading.Thread(target=self._http.serve_forever, name="swc-health", daemon=True).start()
        # One worker: the jobs write to the same store, and SQLite allows one writer at a time. Jobs that
        # fall due together queue up in list order (the catalogue sync first, so reconcile sees its data).
        self._scheduler = BackgroundScheduler(
            timezone="UTC", executors={"default": ThreadPoolExecutor(max_workers=1)}
        )
        start = datetime.now(UTC)
        for order, spec in enumerate(self.jobs):
            self.statuses[spec.job_id] = JobStatus(spec.job_id, spec.interval_seconds)
            self._scheduler.add_job(
                self._wrap(spec),
                "interval",
                seconds=spec.interval_seconds,
                id=spec.job_id,
                max_instances=1,
                coalesce=True,
                next_run_time=start + timedelta(milliseconds=10 * order) if run_now else None,
                misfire_grace_time=None,  # a job delayed behind a long sync still runs, late
            )
        self._scheduler.start()
        log.info(
            "daemon started: %s; health on http://%s:%d/healthz",
            [j.job_id for j in self.jobs],
            self.host,
            self.port,
        )

    def stop(self) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=True)  # lets a running sync finish its transaction
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()

    def _wrap(self, spec: JobSpec) -> Callable[[], None]:
        def job() -> None:
            status = self.statuses[spec.job_id]
            with self._lock:
                status.runs += 1
                status.last_started = _now()
            try:
                with store_errors(self.store_url):
                    outcome, message = spec.run()
            except SwcError as exc:  # expected: the source is down, a setting is wrong, ...
                outcome, message = "failed", exc.message
                log.warning("job %s failed: %s", spec.job_id, exc.message)
            except Exception as exc:  # a bug: log the stack, keep the scheduler alive
                outcome, message = "error", f"{type(exc).__name__}: {exc}"
                log.exception("job %s crashed", spec.job_id)
            with self._lock:
                status.last_finished = _now()
                status.last_outcome, status.last_message = outcome, message
                if outcome in ("success", "partial"):
                    status.last_success = status.last_finished
            log.info("job %s: %s %s", spec.job_id, outcome, message)

        return job

    def status_document(self) -> tuple[int, dict[str, Any]]:
        """(HTTP status, body): 503 when any job's last success is older than three intervals."""
        now = datetime.now(UTC)
        healthy = True
        with self._lock:
            jobs = {job_id: asdict(s) for job_id, s in self.statuses.items()}
        for body in jobs.values():
            limit = timedelta(seconds=3 * body["interval_seconds"])
            reference = body["last_success"] or body["last_started"]
            stale = reference is not None and now - datetime.fromisoformat(reference) > limit
            never = body["last_success"] is None and body["runs"] > 0 and body["last_finished"] is not None
            body["healthy"] = not stale and not never
            healthy = healthy and body["healthy"]
        return (200 if healthy else 503), {"healthy": healthy, "jobs": jobs, "now": now.isoformat()}


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _handler_for(daemon: Daemon) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
            log.debug("health: " + format, *args)

        def do_GET(self) -> None:  # noqa: N802 - stdlib name
            if self.path == "/healthz":
                self._send(200, {"ok": True})
            elif self.path == "/status":
                self._send(*daemon.status_document())
            else:
                self._send(404, {"error": "not found", "paths": ["/healthz", "/status"]})

        def _send(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


def build_jobs(settings: Settings) -> list[JobSpec]:
    """The scheduled jobs for these settings (each job opens and closes its own store and clients).

    Opens the store once first, so a bad URL or a schema problem fails at start-up, not in every job.
    """
    from swc_beheer import jobs
    from swc_beheer.wiring import open_store_from

    open_store_from(settings).close()

    counter = {"catalogue": 0}

    def catalogue() -> tuple[str, str]:
        # every `full_every`-th run is a full one (deletions need a full listing), the rest incremental
        full = counter["catalogue"] % settings.sync.full_every == 0
        counter["catalogue"] += 1
        return jobs.catalogue_job(settings, full=full)

    jobs_list = [
        JobSpec("sync:catalogue", settings.sync.interval_seconds, catalogue),
        JobSpec(
            "journey:refresh", settings.daemon.journey_interval_seconds, lambda: jobs.journey_job(settings)
        ),
        JobSpec(
            "reconcile:run", settings.daemon.reconcile_interval_seconds, lambda: jobs.reconcile_job(settings)
        ),
    ]
    if settings.digest.channels:  # digests: the tick composes what the cron schedule made due, then delivers
        from swc_beheer.digest_job import digest_job

        jobs_list.append(
            JobSpec("digest:weekly", settings.digest.check_interval_seconds, lambda: digest_job(settings))
        )
    if settings.journey.publish_dashboard:  # opt-in: the living dashboard issue on GitHub
        jobs_list.append(
            JobSpec(
                "journey:publish",
                settings.daemon.journey_interval_seconds,
                lambda: jobs.publish_job(settings),
            )
        )
    return jobs_list
