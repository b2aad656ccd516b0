"""The journey area's reads and writes: GitHub issues and their field history, step statuses and theirs.

`save_issues` and `save_step_statuses` record a history row for every tracked change and return the
changes; `load_changes_since` reads them back, oldest first (the input of digests and alerts).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import Session

from connectors.github_models import Comment, IssueInfo, IssueKey, PullRequestRef
from store.base import Store
from store.journey_tables import (
    TRACKED_FIELDS,
    journey_issue,
    journey_issue_history,
    journey_step,
    journey_step_history,
)

__all__ = [
    "Changes",
    "IssueChange",
    "StepChange",
    "StepStatus",
    "load_changes_since",
    "load_issue_states",
    "save_issues",
    "save_step_statuses",
]


@dataclass(frozen=True)
class IssueChange:
    key: IssueKey
    field: str  # state | state_reason | labels | fetch_state
    old: str | None  # None: first seen
    new: str | None
    at: datetime


@dataclass(frozen=True)
class StepChange:
    journey: str
    step: str
    old: str | None  # None: first seen
    new: str
    at: datetime


@dataclass(frozen=True)
class Changes:
    """What changed since a moment: issue field changes and step status changes, oldest first."""

    issues: list[IssueChange] = field(default_factory=list)
    steps: list[StepChange] = field(default_factory=list)


class StepStatus(NamedTuple):
    """A step's status as a board shows it now."""

    journey: str
    step: str
    action: str
    status: str


# -- conversions -------------------------------------------------------------------------------------------


# IssueInfo fields stored as they are, one column each (the rest need converting: see _row and _info)
_PLAIN_COLUMNS = (
    "title", "state", "state_reason", "milestone", "author", "created_at", "updated_at", "closed_at",
    "html_url", "comment_count", "sub_issues_total", "sub_issues_completed", "project_status", "etag",
    "fetched_at",
)  # fmt: skip


def _row(info: IssueInfo) -> dict[str, Any]:
    """The journey_issue columns for `info` (not_modified is stored as ok: the stored info still holds)."""
    data = info.model_dump(mode="json")
    return {
        "fetch_state": "ok" if info.fetch_state == "not_modified" else info.fetch_state,
        "moved_to": str(info.moved_to) if info.moved_to else None,
        **{name: getattr(info, name) for name in _PLAIN_COLUMNS},
        "labels": list(info.labels),
        "assignees": list(info.assignees),
        "comments": data["comments"],
        "closing_pull_requests": data["closing_pull_requests"],
    }


def _parse_key(text: str | None) -> IssueKey | None:
    if not text:
        return None
    repo, _, number = text.rpartition("#")
    return IssueKey(repo=repo, number=int(number))


def _info(row: Mapping[Any, Any]) -> IssueInfo:
    return IssueInfo(
        key=IssueKey(repo=row["repo"], number=row["number"]),
        fetch_state=row["fetch_state"],
        moved_to=_parse_key(row["moved_to"]),
        labels=tuple(row["labels"] or ()),
        assignees=tuple(row["assignees"] or ()),
        comments=tuple(Comment.model_validate(c) for c in row["comments"] or ()),
        closing_pull_requests=tuple(
            PullRequestRef.model_validate(p) for p in row["closing_pull_requests"] or ()
        ),
        **{name: row[name] for name in _PLAIN_COLUMNS},
    )


def _tracked(values: Mapping[Any, Any], name: str) -> str | None:
    value = values.get(name)
    if name == "labels":
        return json.dumps(sorted(value or []), ensure_ascii=False)
    return None if value is None else str(value)


# -- issues ------------------------------------------------------------------------------------------------


def load_issue_states(store: Store) -> dict[IssueKey, IssueInfo]:
    """The last known state of every stored issue, keyed by normalised IssueKey."""
    with store.transaction() as session:
        rows = session.execute(sa.select(journey_issue)).mappings().all()
    return {IssueKey(repo=row["repo"], number=row["number"]): _info(row) for row in rows}


def save_issues(store: Store, issues: Mapping[IssueKey, IssueInfo], *, now: datetime) -> list[IssueChange]:
    """Upsert the issues; record a history row for every tracked field that changed. Returns the changes."""
    changes: list[IssueChange] = []
    with store.transaction() as session:
        for key, info in issues.items():
            if info.fetch_state != "deferred":
                changes += _save_issue(session, key.normalised(), info, now)
    return changes


def _save_issue(session: Session, key: IssueKey, info: IssueInfo, now: datetime) -> list[IssueChange]:
    where = (journey_issue.c.repo == key.repo) & (journey_issue.c.number == key.number)
    old = session.execute(sa.select(journey_issue).where(where)).mappings().first()
    values = _row(info)
    changes = [
        IssueChange(key, name, _tracked(old, name) if old else None, _tracked(values, name), now)
        for name in TRACKED_FIELDS
        if old is None or _tracked(old, name) != _tracked(values, name)
    ]
    if old is None:
        session.execute(
            sa.insert(journey_issue).values(
                repo=key.repo, number=key.number, first_seen=now, changed_at=now, **values
            )
        )
    else:
        session.execute(
            sa.update(journey_issue)
            .where(where)
            .values(changed_at=now if changes else old["changed_at"], **values)
        )
    for change in changes:
        session.execute(
            sa.insert(journey_issue_history).values(
                repo=key.repo,
                number=key.number,
                field=change.field,
                old_value=change.old,
                new_value=change.new,
                changed_at=now,
            )
        )
    return changes


# -- steps -------------------------------------------------------------------------------------------------


def save_step_statuses(store: Store, steps: Iterable[StepStatus], *, at: datetime) -> list[StepChange]:
    """Store each step's status; a history row for every new step or changed status. Returns the changes."""
    changes: list[StepChange] = []
    with store.transaction() as session:
        for journey, step, action, status in steps:
            change = _save_step(session, journey, step, action, status, at)
            if change:
                changes.append(change)
    return changes


def _save_step(
    session: Session, journey: str, step: str, action: str, status: str, at: datetime
) -> StepChange | None:
    where = (journey_step.c.journey == journey) & (journey_step.c.step == step)
    old = session.execute(sa.select(journey_step).where(where)).mappings().first()
    if old is None:
        session.execute(
            sa.insert(journey_step).values(
                journey=journey, step=step, action=action, status=status, status_since=at, seen_at=at
            )
        )
    elif old["status"] == status:
        session.execute(sa.update(journey_step).where(where).values(seen_at=at, action=action))
        return None
    else:
        session.execute(
            sa.update(journey_step)
            .where(where)
            .values(status=status, status_since=at, seen_at=at, action=action)
        )
    change = StepChange(journey, step, old["status"] if old else None, status, at)
    session.execute(
        sa.insert(journey_step_history).values(
            journey=journey, step=step, old_status=change.old, new_status=status, changed_at=at
        )
    )
    return change


def load_changes_since(store: Store, when: datetime) -> Changes:
    """Issue and step changes recorded after `when` (exclusive), oldest first."""
    issue_sql = (
        sa.select(journey_issue_history)
        .where(journey_issue_history.c.changed_at > when)
        .order_by(journey_issue_history.c.changed_at, journey_issue_history.c.id)
    )
    step_sql = (
        sa.select(journey_step_history)
        .where(journey_step_history.c.changed_at > when)
        .order_by(journey_step_history.c.changed_at, journey_step_history.c.id)
    )
    with store.transaction() as session:
        issues = [
            IssueChange(
                IssueKey(repo=r["repo"], number=r["number"]),
                r["field"],
                r["old_value"],
                r["new_value"],
                r["changed_at"],
            )
            for r in session.execute(issue_sql).mappings()
        ]
        steps = [
            StepChange(r["journey"], r["step"], r["old_status"], r["new_status"], r["changed_at"])
            for r in session.execute(step_sql).mappings()
        ]
    return Changes(issues=issues, steps=steps)
