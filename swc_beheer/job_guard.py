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
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from config.errors import SwcError
from store.base import Store
from store.job_runs import claim_job_run, finish_job_run, mark_stale_job_runs
from store.runs import SyncAborted, run_lock

__all__ = ["GuardedOutcome", "OWNER", "run_guarded"]

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
