"""GitHub wire formats of an issue: the aliased GraphQL batch query; GraphQL and REST issues -> IssueInfo."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from connectors.github_models import Comment, IssueInfo, IssueKey, PullRequestRef

__all__ = ["build_issue_query", "graphql_issue_info", "rest_issue_info"]

_ISSUE_FIELDS = """
fragment issueFields on Issue {
  number title state stateReason url createdAt updatedAt closedAt
  author { login __typename }
  repository { nameWithOwner }
  labels(first: 50) { nodes { name } }
  assignees(first: 20) { nodes { login } }
  milestone { title }
  comments(last: 50) { totalCount nodes { author { login __typename } createdAt body } }
  subIssuesSummary { total completed percentCompleted }
  closedByPullRequestsReferences(first: 10, includeClosedPrs: true) {
    nodes { number url state merged repository { nameWithOwner } }
  }
  projectItems(first: 5) {
    nodes { fieldValueByName(name: "Status") { ... on ProjectV2ItemFieldSingleSelectValue { name } } }
  }
}
"""


def _utc(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


_PROJECT_ITEMS = _ISSUE_FIELDS[_ISSUE_FIELDS.index("  projectItems") : _ISSUE_FIELDS.rindex("}")]


def build_issue_query(
    keys: Sequence[IssueKey], *, with_projects: bool = True
) -> tuple[str, dict[str, tuple[str, str]]]:
    """One aliased query for `keys`; returns it with alias paths `"rN.iM"` -> (repo alias, issue alias).

    `with_projects=False` leaves out the board status, which needs the `read:project` scope.
    """
    by_repo: dict[str, list[IssueKey]] = {}
    for key in keys:
        by_repo.setdefault(key.repo.lower(), []).append(key)
    parts, aliases = ["query {", "  rateLimit { cost limit remaining used resetAt }"], {}
    for r_index, (_, repo_keys) in enumerate(sorted(by_repo.items())):
        owner, name = repo_keys[0].repo.split("/")
        parts.append(f'  r{r_index}: repository(owner: "{owner}", name: "{name}") {{')
        for i_index, key in enumerate(repo_keys):
            alias = f"i{i_index}_{key.number}"
            parts.append(f"    {alias}: issue(number: {key.number}) {{ ...issueFields }}")
            aliases[str(key.normalised())] = (f"r{r_index}", alias)
        parts.append("  }")
    parts.append("}")
    fields = _ISSUE_FIELDS if with_projects else _ISSUE_FIELDS.replace(_PROJECT_ITEMS, "")
    return "\n".join(parts) + fields, aliases


def _pull(node: dict[str, Any]) -> PullRequestRef:
    state = "merged" if node.get("merged") else str(node.get("state", "")).lower()
    return PullRequestRef(
        number=int(node["number"]),
        repo=node["repository"]["nameWithOwner"],
        state=state,
        url=str(node["url"]),
    )


def _is_bot(author: dict[str, Any] | None) -> bool:
    if not author:
        return False
    return author.get("__typename") == "Bot" or str(author.get("login", "")).endswith("[bot]")


def graphql_issue_info(key: IssueKey, node: dict[str, Any], now: datetime) -> IssueInfo:
    """An IssueInfo from one GraphQL issue node; a different repository means the issue moved."""
    repo = node["repository"]["nameWithOwner"]
    moved = repo.lower() != key.repo.lower() or int(node["number"]) != key.number
    comments = node.get("comments") or {}
    human = [c for c in comments.get("nodes") or [] if not _is_bot(c.get("author"))]
    bots = len(comments.get("nodes") or []) - len(human)
    status = next(
        (
            item["fieldValueByName"]["name"]
            for item in (node.get("projectItems") or {}).get("nodes") or []
            if item and item.get("fieldValueByName")
        ),
        None,
    )
    summary = node.get("subIssuesSummary") or {}
    return IssueInfo(
        key=key,
        fetch_state="moved" if moved else "ok",
        moved_to=IssueKey(repo=repo, number=int(node["number"])) if moved else None,
        title=node.get("title"),
        state=str(node["state"]).lower(),
        state_reason=str(node["stateReason"]).lower() if node.get("stateReason") else None,
        labels=tuple(n["name"] for n in (node.get("labels") or {}).get("nodes") or []),
        assignees=tuple(n["login"] for n in (node.get("assignees") or {}).get("nodes") or []),
        milestone=(node.get("milestone") or {}).get("title"),
        author=(node.get("author") or {}).get("login"),
        created_at=_utc(node.get("createdAt")),
        updated_at=_utc(node.get("updatedAt")),
        closed_at=_utc(node.get("closedAt")),
        html_url=node.get("url"),
        comments=tuple(
            Comment(
                author=(c.get("author") or {}).get("login"),
                created_at=_utc(c["createdAt"]),
                body=c.get("body") or "",
            )
            for c in human
        ),
        comment_count=max(0, int(comments.get("totalCount", 0)) - bots),
        sub_issues_total=int(summary.get("total") or 0),
        sub_issues_completed=int(summary.get("completed") or 0),
        closing_pull_requests=tuple(
            _pull(n) for n in (node.get("closedByPullRequestsReferences") or {}).get("nodes") or []
        ),
        project_status=status,
        fetched_at=now,
    )


def rest_issue_info(key: IssueKey, data: dict[str, Any], etag: str | None, now: datetime) -> IssueInfo:
    """An IssueInfo from a REST issue (no comment bodies, PRs or project status: GraphQL adds those)."""
    repo = "/".join(str(data.get("repository_url", "")).rstrip("/").split("/")[-2:])
    moved = repo.lower() != key.repo.lower() or int(data["number"]) != key.number
    summary = data.get("sub_issues_summary") or {}
    return IssueInfo(
        key=key,
        fetch_state="moved" if moved else "ok",
        moved_to=IssueKey(repo=repo, number=int(data["number"])) if moved else None,
        title=data.get("title"),
        state=data.get("state"),
        state_reason=data.get("state_reason"),
        labels=tuple(label["name"] for label in data.get("labels") or []),
        assignees=tuple(user["login"] for user in data.get("assignees") or []),
        milestone=(data.get("milestone") or {}).get("title"),
        author=(data.get("user") or {}).get("login"),
        created_at=_utc(data.get("created_at")),
        updated_at=_utc(data.get("updated_at")),
        closed_at=_utc(data.get("closed_at")),
        html_url=data.get("html_url"),
        comment_count=int(data.get("comments") or 0),
        sub_issues_total=int(summary.get("total") or 0),
        sub_issues_completed=int(summary.get("completed") or 0),
        etag=None if moved else etag,
        fetched_at=now,
    )
