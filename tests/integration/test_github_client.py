"""GitHubClient against the GitHub sandbox over real HTTP: states, costs, rate limits, dashboard."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from github import Auth, Github

from connectors.errors import AuthFailed
from connectors.github import GitHubClient
from connectors.github_dashboard import MAX_BODY
from connectors.github_models import IssueKey
from sandbox.github import GitHubApp, create_app
from sandbox.github_state import SEED_REPO, GitHubState
from sandbox.server import ServerHandle, serve_in_thread

pytestmark = pytest.mark.integration
JOURNEY_ISSUES = [140, 142, 143, 141, 63, 64, 11, 75, 62]
TOKEN = "sandbox-token"


@dataclass
class Sandbox:
    state: GitHubState
    app: GitHubApp
    server: ServerHandle

    def client(self, **kw: object) -> GitHubClient:
        options: dict[str, object] = {"token": TOKEN, "min_interval": 0.0, "max_wait_seconds": 5.0, **kw}
        return GitHubClient.connect(self.server.url, **options)  # type: ignore[arg-type]

    def key(self, name: str) -> IssueKey:
        repo, number = self.state.planted[name]
        return IssueKey(repo=repo, number=number)


def _sandbox(**kw: object) -> Iterator[Sandbox]:
    state = GitHubState.seeded()
    app = create_app(state, **kw)  # type: ignore[arg-type]
    with serve_in_thread(app) as server:
        yield Sandbox(state, app, server)


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    yield from _sandbox()


def _keys(numbers: list[int]) -> list[IssueKey]:
    return [IssueKey(repo=SEED_REPO, number=n) for n in numbers]


def test_every_state_is_reported_explicitly(sandbox: Sandbox) -> None:
    specials = [
        sandbox.key("moved"),
        sandbox.key("deleted"),
        sandbox.key("missing"),
        sandbox.key("not_planned"),
    ]
    result = asyncio.run(sandbox.client().fetch_issues(_keys(JOURNEY_ISSUES) + specials))
    issues = result.issues
    assert not result.deferred
    assert issues[sandbox.key("moved")].fetch_state == "moved"
    assert issues[sandbox.key("moved")].moved_to == sandbox.key("moved_to")
    assert issues[sandbox.key("deleted")].fetch_state == "deleted"
    assert issues[sandbox.key("missing")].fetch_state == "missing"
    assert issues[sandbox.key("not_planned")].state_reason == "not_planned"
    closed = issues[IssueKey(repo=SEED_REPO, number=140)]
    assert (closed.fetch_state, closed.state, closed.state_reason) == ("ok", "closed", "completed")
    assert closed.closing_pull_requests and closed.etag
    assert issues[IssueKey(repo=SEED_REPO, number=75)].project_status == "Review"
    assert issues[IssueKey(repo=SEED_REPO, number=141)].sub_issues_total == 2
    for info in issues.values():
        assert all(
            c.author and "[bot]" not in c.author and c.author != "github-actions" for c in info.comments
        )
    assert sandbox.state.counters.graphql == 1  # one aliased query for all of them


def _used(sandbox: Sandbox) -> tuple[int, int]:
    """Points used so far as the API itself reports them (GET /rate_limit costs nothing, as on GitHub)."""
    reply = httpx.get(f"{sandbox.server.url}/rate_limit", headers={"Authorization": f"token {TOKEN}"})
    resources = reply.json()["resources"]
    return int(resources["core"]["used"]), int(resources["graphql"]["used"])


def test_unchanged_refresh_costs_no_primary_points(sandbox: Sandbox) -> None:
    client = sandbox.client()
    keys = _keys(JOURNEY_ISSUES)
    first = client.fetch_issues_blocking(keys)
    before = sandbox.state.counters.snapshot()
    used_before = _used(sandbox)
    second = client.fetch_issues_blocking(keys, known=first.issues)
    assert _used(sandbox) == used_before  # 0 primary and 0 GraphQL points, by the API's own account
    after = sandbox.state.counters.snapshot()
    assert second.strategy == "conditional"
    assert {i.fetch_state for i in second.issues.values()} == {"not_modified"}
    assert after["core_points"] - before["core_points"] == 0
    assert after["graphql_points"] - before["graphql_points"] == 0
    assert after["not_modified"] - before["not_modified"] == len(keys)
    assert second.rate_points_used == 0


def test_graphql_only_refresh_costs_one_graphql_point(sandbox: Sandbox) -> None:
    client = sandbox.client()
    keys = _keys(JOURNEY_ISSUES)
    first = client.fetch_issues_blocking(keys, strategy="graphql", prime_etags=False)
    before = sandbox.state.counters.snapshot()
    core_before, graphql_before = _used(sandbox)
    second = client.fetch_issues_blocking(keys, known=first.issues, strategy="graphql", prime_etags=False)
    assert _used(sandbox) == (core_before, graphql_before + 1)  # one GraphQL point, as the API reports it
    after = sandbox.state.counters.snapshot()
    assert after["graphql_points"] - before["graphql_points"] == 1 == second.graphql_points
    assert after["core_points"] - before["core_points"] == 0
    assert second.requests == 1


def test_a_change_is_seen_on_the_conditional_refresh(sandbox: Sandbox) -> None:
    client = sandbox.client()
    keys = _keys([143, 75])
    first = client.fetch_issues_blocking(keys)
    sandbox.state.set_state(SEED_REPO, 143, "closed", "not_planned")
    sandbox.state.add_comment(SEED_REPO, 75, "github-actions[bot]", "ping", bot=True)
    second = client.fetch_issues_blocking(keys, known=first.issues)
    changed = second.issues[keys[0]]
    assert (changed.fetch_state, changed.state, changed.state_reason) == ("ok", "closed", "not_planned")
    assert changed.etag and changed.etag != first.issues[keys[0]].etag
    assert second.issues[keys[1]].comment_count == first.issues[keys[1]].comment_count  # bots do not count


def test_secondary_limit_is_waited_out_then_succeeds() -> None:
    for sandbox in _sandbox(secondary_after=3, secondary_retry_after=0.2):
        result = sandbox.client().fetch_issues_blocking(_keys(JOURNEY_ISSUES))
        assert not result.deferred
        assert result.waited_seconds > 0
        assert sandbox.state.counters.secondary_limited >= 1


def test_secondary_limit_longer_than_the_wait_budget_defers() -> None:
    for sandbox in _sandbox(secondary_after=0, secondary_retry_after=30):
        result = sandbox.client(max_wait_seconds=0.5).fetch_issues_blocking(_keys(JOURNEY_ISSUES))
        assert result.deferred and result.reset_at is not None
        assert result.waited_seconds == 0


def test_exhausted_budget_gives_a_deferred_result_quickly() -> None:
    for sandbox in _sandbox(rate_limit=3, graphql_points=0):
        result = sandbox.client().fetch_issues_blocking(_keys(JOURNEY_ISSUES))
        assert set(result.deferred) == set(_keys(JOURNEY_ISSUES))
        assert result.reset_at is not None
        assert result.waited_seconds == 0


def test_bad_token_raises_auth_failed_without_the_token() -> None:
    for sandbox in _sandbox():
        client = sandbox.client(token="very-secret-token-value")
        with pytest.raises(AuthFailed) as caught:
            client.fetch_issues_blocking(_keys([140]))
        text = f"{caught.value} {caught.value!r} {client!r}"
        assert "SWC_GITHUB__TOKEN" in str(caught.value)
        assert "very-secret-token-value" not in text


def _patches(sandbox: Sandbox) -> int:
    return sum(n for route, n in sandbox.state.counters.routes.items() if route.startswith("PATCH"))


def test_dashboard_created_then_edited_in_place_only_when_changed(sandbox: Sandbox) -> None:
    client = sandbox.client()
    run = client.create_or_update_dashboard_blocking
    created = run(SEED_REPO, "Status", "| stap | status |\n|---|---|\n| 1.1 | klaar |", "swc:test")
    assert created.action == "created"
    patches = _patches(sandbox)
    same = run(SEED_REPO, "Status", "| stap | status |\n|---|---|\n| 1.1 | klaar |", "swc:test")
    assert same.action == "unchanged" and same.number == created.number
    assert _patches(sandbox) == patches
    updated = run(SEED_REPO, "Status", "x" * (MAX_BODY + 10), "swc:test")
    assert updated.action == "updated" and updated.number == created.number
    assert _patches(sandbox) == patches + 1
    issue = sandbox.state.issue(SEED_REPO, created.number)
    assert issue is not None and len(issue.body) <= MAX_BODY and "swc:test" in issue.body
    assert sum(1 for i in sandbox.state.repos[SEED_REPO.lower()].issues.values() if "swc:test" in i.body) == 1


def test_pygithub_works_against_the_sandbox_with_link_paging(sandbox: Sandbox) -> None:
    github = Github(
        base_url=sandbox.server.url,
        auth=Auth.Token(TOKEN),
        per_page=2,
        retry=None,
        seconds_between_requests=None,
    )
    repo = github.get_repo(SEED_REPO)
    issue = repo.get_issue(141)
    comments = list(issue.get_comments())
    assert len(comments) == len(sandbox.state.issue(SEED_REPO, 141).comments)  # type: ignore[union-attr]
    assert any(c.user.type == "Bot" for c in comments)
    assert len(list(repo.get_issues(state="all"))) == len(
        [
            i
            for i in sandbox.state.repos[SEED_REPO.lower()].issues.values()
            if not i.deleted and not i.moved_to
        ]
    )
    assert github.get_rate_limit().resources.core.limit == 5000


def test_token_without_project_scope_still_gets_the_issues() -> None:
    """GitHub refuses a whole query asking for projectItems without read:project; ask again without it."""
    state = GitHubState.seeded()
    with serve_in_thread(create_app(state, token=TOKEN, project_scope=False)) as server:
        client = GitHubClient.connect(server.url, token=TOKEN, min_interval=0.0, max_wait_seconds=5.0)
        keys = _keys(JOURNEY_ISSUES)
        first = client.fetch_issues_blocking(keys, strategy="graphql", prime_etags=False)
        assert {i.fetch_state for i in first.issues.values()} <= {"ok", "moved", "deleted", "missing"}
        assert all(first.issues[k].title for k in keys if first.issues[k].fetch_state == "ok")
        assert all(i.project_status is None for i in first.issues.values())
        again = client.fetch_issues_blocking(keys, known=first.issues, strategy="graphql", prime_etags=False)
        assert again.requests == first.requests - 1  # the client remembered: no refused query the second time
        client.close()
