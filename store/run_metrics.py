"""Read-only views of the run rows for the daemon's /metrics: totals per status, the last run's statistics."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from store.catalogue_tables import sync_run, sync_run_stats

__all__ = ["RunTotals", "LastRun", "load_run_totals", "load_last_finished_run"]

STAT_COLUMNS = ("listed", "new", "changed", "unchanged", "restored", "deleted", "skipped", "held_deletions")


@dataclass(frozen=True)
class RunTotals:
    """All runs of the store, by source and status, with the requests and retries they made."""

    runs: dict[tuple[str, str], int]
    requests: dict[str, int]
    retries: dict[str, int]


@dataclass(frozen=True)
class LastRun:
    """The newest finished run of a source and its statistics per entity type."""

    run_id: int
    mode: str
    status: str
    started: datetime
    finished: datetime | None
    stats: dict[str, dict[str, int]] = field(default_factory=dict)


def load_run_totals(session: Session) -> RunTotals:
    rows = session.execute(
        sa.select(
            sync_run.c.source,
            sync_run.c.status,
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(sync_run.c.requests), 0),
            sa.func.coalesce(sa.func.sum(sync_run.c.retries), 0),
        ).group_by(sync_run.c.source, sync_run.c.status)
    ).all()
    runs: dict[tuple[str, str], int] = {}
    requests: dict[str, int] = {}
    retries: dict[str, int] = {}
    for source, status, count, made, retried in rows:
        runs[(source, status)] = int(count)
        requests[source] = requests.get(source, 0) + int(made)
        retries[source] = retries.get(source, 0) + int(retried)
    return RunTotals(runs, requests, retries)


def load_last_finished_run(session: Session, source: str = "catalogue") -> LastRun | None:
    row = session.execute(
        sa.select(sync_run)
        .where(sync_run.c.source == source, sync_run.c.status != "running")
        .order_by(sync_run.c.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    columns = [getattr(sync_run_stats.c, name) for name in STAT_COLUMNS]
    stats = {
        entity: dict(zip(STAT_COLUMNS, (int(v) for v in values), strict=True))
        for entity, *values in session.execute(
            sa.select(sync_run_stats.c.entity_type, *columns).where(sync_run_stats.c.run_id == row.id)
        )
    }
    return LastRun(row.id, row.mode, row.status, row.started, row.finished, stats)
