"""Our own models of GitHub issues: the contract between the GitHub connector, the journey and the store.

The connector returns these, never PyGithub objects (which load attributes lazily over the network).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

__all__ = ["IssueKey", "IssueInfo", "FetchState", "PullRequestRef", "Comment"]

# ok: fetched; not_modified: 304 on a stored ETag (the stored IssueInfo still holds);
# moved: transferred to another repository (.moved_to says where); deleted: 410;
# missing: 404 / not accessible with this token; deferred: rate-limit budget exhausted, try later.
FetchState = Literal["ok", "not_modified", "moved", "deleted", "missing", "deferred"]


class IssueKey(BaseModel):
    """An issue as referenced: `owner/name#number` (repo compared case-insensitively)."""

    model_config = ConfigDict(frozen=True)

    repo: str  # "owner/name"
    number: int

    def __str__(self) -> str:
        return f"{self.repo}#{self.number}"

    @property
    def url(self) -> str:
        return f"https://github.com/{self.repo}/issues/{self.number}"

    def normalised(self) -> IssueKey:
        return IssueKey(repo=self.repo.lower(), number=self.number)


class PullRequestRef(BaseModel):
    model_config = ConfigDict(frozen=True)

    number: int
    repo: str
    state: str  # open | closed | merged
    url: str


class Comment(BaseModel):
    model_config = ConfigDict(frozen=True)

    author: str | None
    created_at: datetime
    body: str


class IssueInfo(BaseModel):
    """One issue's state as last fetched."""

    model_config = ConfigDict(frozen=True)

    key: IssueKey
    fetch_state: FetchState = "ok"
    moved_to: IssueKey | None = None
    title: str | None = None
    state: Literal["open", "closed"] | None = None
    state_reason: str | None = None  # completed | not_planned | reopened | duplicate | None
    labels: tuple[str, ...] = ()
    assignees: tuple[str, ...] = ()
    milestone: str | None = None
    author: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    closed_at: datetime | None = None
    html_url: str | None = None
    comments: tuple[Comment, ...] = ()  # without bot comments
    comment_count: int = 0
    sub_issues_total: int = 0
    sub_issues_completed: int = 0
    closing_pull_requests: tuple[PullRequestRef, ...] = ()
    project_status: str | None = None  # board column, where the token allows
    etag: str | None = None
    fetched_at: datetime | None = None
