"""The GitHub emulator's REST routes: user, rate limit, repository, issues (list, get, create, edit)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sandbox.github_app_auth import AppRegistration
from sandbox.github_http import (
    DOCS,
    Budget,
    Reply,
    body_too_long,
    comment_json,
    issue_json,
    json_body,
    not_found,
    paged_reply,
    repo_json,
)
from sandbox.github_state import GitHubState, SandboxIssue

__all__ = ["RestRoutes", "USER"]

USER = {"login": "swc-sandbox", "id": 1, "type": "User"}
INTEGRATION_MESSAGE = "Resource not accessible by integration"
USER_DOCS = "https://docs.github.com/rest/users/users#get-the-authenticated-user"


class RestRoutes:
    """Answers REST requests over a GitHubState; `/rate_limit` reports the two budgets it is given."""

    def __init__(self, state: GitHubState, core: Budget, graphql: Budget) -> None:
        self.state = state
        self.core = core
        self.graphql_budget = graphql

    def answer(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        body: bytes,
        base: str,
        caller: str | AppRegistration = "user",
    ) -> Reply:
        """The route's answer to `method path` (404 when no route matches); counts the route."""
        for pattern, verb, handler in self._routes():
            match = re.fullmatch(pattern, path)
            if match and verb == method:
                self.state.counters.routes[f"{verb} {pattern}"] += 1
                result: Reply = handler(*match.groups(), query=query, body=body, base=base, caller=caller)
                return result
        return not_found()

    def _routes(self) -> list[tuple[str, str, Callable[..., Reply]]]:
        repo = r"/repos/([^/]+/[^/]+)"
        return [
            ("/rate_limit", "GET", self._rate_limit),
            ("/user", "GET", self._get_user),
            (repo, "GET", self._get_repo),
            (repo + r"/issues", "GET", self._list_issues),
            (repo + r"/issues", "POST", self._create_issue),
            (repo + r"/issues/(\d+)", "GET", self._get_issue),
            (repo + r"/issues/(\d+)", "PATCH", self._edit_issue),
            (repo + r"/issues/(\d+)/comments", "GET", self._list_comments),
        ]

    def _get_user(self, *, caller: str | AppRegistration, **_: Any) -> Reply:
        if isinstance(caller, AppRegistration):  # an installation token is not a user
            return Reply(
                403, {"message": INTEGRATION_MESSAGE, "documentation_url": USER_DOCS, "status": "403"}
            )
        return Reply(200, dict(USER))

    def _rate_limit(self, **_: Any) -> Reply:
        core = {
            "limit": self.core.limit,
            "remaining": self.core.remaining,
            "used": self.core.used,
            "reset": int(self.core.reset),
        }
        gql = {
            "limit": self.graphql_budget.limit,
            "remaining": self.graphql_budget.remaining,
            "used": self.graphql_budget.used,
            "reset": int(self.graphql_budget.reset),
        }
        return Reply(200, {"resources": {"core": core, "graphql": gql}, "rate": core}, cost=0)

    def _get_repo(self, full_name: str, *, base: str, **_: Any) -> Reply:
        record = self.state.repo(full_name)
        return Reply(200, repo_json(record, base)) if record else not_found()

    def _get_issue(self, full_name: str, number: str, *, base: str, **_: Any) -> Reply:
        issue = self.state.issue(full_name, int(number))
        if issue is None:
            return not_found()
        if issue.deleted:
            return Reply(410, {"message": "This issue was deleted", "documentation_url": DOCS})
        if issue.moved_to:
            target = f"{base}/repos/{issue.moved_to[0]}/issues/{issue.moved_to[1]}"
            return Reply(
                301,
                {"message": "Moved Permanently", "url": target, "documentation_url": DOCS},
                headers={"location": target},
            )
        return Reply(200, issue_json(issue, base, self.state.sub_issues_done(issue)))

    def _live_issues(self, full_name: str) -> list[SandboxIssue] | None:
        record = self.state.repo(full_name)
        if record is None:
            return None
        return [i for i in record.issues.values() if not i.deleted and not i.moved_to]

    def _list_issues(self, full_name: str, *, query: dict[str, str], base: str, **_: Any) -> Reply:
        issues = self._live_issues(full_name)
        if issues is None:
            return not_found()
        wanted = query.get("state", "open")
        issues = [i for i in issues if wanted == "all" or i.state == wanted]
        if "creator" in query:
            issues = [i for i in issues if i.author.lower() == query["creator"].lower()]
        if "since" in query:
            since = datetime.fromisoformat(query["since"].replace("Z", "+00:00"))
            issues = [i for i in issues if i.updated_at >= since]
        key = (lambda i: i.updated_at) if query.get("sort") == "updated" else (lambda i: i.created_at)
        issues.sort(key=key, reverse=query.get("direction", "desc") == "desc")
        return paged_reply(
            [issue_json(i, base, self.state.sub_issues_done(i)) for i in issues],
            query,
            f"{base}/repos/{full_name}/issues",
        )

    def _list_comments(
        self, full_name: str, number: str, *, query: dict[str, str], base: str, **_: Any
    ) -> Reply:
        issue = self.state.issue(full_name, int(number))
        if issue is None or issue.deleted or issue.moved_to:
            return not_found()  # GitHub: sub-resources of a moved issue 404 as well
        items = [comment_json(c, issue, base) for c in issue.comments]
        return paged_reply(items, query, f"{base}/repos/{full_name}/issues/{number}/comments")

    def _create_issue(
        self, full_name: str, *, body: bytes, base: str, caller: str | AppRegistration = "user", **_: Any
    ) -> Reply:
        data = json_body(body)
        if not isinstance(data, dict) or not data.get("title"):
            return Reply(
                422,
                {"message": "Validation Failed", "errors": [{"field": "title", "code": "missing"}]},
                cost=5,
            )
        if len(str(data.get("body") or "")) > 65536:
            return body_too_long()
        if self.state.repo(full_name) is None:
            return not_found()
        issue = self.state.add_issue(
            full_name,
            str(data["title"]),
            author=caller.bot_login if isinstance(caller, AppRegistration) else str(USER["login"]),
            body=str(data.get("body") or ""),
        )
        issue.labels, issue.assignees, issue.comments, issue.milestone = (
            list(data.get("labels") or []),
            [],
            [],
            None,
        )
        issue.created_at = issue.updated_at = self.state.now()
        return Reply(201, issue_json(issue, base), cost=5)

    def _edit_issue(self, full_name: str, number: str, *, body: bytes, base: str, **_: Any) -> Reply:
        data = json_body(body)
        issue = self.state.issue(full_name, int(number))
        if issue is None or issue.deleted or issue.moved_to or not isinstance(data, dict):
            return not_found()
        if len(str(data.get("body") or "")) > 65536:
            return body_too_long()
        for name in ("title", "body"):
            if name in data:
                setattr(issue, name, str(data[name]))
        if "labels" in data:
            issue.labels = [str(x) for x in data["labels"]]
        if data.get("state") in ("open", "closed"):
            self.state.set_state(full_name, issue.number, data["state"], data.get("state_reason"))
        self.state.touch(full_name, issue.number)
        return Reply(200, issue_json(issue, base, self.state.sub_issues_done(issue)), cost=5)
