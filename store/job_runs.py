"""Job runs shared by every daemon on one database: claim a trigger once, record the outcome, summarise.

Several daemons may run against one PostgreSQL database (or, less usefully, one SQLite file). For each
scheduled trigger of a job exactly one of them runs it:

1. `claim_job_run(store, job_id, scheduled_at, owner)` inserts the (job, trigger) row; the unique key makes
   the insert of every later daemon fail, and they skip that trigger ("ran elsewhere").
2. The claimer then takes the job's run lock (store.runs.run_lock): a job still running from an earlier
   trigger elsewhere makes this trigger "skipped: running elsewhere", recorded, not failed.
3. `finish_job_run` records the outcome; rows left "running" by a daemon that died are marked "interrupted"
   by the next claimer that holds the lock (`mark_stale_job_runs`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from store.base import Store
from store.job_tables import job_run

__all__ = [
    "JobSummary",
    "claim_job_run",
    "count_job_runs",
    "finish_job_run",
    "load_job_summaries",
    "mark_stale_job_runs",
]

SUCCESSFUL = ("success", "partial")


@dataclass(frozen=True)
class JobSummary:
    """What the store knows of one job, whichever daemon ran it."""

    job_id: str
    runs: int
    last_started: datetime | None
    last_finished: datetime | None
    last_outcome: str | None
    last_message: str | None
    last_success: datetime | None
    last_owner: str | None


def _now() -> datetime:
    return datetime.now(UTC)


def claim_job_run(store: Store, job_id: str, scheduled_at: datetime | None, owner: str) -> int | None:
    """Insert the run row of this trigger; None when another daemon claimed the trigger first."""
    try:
        with store.transaction() as session:
            run_id = session.execute(
                sa.insert(job_run)
                .values(
                    job_id=job_id, scheduled_at=scheduled_at, started=_now(), outcome="running", owner=owner
                )
                .returning(job_run.c.id)
            ).scalar_one()
    except IntegrityError:
        return None
    return int(run_id)


def mark_stale_job_runs(store: Store, job_id: str, keep: int) -> int:
    """Rows of `job_id` still "running" other than `keep` belong to dead daemons (the caller holds the job's
    lock): they become "interrupted". Returns how many."""
    with store.transaction() as session:
        result = session.execute(
            sa.update(job_run)
            .where(job_run.c.job_id == job_id, job_run.c.outcome == "running", job_run.c.id != keep)
            .values(outcome="interrupted", finished=_now(), message="the daemon stopped before the job ended")
        )
    return int(getattr(result, "rowcount", 0) or 0)


def finish_job_run(store: Store, run_id: int, outcome: str, message: str) -> datetime:
    """Record a run's outcome and end; returns the end."""
    finished = _now()
    with store.transaction() as session:
        session.execute(
            sa.update(job_run)
            .where(job_run.c.id == run_id)
            .values(outcome=outcome, message=message[:2000], finished=finished)
        )
    return finished


def load_job_summaries(store: Store) -> dict[str, JobSummary]:
    """Per job: number of runs (skipped ones excluded), the latest run and the latest success."""
    counted = job_run.c.outcome != "skipped"
    with store.sessions() as session:
        counts: dict[str, int] = dict(
            session.execute(
                sa.select(job_run.c.job_id, sa.func.count()).where(counted).group_by(job_run.c.job_id)
            ).all()
        )
        successes: dict[str, datetime | None] = dict(
            session.execute(
                sa.select(job_run.c.job_id, sa.func.max(job_run.c.finished))
                .where(job_run.c.outcome.in_(SUCCESSFUL))
                .group_by(job_run.c.job_id)
            ).all()
        )
        newest = (
            sa.select(job_run.c.job_id, sa.func.max(job_run.c.id).label("id")).group_by(job_run.c.job_id)
        ).subquery()
        latest = session.execute(sa.select(job_run).join(newest, job_run.c.id == newest.c.id)).all()
    return {
        row.job_id: JobSummary(
            job_id=row.job_id,
            runs=int(counts.get(row.job_id, 0)),
            last_started=row.started,
            last_finished=row.finished,
            last_outcome=row.outcome,
            last_message=row.message,
            last_success=_aware(successes.get(row.job_id)),
            last_owner=row.owner,
        )
        for row in latest
    }


def count_job_runs(store: Store, job_id: str | None = None) -> dict[tuple[str, datetime | None], int]:
    """(job, trigger) -> rows that ran it (not skipped): every value is 1 when each trigger ran once."""
    stmt = (
        sa.select(job_run.c.job_id, job_run.c.scheduled_at, sa.func.count())
        .where(job_run.c.outcome != "skipped")
        .group_by(job_run.c.job_id, job_run.c.scheduled_at)
    )
    if job_id is not None:
        stmt = stmt.where(job_run.c.job_id == job_id)
    with store.sessions() as session:
        return {(j, _aware(s)): int(n) for j, s, n in session.execute(stmt).all()}


def _aware(value: datetime | None) -> datetime | None:
    # max() over a UTCDateTime column comes back without the type's processing on SQLite
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value
