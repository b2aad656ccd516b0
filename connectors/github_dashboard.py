"""The living dashboard issue: found by its marker among our own issues, then created or edited in place."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from github import Auth, Github, GithubIntegration

from connectors.github_errors import map_errors

__all__ = ["DashboardResult", "MAX_BODY", "create_or_update_dashboard", "dashboard_body"]

MAX_BODY = 65536  # GitHub's limit on an issue body


@dataclass(frozen=True)
class DashboardResult:
    """What `create_or_update_dashboard` did, and to which issue."""

    action: Literal["created", "updated", "unchanged"]
    number: int
    url: str


def create_or_update_dashboard(
    github: Github, app_auth: Auth.AppAuth | None, repo: str, title: str, body: str, marker: str
) -> DashboardResult:
    """Create the dashboard issue, or edit it in place when its content changed (found by `marker`).

    `app_auth`: the App's own (JWT) credentials when `github` acts as a GitHub App installation.
    """
    tag = f"<!-- {marker} -->"
    full = dashboard_body(tag, body)
    with map_errors(f"/repos/{repo}"):
        login = _own_login(github, app_auth)
        repository = github.get_repo(repo)  # lazy: no request
        mine = list(repository.get_issues(state="all", creator=login))  # type: ignore[arg-type]  # str works
        existing = next((i for i in mine if tag in (i.body or "")), None) or next(
            (i for i in mine if i.title == title and i.state == "open"), None
        )
        if existing is None:
            created = repository.create_issue(title=title, body=full)
            return DashboardResult("created", created.number, created.html_url)
        if existing.body == full and existing.title == title:
            return DashboardResult("unchanged", existing.number, existing.html_url)
        existing.edit(title=title, body=full)
        return DashboardResult("updated", existing.number, existing.html_url)


def _own_login(github: Github, app_auth: Auth.AppAuth | None) -> str:
    """The login our issues are created under: the token's user, or "<app slug>[bot]" for an App.

    An installation token may not read `GET /user` (403 "Resource not accessible by integration"); the
    App itself, authenticated by its JWT, may read `GET /app`.
    """
    if app_auth is None:
        return str(github.get_user().login)
    integration = GithubIntegration(**{**github.requester.kwargs, "auth": app_auth})
    try:
        return f"{integration.get_app().slug}[bot]"
    finally:
        integration.close()


def dashboard_body(tag: str, body: str) -> str:
    """`body` behind its marker `tag`, cut to fit GitHub's limit on an issue body."""
    full = f"{tag}\n{body}"
    if len(full) <= MAX_BODY:
        return full
    note = "\n\n… (ingekort / truncated)\n"
    return full[: MAX_BODY - len(note)] + note
