"""Journey jobs over Settings: refresh the configured journeys' issues, build their board, publish it.

The refresh itself (`sync.journey_sync`) takes a store and a client; these orchestrators build both from
Settings through `swc_beheer.wiring`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from config.settings import Settings
from connectors.github import GitHubClient
from connectors.github_dashboard import MAX_BODY
from connectors.github_models import IssueInfo, IssueKey
from journey.models import Journey
from journey.rollup import Board
from store.base import Store
from store.journey import StepChange, load_issue_states
from swc_beheer.wiring import build_github_client
from sync.journey_sync import RefreshReport, record_step_statuses, refresh_journeys

__all__ = [
    "DASHBOARD_MARKER",
    "JourneyRunReport",
    "PublishReport",
    "board_for",
    "build_status_board",
    "load_journeys",
    "run_journey_refresh",
    "run_publish",
]


# -- dashboard ------------------------------------------------------------------------------------------

DASHBOARD_MARKER = "swc-beheer:journey-dashboard"


@dataclass(frozen=True)
class PublishReport:
    """What `journey publish` did: action created | updated | unchanged | dry_run | skipped (not enabled)."""

    action: str
    number: int | None = None
    url: str | None = None
    chars: int = 0
    body: str = ""
    refresh: RefreshReport | None = None


def load_journeys(settings: Settings) -> list[tuple[Journey, list[Any]]]:
    """The configured journey documents, parsed (with their problems)."""
    from journey.parser import load_journey

    return [load_journey(path, default_repo=settings.github.repo) for path in settings.journey.paths]


def board_for(
    settings: Settings,
    journeys: list[tuple[Journey, list[Any]]],
    issues: Mapping[IssueKey, IssueInfo],
    now: datetime,
) -> Board:
    """The status board of `journeys` with these issue states, by the journey settings."""
    from journey.rollup import build_board

    return build_board(
        journeys,
        issues,
        now=now,
        blocked_label=settings.journey.blocked_label,
        stale_days=settings.journey.stale_days,
        default_repo=settings.github.repo,
    )


def build_status_board(
    settings: Settings,
    *,
    issues: Mapping[IssueKey, IssueInfo] | None = None,
    now: datetime | None = None,
) -> Board:
    """The board of the configured journeys; issue states from the store unless `issues` is given."""
    if issues is None:
        from swc_beheer.wiring import open_store_from

        store = open_store_from(settings, create=False)  # showing the board never creates a store
        try:
            issues = load_issue_states(store)
        finally:
            store.close()
    return board_for(settings, load_journeys(settings), issues, now or datetime.now(UTC))


async def run_publish(
    settings: Settings,
    *,
    dry_run: bool = False,
    explicit: bool = True,
    client: GitHubClient | None = None,
    now: datetime | None = None,
) -> PublishReport:
    """Refresh the issues, build the board, store step statuses and publish the board as one GitHub issue.

    Opt-in: does nothing unless called explicitly (the CLI) or settings.journey.publish_dashboard is true
    (the daemon passes explicit=False). With dry_run nothing is fetched or written: the board comes from the
    stored issue states and the Markdown is returned.
    """
    if not explicit and not settings.journey.publish_dashboard:
        return PublishReport(action="skipped")
    from journey.render import render_markdown
    from swc_beheer.wiring import open_store_from

    moment = now or datetime.now(UTC)
    journeys = load_journeys(settings)
    own_client = client is None and not dry_run
    github = build_github_client(settings) if own_client else client  # a settings error leaks nothing
    try:
        store = open_store_from(settings, create=not dry_run)  # a dry run only reads
    except BaseException:
        if own_client and github is not None:
            github.close()
        raise
    try:
        refresh = None
        if github is not None and not dry_run:
            refresh = await refresh_journeys(store, github, [j for j, _ in journeys], now=moment)
        board = board_for(settings, journeys, load_issue_states(store), moment)
        body = render_markdown(board, settings.language, max_chars=MAX_BODY - len(DASHBOARD_MARKER) - 10)
        if dry_run or github is None:
            return PublishReport(action="dry_run", chars=len(body), body=body)
        record_step_statuses(store, board, now=moment)
        done = await github.create_or_update_dashboard(
            settings.github.repo, settings.journey.dashboard_issue_title, body, DASHBOARD_MARKER
        )
        return PublishReport(
            action=done.action, number=done.number, url=done.url, chars=len(body), body=body, refresh=refresh
        )
    finally:
        store.close()
        if own_client and github is not None:
            github.close()


# -- refresh orchestration ------------------------------------------------------------------------------


@dataclass(frozen=True)
class JourneyRunReport:
    """`journey refresh`: the issue refresh, the step status changes it caused and the resulting board."""

    refresh: RefreshReport
    step_changes: list[StepChange]
    board: Board


async def run_journey_refresh(
    settings: Settings,
    *,
    store: Store | None = None,
    client: GitHubClient | None = None,
    now: datetime | None = None,
) -> JourneyRunReport:
    """Refresh the issues of the configured journeys, then store each step's status and its changes."""
    from swc_beheer.wiring import open_store_from

    moment = now or datetime.now(UTC)
    journeys = load_journeys(settings)
    own_store = store is None
    github = client or build_github_client(settings)
    try:
        db = store or open_store_from(settings)
    except BaseException:
        if client is None:
            github.close()
        raise
    try:
        refresh = await refresh_journeys(db, github, [j for j, _ in journeys], now=moment)
        board = board_for(settings, journeys, load_issue_states(db), moment)
        steps = record_step_statuses(db, board, now=moment)
        return JourneyRunReport(refresh=refresh, step_changes=steps, board=board)
    finally:
        if client is None:
            github.close()
        if own_store:
            db.close()
