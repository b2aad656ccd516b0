"""Step status rules, their priority, and progress per phase and overall."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from connectors.github_models import Comment, IssueInfo, IssueKey, PullRequestRef
from journey.parser import parse_journey
from journey.rollup import Board, build_board

REPO = "Org/Repo"
NOW = datetime(2025, 10, 1, tzinfo=UTC)
RECENT = NOW - timedelta(days=1)
OLD = NOW - timedelta(days=200)


def key(number: int) -> IssueKey:
    return IssueKey(repo=REPO, number=number)


def opened(number: int, **fields: object) -> IssueInfo:
    return IssueInfo(key=key(number), state="open", updated_at=RECENT, **fields)  # type: ignore[arg-type]


def closed(number: int, reason: str | None = "completed") -> IssueInfo:
    return IssueInfo(key=key(number), state="closed", state_reason=reason, updated_at=OLD)


def board_for(cells: list[str], infos: list[IssueInfo], doc_extra: str = "") -> Board:
    rows = [f"| 1.{i} | Step {i} | {cell} |" for i, cell in enumerate(cells, start=1)]
    text = "\n".join(["## Fase 1: Test", "| Stap | Actie | Issues |", "|---|---|---|", *rows, doc_extra])
    parsed = parse_journey(text, "doc.md", default_repo=REPO)
    issues = {info.key: info for info in infos}
    return build_board([parsed], issues, now=NOW, blocked_label="blocked", stale_days=60, default_repo=REPO)


def status_of(cell: str, *infos: IssueInfo) -> str:
    return board_for([cell], list(infos)).journeys[0].phases[0].steps[0].status


def test_done_when_all_closed_as_completed() -> None:
    assert status_of("#1, #2", closed(1), closed(2, reason=None)) == "done"


def test_in_progress_when_some_closed() -> None:
    assert status_of("#1, #2", closed(1), opened(2)) == "in_progress"


@pytest.mark.parametrize(
    "fields",
    [
        {"assignees": ("ruben",)},
        {"closing_pull_requests": (PullRequestRef(number=9, repo=REPO, state="open", url="https://x"),)},
        {"comments": (Comment(author="a", created_at=RECENT, body="on it"),)},
        {"sub_issues_total": 3, "sub_issues_completed": 1},
        {"project_status": "Review"},
    ],
)
def test_in_progress_when_an_open_issue_is_started(fields: dict) -> None:
    assert status_of("#1", opened(1, **fields)) == "in_progress"


def test_not_started_when_all_open_without_activity() -> None:
    assert status_of("#1, #2", opened(1), opened(2, project_status="Todo")) == "not_started"


def test_blocked_by_label_case_insensitive() -> None:
    assert status_of("#1, #2", opened(1, labels=("Blocked",)), closed(2)) == "blocked"


def test_stale_when_every_open_issue_is_idle() -> None:
    idle = IssueInfo(key=key(1), state="open", updated_at=OLD)
    assert status_of("#1, #2", idle, closed(2)) == "stale"
    assert status_of("#1, #3", idle, opened(3)) == "not_started"


def test_stale_uses_created_at_and_naive_datetimes() -> None:
    idle = IssueInfo(key=key(1), state="open", created_at=datetime(2020, 1, 1))
    assert status_of("#1", idle) == "stale"


@pytest.mark.parametrize(
    "info, reason",
    [
        (closed(1, reason="not_planned"), "not_planned"),
        (closed(1, reason="duplicate"), "duplicate"),
        (IssueInfo(key=key(1), fetch_state="moved", moved_to=IssueKey(repo="o/new", number=5)), "moved"),
        (IssueInfo(key=key(1), fetch_state="deleted"), "deleted"),
        (IssueInfo(key=key(1), fetch_state="missing"), "missing"),
    ],
)
def test_attention_for_issues_that_went_away(info: IssueInfo, reason: str) -> None:
    step = board_for(["#1"], [info]).journeys[0].phases[0].steps[0]
    assert step.status == "attention"
    assert [r.code for r in step.reasons] == [reason]


def test_attention_when_state_not_fetched() -> None:
    step = board_for(["#1"], []).journeys[0].phases[0].steps[0]
    assert (step.status, step.reasons[0].code, step.chips[0].state) == ("attention", "not_fetched", "unknown")


def test_attention_for_link_mismatch_on_the_step() -> None:
    cell = f"[#1](https://github.com/{REPO}/issues/2)"
    step = board_for([cell], [closed(1), closed(2)]).journeys[0].phases[0].steps[0]
    assert step.status == "attention"
    assert step.reasons[0].code == "link_mismatch"


def test_no_issue_without_refs() -> None:
    assert status_of("–") == "no_issue"


def test_priority_attention_over_blocked_over_stale() -> None:
    blocked_idle = IssueInfo(key=key(1), state="open", labels=("blocked",), updated_at=OLD)
    assert status_of("#1, #2", blocked_idle, closed(2, reason="not_planned")) == "attention"
    assert status_of("#1", blocked_idle) == "blocked"


def test_issue_keys_match_case_insensitively() -> None:
    info = IssueInfo(key=IssueKey(repo="org/repo", number=1), state="closed", state_reason="completed")
    assert status_of("Org/Repo#1", info) == "done"


def test_progress_counts_done_over_steps_with_issues() -> None:
    board = board_for(["#1", "#2", "–", "#3"], [closed(1), opened(2), closed(3)])
    progress = board.journeys[0].phases[0].progress
    assert (progress.done, progress.total, progress.no_issue, progress.percent) == (2, 3, 1, 67)
    assert board.progress == board.journeys[0].progress == progress


def test_progress_without_issue_steps_is_none() -> None:
    board = board_for(["–"], [])
    assert board.progress.percent is None


def test_board_carries_problems_and_short_labels() -> None:
    board = board_for(["#1", "other/x#2"], [opened(1, labels=("blocked",))])
    assert any(p.code == "other_repository" for p in board.problems)
    steps = board.journeys[0].phases[0].steps
    assert dict(steps[0].reasons[0].params)["issue"] == "#1"
    assert dict(steps[1].reasons[0].params)["issue"] == "other/x#2"
