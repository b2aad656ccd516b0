"""refresh_journeys, step statuses, load_changes_since, publish: sandbox over HTTP, SQLite + PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import typer
from typer.testing import CliRunner

from config import load_settings
from config.settings import DEFAULT_JOURNEY
from connectors.github import GitHubClient
from connectors.github_models import IssueKey
from journey.parser import load_journey
from journey.rollup import build_board
from sandbox.github import create_app
from sandbox.github_state import SEED_REPO, GitHubState
from sandbox.server import ServerHandle, serve_in_thread
from store.base import Store, open_store
from store.journey import load_changes_since, load_issue_states
from swc_beheer.commands.journey_publish import register_publish
from swc_beheer.journey_jobs import DASHBOARD_MARKER, run_publish
from sync.journey_sync import issue_keys, record_step_statuses, refresh_journeys

pytestmark = pytest.mark.integration
T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    s = open_store(store_url)
    yield s
    s.close()


@pytest.fixture
def github() -> Iterator[tuple[GitHubState, ServerHandle]]:
    state = GitHubState.seeded()
    with serve_in_thread(create_app(state)) as server:
        yield state, server


def _client(server: ServerHandle) -> GitHubClient:
    return GitHubClient.connect(server.url, token="sandbox-token", min_interval=0.0, max_wait_seconds=2.0)


def _journeys() -> list:  # type: ignore[type-arg]
    return [load_journey(DEFAULT_JOURNEY, default_repo=SEED_REPO)]


def test_refresh_saves_issues_and_records_history_of_changes(
    store: Store, github: tuple[GitHubState, ServerHandle]
) -> None:
    state, server = github
    journeys = [j for j, _ in _journeys()]
    client = _client(server)
    first = asyncio.run(refresh_journeys(store, client, journeys, now=T0))
    keys = issue_keys(journeys)
    assert first.ok and first.fetched == len(keys)
    stored = load_issue_states(store)
    assert {k.normalised() for k in keys} <= set(stored)
    assert all(info.etag for info in stored.values() if info.fetch_state == "ok")

    quiet = asyncio.run(refresh_journeys(store, client, journeys, now=T0 + timedelta(hours=1)))
    assert quiet.changes == [] and quiet.rate_points_used == 0

    state.set_state(SEED_REPO, 143, "closed", "completed")
    state.add_label(SEED_REPO, 75, "blocked")
    later = T0 + timedelta(hours=2)
    changed = asyncio.run(refresh_journeys(store, client, journeys, now=later))
    fields = {(c.key.number, c.field, c.new) for c in changed.changes}
    assert (143, "state", "closed") in fields and (143, "state_reason", "completed") in fields
    assert any(number == 75 and name == "labels" and "blocked" in (new or "") for number, name, new in fields)
    since = load_changes_since(store, T0 + timedelta(minutes=30))
    assert {(c.key.number, c.field) for c in since.issues} == {
        (c.key.number, c.field) for c in changed.changes
    }
    assert all(c.at == later for c in since.issues)
    assert load_issue_states(store)[IssueKey(repo=SEED_REPO.lower(), number=143)].state == "closed"
    client.close()


def test_step_statuses_and_their_changes_are_recorded(
    store: Store, github: tuple[GitHubState, ServerHandle]
) -> None:
    state, server = github
    parsed = _journeys()
    client = _client(server)
    asyncio.run(refresh_journeys(store, client, [j for j, _ in parsed], now=T0))
    board = build_board(parsed, load_issue_states(store), now=T0, default_repo=SEED_REPO)
    first = record_step_statuses(store, board, now=T0)
    assert first and all(change.old is None for change in first)
    assert record_step_statuses(store, board, now=T0 + timedelta(minutes=1)) == []

    for number in (141, 143):  # every issue of steps 1.2/1.4/2.1 closed -> their status moves
        if state.issue(SEED_REPO, number).state == "open":  # type: ignore[union-attr]
            state.set_state(SEED_REPO, number, "closed", "completed")
    later = T0 + timedelta(days=1)
    asyncio.run(refresh_journeys(store, client, [j for j, _ in parsed], now=later))
    board = build_board(parsed, load_issue_states(store), now=later, default_repo=SEED_REPO)
    moved = record_step_statuses(store, board, now=later)
    assert moved and all(change.old is not None and change.old != change.new for change in moved)
    assert {c.step for c in load_changes_since(store, T0).steps} == {c.step for c in moved}
    client.close()


def test_publish_creates_then_leaves_the_dashboard_unchanged(
    store_url: str, github: tuple[GitHubState, ServerHandle]
) -> None:
    state, server = github
    settings = load_settings(
        store={"url": store_url}, github={"base_url": server.url, "token": "sandbox-token"}
    )
    open_store(store_url).close()  # a dry run only reads: the store must exist
    client = _client(server)
    dry = asyncio.run(run_publish(settings, dry_run=True, client=client, now=T0))
    assert dry.action == "dry_run" and dry.body and state.counters.requests == 0
    skipped = asyncio.run(run_publish(settings, explicit=False, client=client, now=T0))
    assert skipped.action == "skipped"
    created = asyncio.run(run_publish(settings, client=client, now=T0))
    assert created.action == "created" and created.number
    again = asyncio.run(run_publish(settings, client=client, now=T0))
    assert again.action == "unchanged" and again.number == created.number
    issue = state.issue(SEED_REPO, created.number)  # type: ignore[arg-type]
    assert issue is not None and DASHBOARD_MARKER in issue.body and len(issue.body) <= 65536
    client.close()


def test_publish_command_dry_run_prints_the_board(tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> None:
    journey_app = typer.Typer()

    @journey_app.callback()
    def _group() -> None:
        """journey"""

    register_publish(journey_app)
    monkeypatch.setenv("SWC_STORE__URL", f"sqlite:///{tmp_path}/cli.sqlite3")
    open_store(f"sqlite:///{tmp_path}/cli.sqlite3").close()  # a dry run only reads: the store must exist
    result = CliRunner().invoke(journey_app, ["publish", "--dry-run"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "1.1" in result.output
