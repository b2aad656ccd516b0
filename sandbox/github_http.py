"""HTTP building blocks of the GitHub emulator: Reply, rate-limit budgets, GitHub's JSON shapes, paging."""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from sandbox.github_state import SandboxComment, SandboxIssue, SandboxRepo

__all__ = [
    "Budget",
    "DOCS",
    "PRIMARY_MESSAGE",
    "Reply",
    "body_too_long",
    "comment_json",
    "etag",
    "iso",
    "issue_json",
    "json_body",
    "not_found",
    "paged_reply",
    "repo_json",
    "user_json",
]

DOCS = "https://docs.github.com/rest"
PRIMARY_MESSAGE = (
    "API rate limit exceeded for user ID 1. If you reach out to GitHub Support for help, "
    "please include the request ID 0000:0000."
)


@dataclass
class Reply:
    status: int
    body: Any = None  # JSON-serialisable, or None
    headers: dict[str, str] = field(default_factory=dict)
    resource: str = "core"
    cost: int = 1  # primary points this answer costs (0 for 304 and /rate_limit)


@dataclass
class Budget:
    limit: int
    used: int = 0
    reset: float = 0.0

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.used)

    def roll(self, now: float) -> None:
        if now >= self.reset:
            self.used, self.reset = 0, now + 3600

    def headers(self, resource: str) -> dict[str, str]:
        return {
            "x-ratelimit-limit": str(self.limit),
            "x-ratelimit-remaining": str(self.remaining),
            "x-ratelimit-used": str(self.used),
            "x-ratelimit-reset": str(int(self.reset)),
            "x-ratelimit-resource": resource,
        }


def iso(value: datetime | None) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def etag(payload: Any) -> str:
    digest = hashlib.sha1(json.dumps(payload, sort_keys=True).encode()).hexdigest()
    return f'W/"{digest}"'


def user_json(login: str, kind: str = "User") -> dict[str, Any]:
    return {"login": login, "id": int(hashlib.sha1(login.encode()).hexdigest()[:6], 16), "type": kind}


def repo_json(record: SandboxRepo, base: str) -> dict[str, Any]:
    owner, name = record.full_name.split("/")
    return {
        "id": record.id,
        "name": name,
        "full_name": record.full_name,
        "owner": user_json(owner, "Organization"),
        "private": False,
        "url": f"{base}/repos/{record.full_name}",
        "html_url": f"https://github.com/{record.full_name}",
        "default_branch": "main",
        "has_issues": True,
    }


def issue_json(issue: SandboxIssue, base: str, done: int = 0) -> dict[str, Any]:
    api = f"{base}/repos/{issue.repo}"
    total = len(issue.sub_issues)
    return {
        "url": f"{api}/issues/{issue.number}",
        "repository_url": api,
        "comments_url": f"{api}/issues/{issue.number}/comments",
        "html_url": f"https://github.com/{issue.repo}/issues/{issue.number}",
        "id": issue.id,
        "node_id": f"I_{issue.id}",
        "number": issue.number,
        "title": issue.title,
        "user": user_json(issue.author, "Bot" if issue.author.endswith("[bot]") else "User"),
        "labels": [{"name": name, "color": "ededed"} for name in issue.labels],
        "state": issue.state,
        "state_reason": issue.state_reason,
        "locked": False,
        "assignee": user_json(issue.assignees[0]) if issue.assignees else None,
        "assignees": [user_json(a) for a in issue.assignees],
        "milestone": {"title": issue.milestone, "number": 1, "state": "open"} if issue.milestone else None,
        "comments": len(issue.comments),
        "created_at": iso(issue.created_at),
        "updated_at": iso(issue.updated_at),
        "closed_at": iso(issue.closed_at),
        "body": issue.body,
        "author_association": "MEMBER",
        "sub_issues_summary": {
            "total": total,
            "completed": done,
            "percent_completed": int(100 * done / total) if total else 0,
        },
    }


def comment_json(comment: SandboxComment, issue: SandboxIssue, base: str) -> dict[str, Any]:
    return {
        "id": comment.id,
        "user": user_json(comment.author, comment.author_type),
        "body": comment.body,
        "created_at": iso(comment.created_at),
        "updated_at": iso(comment.created_at),
        "html_url": f"https://github.com/{issue.repo}/issues/{issue.number}#issuecomment-{comment.id}",
        "url": f"{base}/repos/{issue.repo}/issues/comments/{comment.id}",
    }


def not_found() -> Reply:
    return Reply(404, {"message": "Not Found", "documentation_url": DOCS, "status": "404"})


def body_too_long() -> Reply:
    return Reply(
        422,
        {
            "message": "Validation Failed",
            "errors": [
                {
                    "resource": "Issue",
                    "code": "custom",
                    "field": "body",
                    "message": "body is too long (maximum is 65536 characters)",
                }
            ],
        },
        cost=5,
    )


def json_body(body: bytes) -> Any:
    try:
        return json.loads(body or b"null")
    except ValueError:
        return None


def paged_reply(items: list[dict[str, Any]], query: dict[str, str], url: str) -> Reply:
    per_page = max(1, min(100, int(query.get("per_page", "30"))))
    page = max(1, int(query.get("page", "1")))
    last = max(1, math.ceil(len(items) / per_page))
    chunk = items[(page - 1) * per_page : page * per_page]
    links = []
    params = {k: v for k, v in query.items() if k != "page"}

    def link(number: int, rel: str) -> str:
        return f'<{url}?{urlencode({**params, "page": number})}>; rel="{rel}"'

    if page < last:
        links += [link(page + 1, "next"), link(last, "last")]
    if page > 1:
        links += [link(1, "first"), link(page - 1, "prev")]
    return Reply(200, chunk, headers={"link": ", ".join(links)} if links else {})
