"""Refresh the journeys' GitHub issues into the store and record what changed (issues and step statuses).

The SQL is the store's (store.journey); this module decides what to fetch and which statuses to record.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from connectors.github import GitHubClient
from connectors.github_fetch import RateLimitSeen
from connectors.github_models import IssueKey
from journey.models import Journey
from journey.rollup import Board
from store.base import Store
from store.journey import (
    IssueChange,
    StepChange,
    StepStatus,
    load_issue_states,
    save_issues,
    save_step_statuses,
)

__all__ = [
    "RefreshReport",
    "issue_keys",
    "record_step_statuses",
    "refresh_journeys",
]


@dataclass(frozen=True)
class RefreshReport:
    """One refresh: how many issues, what changed, what was deferred and what it cost."""

    started_at: datetime
    keys: int
    fetched: int
    changes: list[IssueChange]
    deferred: list[IssueKey]
    requests: int
    rate_points_used: int
    strategy: str
    reset_at: datetime | None = None
    rate_limits: dict[str, RateLimitSeen] = field(default_factory=dict)  # GitHub's last word, by resource

    @property
    def ok(self) -> bool:
        return not self.deferred


# -- issues ------------------------------------------------------------------------------------------------


def issue_keys(journeys: Iterable[Journey]) -> list[IssueKey]:
    """Every issue the journeys reference, once, in document order (repositories compared lower-case)."""
    seen: dict[IssueKey, IssueKey] = {}
    for journey in journeys:
        for step in journey.steps:
            for ref in step.refs:
                seen.setdefault(ref.key.normalised(), ref.key)
    return list(seen.values())


async def refresh_journeys(
    store: Store, client: GitHubClient, journeys: Sequence[Journey], *, now: datetime | None = None
) -> RefreshReport:
    """Fetch every referenced issue (with the stored ETags), save the results and record the changes.

    Deferred issues (rate-limit budget exhausted) keep their stored state; the report lists them.
    """
    started = now or datetime.now(UTC)
    keys = issue_keys(journeys)
    known = load_issue_states(store)
    result = await client.fetch_issues(keys, known=known)
    changes = save_issues(store, result.issues, now=started)
    return RefreshReport(
        started_at=started,
        keys=len(keys),
        fetched=len(result.issues),
        changes=changes,
        deferred=result.deferred,
        requests=result.requests,
        rate_points_used=result.rate_points_used,
        strategy=result.strategy,
        reset_at=result.reset_at,
        rate_limits=dict(result.rate_limits),
    )


# -- steps -------------------------------------------------------------------------------------------------


def record_step_statuses(store: Store, board: Board, *, now: datetime | None = None) -> list[StepChange]:
    """Store each step's status from the board; a history row for every new step or changed status."""
    return save_step_statuses(store, _step_statuses(board), at=now or board.generated_at)


def _step_statuses(board: Board) -> Iterator[StepStatus]:
    for journey in board.journeys:
        for phase in journey.phases:
            for step in phase.steps:
                yield StepStatus(journey.name, step.number, step.action, step.status)
