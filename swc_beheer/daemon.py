"""The daemon: APScheduler jobs under stable ids, plus a tiny health/status/metrics HTTP server.

Jobs (`sync:catalogue`, `journey:refresh`, `reconcile:run`) run on cron schedules (swc_beheer/schedule.py)
in Europe/Amsterdam with jitter, at most one instance each; missed runs are coalesced and a run later than
the misfire grace is skipped with a warning. A failing job is logged at WARNING (partial) or ERROR (failed,
crashed) with its reason and recorded; it never stops the scheduler or later runs.
`/healthz` answers 200 without any I/O; `/status` returns the last outcome per job as JSON and answers 503
when a job's last success is older than three of its intervals; `/metrics` speaks Prometheus.
Log records made while a job runs carry its id (swc_beheer/logs.py: the `job` field of a JSON line).
"""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from apscheduler.events import EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.schedulers.background import BackgroundScheduler

from config import Settings, SwcError
from store.base import Store, store_errors
from store.job_runs import JobSummary, load_job_summaries
from swc_beheer.job_guard import FireTimeExecutor, fired_at, run_guarded, trigger_slot
from swc_beheer.logs import job_context
from swc_beheer.metrics import Metric, Observations, job_metrics, render_metrics
from swc_beheer.schedule import InOrder

__all__ = ["Daemon", "JobStatus", "JobSpec", "build_daemon", "build_jobs"]

# How loudly a job's outcome is logged: an operator's alerting watches WARNING and up.
_OUTCOME_LEVELS = {"success": logging.INFO, "skipped": logging.INFO, "partial": logging.WARNING}

log = logging.getLogger("swc.daemon")

METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


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
    last_duration_seconds: float | None = None
    outcomes: dict[str, int] = field(default_factory=dict)  # runs per outcome (for /metrics)


@dataclass(frozen=True)
class JobSpec:
    job_id: str
    interval_seconds: int  # the schedule's longest gap (or the interval when there is no cron)
    run: Callable[[], tuple[str, str]]  # returns (outcome, one-line message)
    cron: str | None = None  # when given, the job runs on this cron schedule in the daemon's time zone
    cron_variable: str = "the cron expression"  # the setting it came from, for error messages


@dataclass
class Daemon:
    """Scheduler + health server; `start()` returns at once, `stop()` ends both."""

    jobs: list[JobSpec]
    host: str = "127.0.0.1"
    store_url: str = ""  # only to name the database in error messages
    port: int = 8765
    timezone: str = "Europe/Amsterdam"  # of the cron schedules
    jitter_seconds: int = 0
    misfire_grace_seconds: int | None = None  # None: a late run always runs
    sandbox: list[str] = field(default_factory=list)  # remotes the settings point at the sandbox
    collectors: list[Callable[[], list[Metric]]] = field(default_factory=list)  # more /metrics families
    # The shared store: with it, each trigger runs on one daemon only and /status reports every daemon's
    # runs (swc_beheer/job_guard.py). Without it (tests of the scheduler alone) jobs just run.
    store: Store | None = None
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
        # fall due together queue up in list order (the catalogue sync first, so reconcile sees its data):
        # at start 10 ms apart, and on a shared schedule through InOrder.
        self._scheduler = BackgroundScheduler(
            timezone=self.timezone, executors={"default": FireTimeExecutor(max_workers=1)}
        )
        self._scheduler.add_listener(self._missed, EVENT_JOB_MISSED)
        start = datetime.now(UTC)
        for order, spec in enumerate(self.jobs):
            self.statuses[spec.job_id] = JobStatus(spec.job_id, spec.interval_seconds)
            self._scheduler.add_job(
                self._wrap(spec),
                InOrder(self._trigger(spec), order),
                id=spec.job_id,
                max_instances=1,
                coalesce=True,  # runs missed while the daemon was down or busy become one
                next_run_time=start + timedelta(milliseconds=10 * order) if run_now else None,
                misfire_grace_time=self.misfire_grace_seconds,
            )
        self._scheduler.start()
        log.info(
            "daemon started: %s; health on http://%s:%d/healthz",
            [j.job_id for j in self.jobs],
            self.host,
            self.port,
        )

    def _trigger(self, spec: JobSpec) -> Any:
        from apscheduler.triggers.interval import IntervalTrigger

        from swc_beheer.schedule import build_trigger

        jitter = self.jitter_seconds or None
        if spec.cron is None:
            return IntervalTrigger(seconds=spec.interval_seconds, jitter=jitter, timezone=self.timezone)
        return build_trigger(spec.cron, timezone=self.timezone, jitter=jitter, variable=spec.cron_variable)

    def _missed(self, event: JobExecutionEvent) -> None:
        log.warning(
            "job %s missed its run at %s (more than %s s late); the next run follows the schedule",
            event.job_id,
            event.scheduled_run_time,
            self.misfire_grace_seconds,
        )

    def stop(self) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=True)  # lets a running sync finish its transaction
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
        if self.store is not None:
            self.store.close()

    def _slot(self, spec: JobSpec) -> datetime | None:
        """The trigger this run belongs to, the same on every daemon (None: interval job or run by hand)."""
        fired = fired_at()
        if spec.cron is None or fired is None:
            return None
        from swc_beheer.schedule import build_trigger

        plain = build_trigger(spec.cron, timezone=self.timezone, variable=spec.cron_variable)
        return trigger_slot(plain, fired, timedelta(seconds=2 * spec.interval_seconds + 60))

    def _run(self, spec: JobSpec) -> tuple[str, str]:
        if self.store is None:
            return spec.run()
        guarded = run_guarded(self.store, spec.job_id, self._slot(spec), spec.run)
        return guarded.outcome, guarded.message

    def _wrap(self, spec: JobSpec) -> Callable[[], None]:
        def job() -> None:
            status = self.statuses[spec.job_id]
            with self._lock:
                status.runs += 1
                status.last_started = _now()
            began = time.monotonic()
            try:
                with job_context(spec.job_id), store_errors(self.store_url):
                    outcome, message = self._run(spec)
            except SwcError as exc:  # expected: the source is down, a setting is wrong, ...
                outcome, message = "failed", exc.message
            except Exception as exc:  # a bug: log the stack, keep the scheduler alive
                outcome, message = "error", f"{type(exc).__name__}: {exc}"
                log.exception("job %s crashed", spec.job_id, extra={"job_id": spec.job_id})
            with self._lock:
                status.last_finished = _now()
                status.last_duration_seconds = round(time.monotonic() - began, 3)
                status.last_outcome, status.last_message = outcome, message
                status.outcomes[outcome] = status.outcomes.get(outcome, 0) + 1
                if outcome in ("success", "partial"):
                    status.last_success = status.last_finished
            level = _OUTCOME_LEVELS.get(outcome, logging.ERROR)
            log.log(level, "job %s: %s: %s", spec.job_id, outcome, message, extra={"job_id": spec.job_id})

        return job

    def status_document(self) -> tuple[int, dict[str, Any]]:
        """(HTTP status, body): 503 when any job's last success is older than three intervals.

        With a shared store, a job's last success is the newest of any daemon's (`everywhere` says which
        daemon ran last and how it went); a trigger skipped here because another daemon ran it is no failure.
        """
        now = datetime.now(UTC)
        healthy = True
        with self._lock:
            jobs = {job_id: asdict(s) for job_id, s in self.statuses.items()}
        shared = self._shared_summaries()
        for job_id, body in jobs.items():
            _merge_shared(body, shared.get(job_id))
            limit = timedelta(seconds=3 * body["interval_seconds"])
            reference = body["last_success"] or body["last_started"]
            stale = reference is not None and now - datetime.fromisoformat(reference) > limit
            failing = body["last_outcome"] in ("failed", "error")
            never = body["last_success"] is None and failing and body["last_finished"] is not None
            body["healthy"] = not stale and not never
            healthy = healthy and body["healthy"]
        body = {"healthy": healthy, "jobs": jobs, "now": now.isoformat(), "sandbox": list(self.sandbox)}
        if self.store is not None:
            body["outbox"] = self._outbox()
        return (200 if healthy else 503), body

    def _outbox(self) -> dict[str, Any]:
        """Digests waiting or failed (a failed digest is news for the operator, not ill health)."""
        from store.outbox import count_outbox, load_outbox

        assert self.store is not None
        try:
            with store_errors(self.store_url):
                counts = count_outbox(self.store)
                failed = load_outbox(self.store, ["failed"]) if counts.get("failed") else []
        except SwcError as exc:
            log.warning("status: %s", exc.message)
            return {}
        return {
            "pending": counts.get("pending", 0) + counts.get("sending", 0),
            "failed": [
                {"channel": e.channel, "period_end": e.period_end.isoformat(), "error": e.last_error}
                for e in failed[-10:]
            ],
        }

    def _shared_summaries(self) -> dict[str, JobSummary]:
        if self.store is None:
            return {}
        try:
            with store_errors(self.store_url):
                return load_job_summaries(self.store)
        except SwcError as exc:  # the store is busy or gone: report what this daemon knows
            log.warning("status: %s", exc.message)
            return {}

    def metrics_document(self) -> str:
        """/metrics: the jobs of this daemon and whatever the collectors add (a failing one is left out)."""
        with self._lock:
            statuses = {job_id: replace(s, outcomes=dict(s.outcomes)) for job_id, s in self.statuses.items()}
        families = job_metrics(statuses)
        for collect in self.collectors:
            try:
                with store_errors(self.store_url):
                    families.extend(collect())
            except SwcError as exc:  # the store is busy or gone: report the jobs, say why in the log
                log.warning("metrics: %s", exc.message)
        return render_metrics(families)


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _merge_shared(body: dict[str, Any], shared: JobSummary | None) -> None:
    """Add what the store knows of a job (any daemon's runs) to this daemon's view of it."""
    if shared is None:
        return
    if shared.last_success is not None:
        theirs = shared.last_success.isoformat()
        mine = body["last_success"]
        if mine is None or datetime.fromisoformat(mine) < shared.last_success:
            body["last_success"] = theirs
    body["everywhere"] = {
        "runs": shared.runs,
        "last_outcome": shared.last_outcome,
        "last_finished": shared.last_finished.isoformat() if shared.last_finished else None,
        "last_owner": shared.last_owner,
        "last_message": shared.last_message,
    }


def _handler_for(daemon: Daemon) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
            log.debug("health: " + format, *args)

        def do_GET(self) -> None:  # noqa: N802 - stdlib name
            if self.path == "/healthz":
                self._send(200, {"ok": True})
            elif self.path == "/status":
                self._send(*daemon.status_document())
            elif self.path == "/metrics":
                self._send(200, daemon.metrics_document(), content_type=METRICS_CONTENT_TYPE)
            else:
                self._send(404, {"error": "not found", "paths": ["/healthz", "/status", "/metrics"]})

        def _send(
            self, status: int, body: dict[str, Any] | str, content_type: str = "application/json"
        ) -> None:
            data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


def build_jobs(settings: Settings, observations: Observations | None = None) -> list[JobSpec]:
    """The scheduled jobs for these settings (each job opens and closes its own store and clients).

    Checks the remotes' URLs and opens the store once first, so a missing URL, a bad store URL or a schema
    problem fails at start-up, not in every job. `observations` collects what jobs report for /metrics.
    """
    from swc_beheer import jobs
    from swc_beheer.child import in_child
    from swc_beheer.schedule import SyncModes
    from swc_beheer.wiring import open_store_from, require_remote

    for remote in ("catalogue", "github"):
        require_remote(settings, remote)
    open_store_from(settings).close()
    schedule = settings.schedule
    modes = SyncModes(settings.sync.full_every)

    def catalogue() -> tuple[str, str]:
        # full until the store records a completed full sync, then every `full_every`-th completed run;
        # a failure does not move the count, so a failed full sync runs in full again at the next tick
        full = modes.next_is_full(jobs.full_sync_completed(settings))
        outcome, message = in_child(jobs.catalogue_job, settings, full=full)  # its memory goes back after
        modes.record(outcome)
        return outcome, message

    def spec(job_id: str, name: str, run: Callable[[], tuple[str, str]]) -> JobSpec:
        cron = getattr(schedule, f"{name}_cron")
        interval = _interval(cron, schedule.timezone, f"SWC_SCHEDULE__{name.upper()}_CRON")
        return JobSpec(job_id, interval, run, cron=cron, cron_variable=f"SWC_SCHEDULE__{name.upper()}_CRON")

    jobs_list = [
        spec("sync:catalogue", "sync", catalogue),
        spec("journey:refresh", "journey", lambda: jobs.journey_job(settings, observations)),
        spec("reconcile:run", "reconcile", lambda: in_child(jobs.reconcile_job, settings)),
    ]
    if settings.digest.channels:  # digests: the tick composes what the cron schedule made due, then delivers
        from swc_beheer.digest_job import digest_job

        jobs_list.append(
            JobSpec("digest:weekly", settings.digest.check_interval_seconds, lambda: digest_job(settings))
        )
    if settings.journey.publish_dashboard:  # opt-in: the living dashboard issue on GitHub
        jobs_list.append(spec("journey:publish", "journey", lambda: jobs.publish_job(settings)))
    return jobs_list


def _interval(cron: str, timezone: str, variable: str) -> int:
    from swc_beheer.schedule import build_trigger, cron_interval_seconds

    build_trigger(cron, timezone=timezone, variable=variable)  # a malformed expression names its setting
    return cron_interval_seconds(cron, timezone=timezone, now=datetime.now(UTC))


def build_daemon(settings: Settings) -> Daemon:
    """The daemon `swc-beheer serve` runs: jobs, schedules, health endpoint and /metrics from settings."""
    from swc_beheer.metrics import store_metrics
    from swc_beheer.wiring import open_store_from, store_url

    observations = Observations()
    schedule = settings.schedule
    return Daemon(
        build_jobs(settings, observations),
        host=settings.daemon.host,
        port=settings.daemon.port,
        store_url=settings.store.url,
        timezone=schedule.timezone,
        jitter_seconds=schedule.jitter_seconds,
        misfire_grace_seconds=schedule.misfire_grace_seconds,
        sandbox=[name for name in ("catalogue", "github") if getattr(settings, name).is_sandbox],
        collectors=[store_metrics(store_url(settings)), observations.families],
        store=open_store_from(settings),
    )
