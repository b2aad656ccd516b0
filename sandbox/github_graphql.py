"""The GitHub emulator's GraphQL: the aliased issue batches our client sends, GitHub's cost rule, errors."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sandbox.github_http import DOCS, PRIMARY_MESSAGE, Budget, Reply, iso, json_body
from sandbox.github_state import GitHubState, SandboxIssue

__all__ = ["GraphQLEndpoint", "SCOPES_MESSAGE"]

SCOPES_MESSAGE = (
    "Your token has not been granted the required scopes to execute this query. The 'projectItems' field "
    "requires one of the following scopes: ['read:project'], but your token has only been granted the: "
    "['repo'] scopes. Please modify your token's scopes at: https://github.com/settings/tokens."
)


class GraphQLEndpoint:
    """Answers `POST /graphql` over a GitHubState, spending points from its budget."""

    def __init__(self, state: GitHubState, budget: Budget, *, project_scope: bool = True) -> None:
        self.state = state
        self.graphql_budget = budget
        self.project_scope = project_scope  # False: a classic token without read:project

    def answer(self, body: bytes) -> Reply:
        """The answer to one GraphQL request body."""
        self.state.counters.graphql += 1
        data = json_body(body)
        query = data.get("query") if isinstance(data, dict) else None
        if not isinstance(query, str):
            return Reply(
                400,
                {"message": "Problems parsing JSON", "documentation_url": DOCS},
                resource="graphql",
                cost=0,
            )
        if not self.project_scope and "projectItems" in query:
            return Reply(200, {"errors": [{"type": "INSUFFICIENT_SCOPES", "message": SCOPES_MESSAGE}]},
                         resource="graphql", cost=0)  # fmt: skip
        plan = _parse_graphql(query)
        cost = plan.cost()
        budget = self.graphql_budget
        if budget.remaining < cost:
            self.state.counters.primary_limited += 1
            return Reply(
                200,
                {"errors": [{"type": "RATE_LIMITED", "message": PRIMARY_MESSAGE}]},
                resource="graphql",
                cost=0,
            )
        budget.used += cost
        self.state.counters.graphql_points += cost
        result, errors = self._resolve(plan)
        _select_fields(result, query)
        if plan.rate_limit:
            result["rateLimit"] = {
                "cost": cost,
                "limit": budget.limit,
                "remaining": budget.remaining,
                "used": budget.used,
                "resetAt": iso(datetime.fromtimestamp(budget.reset, UTC)),
            }
        answer: dict[str, Any] = {"data": result}
        if errors:
            answer["errors"] = errors
        return Reply(200, answer, resource="graphql", cost=0)

    def _resolve(self, plan: _GraphQLPlan) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        result: dict[str, Any] = {}
        errors: list[dict[str, Any]] = []
        for repo_alias, full_name, issues in plan.repos:
            if self.state.repo(full_name) is None:
                result[repo_alias] = None
                errors.append(
                    _gql_not_found(
                        [repo_alias], f"Could not resolve to a Repository with the name '{full_name}'."
                    )
                )
                continue
            block: dict[str, Any] = {}
            for issue_alias, number in issues:
                issue = self.state.follow(full_name, number)
                block[issue_alias] = (
                    _issue_graphql(issue, plan.comment_limit, self.state.sub_issues_done(issue))
                    if issue
                    else None
                )
                if issue is None:
                    errors.append(
                        _gql_not_found(
                            [repo_alias, issue_alias],
                            f"Could not resolve to an issue or pull request with the number of {number}.",
                        )
                    )
            result[repo_alias] = block
        return result, errors


def _issue_graphql(issue: SandboxIssue, comment_limit: int, done: int = 0) -> dict[str, Any]:
    comments = issue.comments[-comment_limit:] if comment_limit else []
    return {
        "number": issue.number,
        "title": issue.title,
        "state": issue.state.upper(),
        "stateReason": issue.state_reason.upper() if issue.state_reason else None,
        "url": f"https://github.com/{issue.repo}/issues/{issue.number}",
        "createdAt": iso(issue.created_at),
        "updatedAt": iso(issue.updated_at),
        "closedAt": iso(issue.closed_at),
        "author": {"login": issue.author, "__typename": "User"},
        "repository": {"nameWithOwner": issue.repo},
        "labels": {"nodes": [{"name": name} for name in issue.labels]},
        "assignees": {"nodes": [{"login": a} for a in issue.assignees]},
        "milestone": {"title": issue.milestone} if issue.milestone else None,
        "comments": {
            "totalCount": len(issue.comments),
            "nodes": [
                {
                    "author": {"login": c.author.removesuffix("[bot]"), "__typename": c.author_type},
                    "createdAt": iso(c.created_at),
                    "body": c.body,
                }
                for c in comments
            ],
        },
        "subIssuesSummary": {
            "total": len(issue.sub_issues),
            "completed": done,
            "percentCompleted": int(100 * done / len(issue.sub_issues)) if issue.sub_issues else 0,
        },
        "parent": {"number": issue.parent} if issue.parent else None,
        "closedByPullRequestsReferences": {
            "nodes": [
                {
                    "number": p.number,
                    "url": f"https://github.com/{p.repo}/pull/{p.number}",
                    "state": p.state,
                    "merged": p.merged,
                    "repository": {"nameWithOwner": p.repo},
                }
                for p in issue.closing_pulls
            ]
        },
        "projectItems": {
            "nodes": [{"fieldValueByName": {"name": issue.project_status}}] if issue.project_status else []
        },
    }


def _select_fields(result: dict[str, Any], query: str) -> None:
    """GraphQL answers only what was asked: drop issue fields the query does not name (e.g. projectItems)."""
    words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", query))
    for block in result.values():
        if not isinstance(block, dict):
            continue
        for node in block.values():
            if isinstance(node, dict):
                for name in [k for k in node if k not in words]:
                    del node[name]


def _gql_not_found(path: list[str], message: str) -> dict[str, Any]:
    return {"type": "NOT_FOUND", "path": path, "locations": [{"line": 1, "column": 1}], "message": message}


@dataclass
class _GraphQLPlan:
    repos: list[tuple[str, str, list[tuple[str, int]]]]
    connections_per_issue: int
    comment_limit: int
    rate_limit: bool

    def cost(self) -> int:
        """GitHub's rule: requests for all connections / 100, rounded to nearest, at least 1."""
        issues = sum(len(items) for _, _, items in self.repos)
        requests = len(self.repos) + issues * self.connections_per_issue
        return max(1, math.floor(requests / 100 + 0.5))


_REPO_RE = re.compile(r'(\w+)\s*:\s*repository\(\s*owner:\s*"([^"]+)"\s*,\s*name:\s*"([^"]+)"\s*\)\s*\{')
_ISSUE_RE = re.compile(r"(\w+)\s*:\s*issue\(\s*number:\s*(\d+)\s*\)")
_CONNECTION_RE = re.compile(r"\w+\(\s*(?:first|last)\s*:\s*\d+")
_COMMENTS_RE = re.compile(r"comments\(\s*(?:first|last)\s*:\s*(\d+)")


def _block(text: str, start: int) -> str:
    depth = 0
    for index in range(start, len(text)):
        if text[index] == "{":
            depth += 1
        elif text[index] == "}":
            depth -= 1
            if depth == 0:
                return text[start : index + 1]
    return text[start:]


def _parse_graphql(query: str) -> _GraphQLPlan:
    repos = []
    for match in _REPO_RE.finditer(query):
        block = _block(query, match.end() - 1)
        issues = [(alias, int(number)) for alias, number in _ISSUE_RE.findall(block)]
        repos.append((match.group(1), f"{match.group(2)}/{match.group(3)}", issues))
    fragment = query[query.find("fragment") :] if "fragment" in query else query
    comments = _COMMENTS_RE.search(fragment)
    return _GraphQLPlan(
        repos=repos,
        connections_per_issue=len(_CONNECTION_RE.findall(fragment)),
        comment_limit=int(comments.group(1)) if comments else 0,
        rate_limit=bool(re.search(r"\brateLimit\s*\{", query)),
    )
