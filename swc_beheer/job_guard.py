"""Run a scheduled job once per trigger across every daemon on one store, and record it there.

Several daemons (for availability) may share one PostgreSQL database. For each trigger of a job:
- the first daemon to claim the (job, trigger) row runs it; the others skip it silently ("ran elsewhere");
- the claimer then takes the job's store lock; if an earlier trigger's run is still going elsewhere (or a
  CLI run holds the catalogue sync's own lock), this trigger is recorded as "skipped: running elsewhere",
  never as a failure;
- the outcome is written to the store, so `/status` shows the last success whichever daemon had it.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.executors.base import run_job
from apscheduler.executors.pool import ThreadPoolExecutor

from config.errors import SwcError
from store.base import Store
from store.job_runs import claim_job_run, finish_job_run, mark_stale_job_runs
from store.runs import SyncAborted, run_lock

__all__ = ["FireTimeExecutor", "GuardedOutcome", "OWNER", "fired_at", "run_guarded", "trigger_slot"]

log = logging.getLogger("swc.daemon")

OWNER = f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class GuardedOutcome:
    """What became of one trigger in this daemon: ran (with the job's outcome) or skipped, and why."""

    outcome: str  # success | partial | failed | error | skipped
    message: str
    ran_here: bool
    recorded: bool  # False only when another daemon had claimed the trigger


def run_guarded(
    store: Store,
    job_id: str,
    scheduled_at: datetime | None,
    job: Callable[[], tuple[str, str]],
    *,
    owner: str = OWNER,
) -> GuardedOutcome:
    """Claim the trigger, take the job's lock, run `job` and record its outcome; never raises SwcError."""
    run_id = claim_job_run(store, job_id, scheduled_at, owner)
    if run_id is None:
        return GuardedOutcome("skipped", "ran elsewhere", ran_here=False, recorded=False)
    try:
        with run_lock(store, f"job:{job_id}"):
            mark_stale_job_runs(store, job_id, keep=run_id)
            outcome, message = _run(job_id, job)
    except SyncAborted as exc:  # the job's lock is held by another daemon's (earlier) run
        outcome, message = "skipped", f"running elsewhere: {exc.message}"
    finish_job_run(store, run_id, outcome, message)
    return GuardedOutcome(outcome, message, ran_here=outcome != "skipped", recorded=True)


def _run(job_id: str, job: Callable[[], tuple[str, str]]) -> tuple[str, str]:
    try:
        return job()
    except SyncAborted as exc:  # e.g. a CLI sync holds the catalogue lock: not this daemon's failure
        return "skipped", f"running elsewhere: {exc.message}"
    except SwcError as exc:  # expected: the source is down, a setting is wrong, ...
        log.warning("job %s failed: %s", job_id, exc.message)
        return "failed", exc.message
    except Exception as exc:  # a bug: log the stack, keep the scheduler alive
        log.exception("job %s crashed", job_id)
        return "error", f"{type(exc).__name__}: {exc}"


# -- which trigger is this? ---------------------------------------------------------------------------

_fired = threading.local()


class FireTimeExecutor(ThreadPoolExecutor):  # type: ignore[misc]  # APScheduler 3 ships no type hints
    """APScheduler's thread pool, telling the running job which fire time it was submitted for.

    APScheduler 3 passes the run times to its own `run_job` but not to the job function; the trigger's
    identity across daemons needs it (`fired_at()` inside the job).
    """

    def _do_submit_job(self, job: Any, run_times: list[datetime]) -> None:
        def run() -> Any:
            _fired.at = run_times[-1] if run_times else None
            try:
                return run_job(job, job._jobstore_alias, run_times, self._logger.name)
            finally:
                _fired.at = None

        def callback(future: Any) -> None:
            exc = future.exception()
            if exc:
                self._run_job_error(job.id, exc, getattr(exc, "__traceback__", None))
            else:
                self._run_job_success(job.id, future.result())

        self._pool.submit(run).add_done_callback(callback)


def fired_at() -> datetime | None:
    """The fire time the running job was submitted for (jitter and ordering offsets included), if known."""
    value: datetime | None = getattr(_fired, "at", None)
    return value


def trigger_slot(plain: Any, fired: datetime, lookback: timedelta) -> datetime | None:
    """The newest fire time of the jitter-free trigger `plain` at or before `fired`.

    Every daemon with the same schedule computes the same slot for the same trigger, whatever jitter
    delayed its own run, as long as the jitter is shorter than the gap between two fire times.
    """
    slot: datetime | None = None
    moment: datetime | None = plain.get_next_fire_time(None, fired - lookback)
    while moment is not None and moment <= fired:
        slot = moment
        moment = plain.get_next_fire_time(moment, moment + timedelta(microseconds=1))
    return slot.astimezone(UTC) if slot is not None else None
