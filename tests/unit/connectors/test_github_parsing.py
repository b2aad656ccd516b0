"""GitHub connector pieces without sockets: query building, answer parsing, rate-limit classification,
and the sandbox's GraphQL/REST semantics called directly (no HTTP)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from connectors.github_dashboard import dashboard_body
from connectors.github_fetch import limit_wait
from connectors.github_models import IssueKey
from connectors.github_query import build_issue_query, graphql_issue_info, rest_issue_info
from sandbox.github import create_app
from sandbox.github_state import SEED_REPO, GitHubState

NOW = datetime(2026, 1, 1, tzinfo=UTC)
KEY = IssueKey(repo=SEED_REPO, number=140)


@pytest.fixture(scope="module")
def state() -> GitHubState:
    return GitHubState.seeded()


def _graphql(app: object, query: str) -> dict[str, object]:
    status, _, body = app.handle(  # type: ignore[attr-defined]
        "POST",
        "/graphql",
        {},
        {"authorization": "token sandbox-token"},
        json.dumps({"query": query}).encode(),
    )
    assert status == 200
    return json.loads(body)  # type: ignore[no-any-return]


def test_build_issue_query_groups_by_repository_and_aliases_every_issue() -> None:
    keys = [KEY, IssueKey(repo="other/repo", number=1), IssueKey(repo=SEED_REPO.upper(), number=75)]
    query, aliases = build_issue_query(keys)
    assert query.count("repository(") == 2
    assert query.count("...issueFields") == 3
    assert "rateLimit" in query
    assert len(aliases) == 3


def test_sandbox_graphql_keeps_partial_data_and_reports_not_found_with_path(state: GitHubState) -> None:
    missing = state.planted["missing"][1]
    query, aliases = build_issue_query([KEY, IssueKey(repo=SEED_REPO, number=missing)])
    answer = _graphql(create_app(state), query)
    repo_alias, ok_alias = aliases[str(KEY.normalised())]
    _, missing_alias = aliases[str(IssueKey(repo=SEED_REPO, number=missing).normalised())]
    data = answer["data"]
    assert data[repo_alias][ok_alias]["number"] == 140  # type: ignore[index]
    assert data[repo_alias][missing_alias] is None  # type: ignore[index]
    errors = answer["errors"]
    assert len(errors) == 1 and errors[0]["type"] == "NOT_FOUND"  # type: ignore[index,arg-type]
    assert errors[0]["path"] == [repo_alias, missing_alias]  # type: ignore[index]
    assert data["rateLimit"]["cost"] >= 1  # type: ignore[index]


def test_graphql_info_filters_bot_comments_and_detects_a_move(state: GitHubState) -> None:
    moved_repo, moved_number = state.planted["moved"]
    query, aliases = build_issue_query([KEY, IssueKey(repo=moved_repo, number=moved_number)])
    data = _graphql(create_app(state), query)["data"]
    r, i = aliases[str(KEY.normalised())]
    info = graphql_issue_info(KEY, data[r][i], NOW)  # type: ignore[index]
    assert info.fetch_state == "ok" and info.state == "closed"
    assert all(c.author and not c.author.startswith("github-actions") for c in info.comments)
    assert info.comment_count == len(info.comments)
    moved_key = IssueKey(repo=moved_repo, number=moved_number)
    r, i = aliases[str(moved_key.normalised())]
    moved = graphql_issue_info(moved_key, data[r][i], NOW)  # type: ignore[index]
    assert moved.fetch_state == "moved"
    assert moved.moved_to == IssueKey(repo=state.planted["moved_to"][0], number=state.planted["moved_to"][1])


def test_rest_info_compares_the_repository_after_a_followed_redirect() -> None:
    body = {
        "number": 3,
        "repository_url": "http://x/repos/Else/Where",
        "title": "t",
        "state": "open",
        "labels": [{"name": "a"}],
        "assignees": [],
        "comments": 2,
    }
    info = rest_issue_info(KEY, body, 'W/"x"', NOW)
    assert info.fetch_state == "moved" and info.moved_to == IssueKey(repo="Else/Where", number=3)
    assert info.etag is None  # a moved issue's ETag belongs to the new location


@pytest.mark.parametrize(
    ("status", "headers", "message", "expected"),
    [
        (200, {}, "", None),
        (404, {}, "Not Found", None),
        (403, {"retry-after": "2"}, "You have exceeded a secondary rate limit.", 2.0),
        (403, {"x-ratelimit-remaining": "0"}, "API rate limit exceeded for user ID 1.", -1.0),
        (429, {}, "", 60.0),
        (403, {"x-ratelimit-remaining": "12"}, "Resource not accessible by integration", None),
    ],
)
def test_limit_wait_classifies_rate_limit_answers(
    status: int, headers: dict[str, str], message: str, expected: float | None
) -> None:
    assert limit_wait(status, headers, json.dumps({"message": message})) == expected


def test_dashboard_body_fits_githubs_limit() -> None:
    body = dashboard_body("<!-- m -->", "x" * 70000)
    assert len(body) <= 65536 and body.startswith("<!-- m -->")


def test_sandbox_rest_conditional_request_is_free_and_deleted_is_410(state: GitHubState) -> None:
    app = create_app(state)
    auth = {"authorization": "token sandbox-token", "host": "h"}
    status, headers, _ = app.handle("GET", f"/repos/{SEED_REPO}/issues/140", {}, auth, b"")
    assert status == 200
    used = int(headers["x-ratelimit-used"])
    status, again, _ = app.handle(
        "GET", f"/repos/{SEED_REPO}/issues/140", {}, {**auth, "if-none-match": headers["etag"]}, b""
    )
    assert status == 304 and int(again["x-ratelimit-used"]) == used
    status, _, body = app.handle(
        "GET", f"/repos/{SEED_REPO}/issues/{state.planted['deleted'][1]}", {}, auth, b""
    )
    assert status == 410 and b"deleted" in body
    status, moved, _ = app.handle(
        "GET", f"/repos/{SEED_REPO}/issues/{state.planted['moved'][1]}", {}, auth, b""
    )
    assert status == 301 and moved["location"].endswith(f"/issues/{state.planted['moved_to'][1]}")


def test_sandbox_rejects_a_bad_token_with_githubs_body(state: GitHubState) -> None:
    status, _, body = create_app(state).handle("GET", "/user", {}, {"authorization": "token nope"}, b"")
    assert status == 401 and json.loads(body)["message"] == "Bad credentials"
