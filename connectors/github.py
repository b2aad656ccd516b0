"""GitHubClient: PyGithub underneath, our IssueInfo models on top; batching, ETags, bounded rate-limit waits.

Refresh strategy (`fetch_issues`, strategy="auto"), per refresh:

* **conditional** when every requested issue has a stored ETag and there are at most `conditional_max`
  of them: one `GET /repos/{o}/{r}/issues/{n}` per issue with `If-None-Match`. Unchanged issues answer
  304, which costs **0 primary points** (N requests, 0 points). Changed ones (200) are then re-read in
  a GraphQL batch for comments, closing pull requests and project status.
* **graphql** otherwise: one aliased query per `batch_size` issues through `requester.requestJson` (PyGithub's
  `graphql_query` raises on any error and would drop the whole batch; we keep partial data). Cost is
  GitHub's (connections/100, at least 1 point per query). Aliases answered NOT_FOUND (or any per-alias
  error) fall back to REST `GET .../issues/{n}`: 301 (followed by PyGithub; we compare the repository)
  = moved, 410 = deleted, 404 = missing. With `prime_etags` the client then reads each new issue once
  over REST (1 point each, once) to store its ETag, so the next refresh can be conditional and free.

Rate limits: primary exhaustion (403/429 with x-ratelimit-remaining 0, or GraphQL RATE_LIMITED) stops
the run at once; the rest is returned as `deferred` with `reset_at`. Secondary limits (retry-after or the
"secondary rate limit" message) are waited out while the total wait stays within `max_wait_seconds`,
then the rest is deferred. PyGithub's own retry is limited to connection errors and 5xx so that we
control every wait. The token lives only inside PyGithub's auth object: never in logs, errors or reprs.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import requests
from github import Auth, Github, GithubException, GithubIntegration
from urllib3.util.retry import Retry

from connectors.errors import (
    AuthFailed,
    ConnectorError,
    NotFound,
    RateLimited,
    RemoteUnavailable,
    UnexpectedPayload,
)
from connectors.github_models import Comment, IssueInfo, IssueKey, PullRequestRef

__all__ = ["GitHubClient", "FetchResult", "DashboardResult", "Strategy", "build_issue_query", "MAX_BODY"]

log = logging.getLogger("swc.github")
SERVICE = "github"
MAX_BODY = 65536  # GitHub's limit on an issue body
Strategy = Literal["auto", "conditional", "graphql"]
_REPO_RE = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_SECONDARY_HINTS = (
    "secondary rate limit",
    "please wait a few minutes",
    "please retry your request again later",
)
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


class _ScopesMissing(Exception):
    """GraphQL INSUFFICIENT_SCOPES: the token may not read a field the query asks for."""


@dataclass(frozen=True)
class FetchResult:
    """What one `fetch_issues` call got; `deferred` keys were not fetched (budget), retry after `reset_at`."""

    issues: dict[IssueKey, IssueInfo]
    requests: int
    rate_points_used: int  # primary REST points + GraphQL points
    deferred: list[IssueKey]
    strategy: str = "graphql"
    core_points: int = 0
    graphql_points: int = 0
    reset_at: datetime | None = None
    waited_seconds: float = 0.0


@dataclass(frozen=True)
class DashboardResult:
    action: Literal["created", "updated", "unchanged"]
    number: int
    url: str


class _Deferred(Exception):
    """Internal: the budget is gone; stop and defer the rest."""

    def __init__(self, reset_at: datetime | None) -> None:
        super().__init__("deferred")
        self.reset_at = reset_at


@dataclass
class _Run:
    """Bookkeeping of one fetch: requests, points, waits."""

    max_wait: float
    requests: int = 0
    core_points: int = 0
    graphql_points: int = 0
    waited: float = 0.0
    reset_at: datetime | None = None
    deferred: bool = False
    issues: dict[IssueKey, IssueInfo] = field(default_factory=dict)


def _utc(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def _reset_at(headers: dict[str, Any]) -> datetime | None:
    raw = headers.get("x-ratelimit-reset")
    return datetime.fromtimestamp(int(float(raw)), UTC) if raw else None


def _message(body: str) -> str:
    try:
        data = json.loads(body or "{}")
    except ValueError:
        return ""
    return str(data.get("message", "")) if isinstance(data, dict) else ""


def _chunks(items: Sequence[IssueKey], size: int) -> Iterator[Sequence[IssueKey]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


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


def _graphql_info(key: IssueKey, node: dict[str, Any], now: datetime) -> IssueInfo:
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


def _rest_info(key: IssueKey, data: dict[str, Any], etag: str | None, now: datetime) -> IssueInfo:
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


class GitHubClient:
    """Reads issues and maintains the dashboard issue. Build it with `connect`; never holds the token."""

    def __init__(
        self,
        github: Github,
        *,
        max_wait_seconds: float = 60.0,
        batch_size: int = 50,
        conditional_max: int = 100,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], datetime] | None = None,
        on_close: Callable[[], None] | None = None,
        app_auth: Auth.AppAuth | None = None,
    ) -> None:
        self._github = github
        self._app_auth = (
            app_auth  # GitHub App credentials: the App is asked for its own name (see _own_login)
        )
        self.max_wait_seconds = max_wait_seconds
        self.batch_size = max(1, min(100, batch_size))
        self.conditional_max = conditional_max
        self._sleep = sleep
        self._clock = clock or (lambda: datetime.now(UTC))
        self._on_close = on_close
        self._with_projects = True  # ask for board status until GitHub says the token may not read it

    @classmethod
    def connect(
        cls,
        base_url: str,
        *,
        token: str | None = None,
        app_id: int | None = None,
        private_key: str | None = None,
        installation_id: int | None = None,
        timeout: float = 30.0,
        max_wait_seconds: float = 60.0,
        min_interval: float = 0.25,
        batch_size: int = 50,
        conditional_max: int = 100,
        on_close: Callable[[], None] | None = None,
    ) -> GitHubClient:
        """A client for `base_url` with a token or GitHub App credentials (plain values, no Settings)."""
        retry = Retry(
            total=3,
            connect=3,
            read=2,
            status=2,
            backoff_factor=0.5,
            status_forcelist=(500, 502, 503, 504),
            respect_retry_after_header=False,
            raise_on_status=False,
        )
        auth, app_auth = _auth(token, app_id, private_key, installation_id)
        github = Github(
            base_url=base_url.rstrip("/"),
            auth=auth,
            timeout=int(max(1, timeout)),
            per_page=100,
            retry=retry,
            seconds_between_requests=min_interval or None,
            seconds_between_writes=max(min_interval, 1.0) if min_interval else None,
            lazy=True,
        )
        return cls(
            github,
            max_wait_seconds=max_wait_seconds,
            batch_size=batch_size,
            conditional_max=conditional_max,
            on_close=on_close,
            app_auth=app_auth,
        )

    def __repr__(self) -> str:
        return f"GitHubClient(base_url={self._github.requester.base_url!r})"

    def close(self) -> None:
        self._github.close()
        if self._on_close is not None:
            self._on_close()
            self._on_close = None

    # -- issues ---------------------------------------------------------------------------------------
    async def fetch_issues(
        self,
        keys: Iterable[IssueKey],
        *,
        known: dict[IssueKey, IssueInfo] | None = None,
        strategy: Strategy = "auto",
        prime_etags: bool = True,
    ) -> FetchResult:
        """Fetch `keys` (see the module docstring for the strategy); runs PyGithub in a worker thread."""
        return await asyncio.to_thread(
            self.fetch_issues_blocking, keys, known=known, strategy=strategy, prime_etags=prime_etags
        )

    def fetch_issues_blocking(
        self,
        keys: Iterable[IssueKey],
        *,
        known: dict[IssueKey, IssueInfo] | None = None,
        strategy: Strategy = "auto",
        prime_etags: bool = True,
    ) -> FetchResult:
        wanted = list(dict.fromkeys(keys))
        known = {k.normalised(): v for k, v in (known or {}).items()}
        run = _Run(max_wait=self.max_wait_seconds)
        for key in wanted:  # deleted is final: never asked again
            if (old := known.get(key.normalised())) and old.fetch_state == "deleted":
                run.issues[key] = old.model_copy(update={"key": key})
        conditional = self._conditional_keys(wanted, known, strategy)
        detail = [k for k in wanted if k not in conditional and k not in run.issues]
        chosen = "mixed" if conditional and detail else "conditional" if conditional else "graphql"
        try:
            changed = self._refresh_conditional(run, conditional, known)
            self._read_details(run, detail + changed, known)
            if prime_etags:
                self._prime_etags(run, [k for k in wanted if k in run.issues])
        except _Deferred as stop:
            run.deferred, run.reset_at = True, stop.reset_at
        deferred = [k for k in wanted if k not in run.issues]
        return FetchResult(
            issues=run.issues,
            requests=run.requests,
            rate_points_used=run.core_points + run.graphql_points,
            deferred=deferred,
            strategy=chosen,
            core_points=run.core_points,
            graphql_points=run.graphql_points,
            reset_at=run.reset_at if deferred else None,
            waited_seconds=run.waited,
        )

    def _conditional_keys(
        self, wanted: list[IssueKey], known: dict[IssueKey, IssueInfo], strategy: Strategy
    ) -> list[IssueKey]:
        if strategy == "graphql":
            return []
        usable = [
            k
            for k in wanted
            if (info := known.get(k.normalised()))
            and info.etag
            and info.fetch_state in ("ok", "not_modified")
        ]
        if strategy == "auto" and len(usable) > self.conditional_max:
            return []
        return usable

    def _refresh_conditional(
        self, run: _Run, keys: list[IssueKey], known: dict[IssueKey, IssueInfo]
    ) -> list[IssueKey]:
        """Conditional GETs; returns the keys that changed (they need a detail read)."""
        changed = []
        for key in keys:
            old = known[key.normalised()]
            info = self._rest_issue(run, key, etag=old.etag)
            if info is None:
                run.issues[key] = old.model_copy(
                    update={"key": key, "fetch_state": "not_modified", "fetched_at": self._clock()}
                )
                continue
            if info.fetch_state == "ok":  # keep the detail fields until the GraphQL read replaces them
                info = info.model_copy(
                    update={
                        "comments": old.comments,
                        "project_status": old.project_status,
                        "closing_pull_requests": old.closing_pull_requests,
                    }
                )
                changed.append(key)
            run.issues[key] = info
        return changed

    def _read_details(self, run: _Run, keys: list[IssueKey], known: dict[IssueKey, IssueInfo]) -> None:
        valid = [k for k in keys if _REPO_RE.match(k.repo)]
        for key in keys:
            if key not in valid:
                run.issues[key] = IssueInfo(key=key, fetch_state="missing", fetched_at=self._clock())
        for batch in _chunks(valid, self.batch_size):
            unresolved = self._graphql_batch(run, batch)
            for key in unresolved:  # NOT_FOUND or another per-alias error: REST says which state
                old = known.get(key.normalised())
                if old is not None and old.fetch_state == "missing":  # still missing: no need to ask REST
                    run.issues[key] = old.model_copy(update={"key": key, "fetched_at": self._clock()})
                    continue
                info = self._rest_issue(run, key, etag=None)
                run.issues[key] = info or IssueInfo(key=key, fetch_state="missing", fetched_at=self._clock())

    def _graphql_batch(self, run: _Run, batch: Sequence[IssueKey]) -> list[IssueKey]:
        """One aliased query; fills run.issues, returns keys the query could not resolve."""
        query, aliases = build_issue_query(batch, with_projects=self._with_projects)
        status, headers, body = self._call(
            run,
            "POST",
            self._github.requester.graphql_url,
            payload={"query": query, "variables": {}},
            resource="graphql",
        )
        try:
            data = self._graphql_data(status, headers, body)
        except _ScopesMissing:
            if not self._with_projects:
                raise AuthFailed(
                    "GitHub refused the issue query for missing token scopes",
                    service=SERVICE,
                    hint="give SWC_GITHUB__TOKEN read access to issues (and read:project for board status)",
                ) from None
            # a classic token without read:project: GitHub refuses the whole query, so ask again without
            # the board status (it stays unknown) and remember that for the rest of this client's life
            log.warning("GitHub token lacks read:project; project (board) status is left out")
            self._with_projects = False
            return self._graphql_batch(run, batch)
        cost = (data.get("data") or {}).get("rateLimit") or {}
        run.graphql_points += int(cost.get("cost") or 0)
        now, unresolved = self._clock(), []
        for key in batch:
            repo_alias, issue_alias = aliases[str(key.normalised())]
            node = ((data.get("data") or {}).get(repo_alias) or {}).get(issue_alias)
            if node is None:
                unresolved.append(key)
                continue
            previous = run.issues.get(key)
            info = _graphql_info(key, node, now)
            run.issues[key] = info.model_copy(update={"etag": previous.etag}) if previous else info
        return unresolved

    def _graphql_data(self, status: int, headers: dict[str, Any], body: str) -> dict[str, Any]:
        try:
            data = json.loads(body or "{}")
        except ValueError as exc:
            raise UnexpectedPayload(
                f"GitHub GraphQL answered {status} with non-JSON", service=SERVICE, status=status
            ) from exc
        if status != 200 or not isinstance(data, dict):
            raise _status_error(status, f"GitHub GraphQL answered {status}: {_message(body)[:200]}")
        errors = data.get("errors") or []
        if any(
            e.get("type") == "RATE_LIMITED" or "rate limit" in str(e.get("message", "")).lower()
            for e in errors
        ):
            raise _Deferred(_reset_at(headers))
        if data.get("data") is None and any(e.get("type") == "INSUFFICIENT_SCOPES" for e in errors):
            raise _ScopesMissing()
        if data.get("data") is None:
            first = errors[0].get("message") if errors else "no data"
            raise UnexpectedPayload(f"GitHub GraphQL query failed: {first}", service=SERVICE, status=status)
        return data

    def _rest_issue(self, run: _Run, key: IssueKey, *, etag: str | None) -> IssueInfo | None:
        """GET one issue (conditionally with `etag`); None means 304 (unchanged)."""
        headers = {"If-None-Match": etag} if etag else None
        status, out, body = self._call(run, "GET", f"/repos/{key.repo}/issues/{key.number}", headers=headers)
        now = self._clock()
        if status == 304:
            return None
        if status == 410:
            return IssueInfo(key=key, fetch_state="deleted", fetched_at=now)
        if status == 404:
            return IssueInfo(key=key, fetch_state="missing", fetched_at=now)
        if status != 200:
            raise _status_error(
                status, f"GitHub answered {status} for {key}: {_message(body)[:200]}", key.url
            )
        info = _rest_info(key, json.loads(body), out.get("etag"), now)
        if info.fetch_state == "moved":  # PyGithub followed a 301: one more request and point than we saw
            run.requests += 1
            run.core_points += 1
        return info

    def _prime_etags(self, run: _Run, keys: list[IssueKey]) -> None:
        """Read issues that have no ETag yet once over REST, so later refreshes can be free 304s."""
        for key in keys:
            info = run.issues[key]
            if info.etag or info.fetch_state != "ok":
                continue
            try:
                rest = self._rest_issue(run, key, etag=None)
            except _Deferred:
                return  # the data is in hand; only the ETag is missing
            if rest is not None and rest.fetch_state == "ok":
                run.issues[key] = info.model_copy(update={"etag": rest.etag})
            elif rest is not None:
                run.issues[key] = rest

    # -- transport --------------------------------------------------------------------------------------
    def _call(
        self,
        run: _Run,
        verb: str,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        payload: Any = None,
        resource: str = "core",
    ) -> tuple[int, dict[str, Any], str]:
        """One request with our rate-limit policy: bounded waits on secondary limits, defer on exhaustion."""
        for _attempt in range(4):
            with _map_errors(url):
                status, out, body = self._github.requester.requestJson(
                    verb, url, headers=dict(headers or {}), input=payload
                )
            run.requests += 1
            if status == 401:
                raise _auth_failed(status, url)
            wait = self._limit_wait(status, out, body)
            if wait is None:
                if resource == "core" and status not in (304,) and status < 500:
                    run.core_points += 1
                return status, out, body
            if wait < 0 or run.waited + wait > run.max_wait:
                raise _Deferred(
                    _reset_at(out) if wait < 0 else datetime.fromtimestamp(time.time() + wait, UTC)
                )
            log.info("GitHub secondary rate limit: waiting %.1f s", wait)
            self._sleep(wait)
            run.waited += wait
        raise _Deferred(None)

    @staticmethod
    def _limit_wait(status: int, headers: dict[str, Any], body: str) -> float | None:
        """None: not rate limited; -1: primary budget exhausted; else seconds to wait (secondary)."""
        if status not in (403, 429):
            return None
        message = _message(body).lower()
        retry_after = headers.get("retry-after")
        if retry_after:
            return max(0.0, float(retry_after))
        if headers.get("x-ratelimit-remaining") == "0" or message.startswith("api rate limit exceeded"):
            return -1.0
        if any(hint in message for hint in _SECONDARY_HINTS) or status == 429:
            return 60.0
        return None

    # -- dashboard ------------------------------------------------------------------------------------
    async def create_or_update_dashboard(
        self, repo: str, title: str, body: str, marker: str
    ) -> DashboardResult:
        """Create the dashboard issue, or edit it in place when its content changed (found by `marker`)."""
        return await asyncio.to_thread(self.create_or_update_dashboard_blocking, repo, title, body, marker)

    def create_or_update_dashboard_blocking(
        self, repo: str, title: str, body: str, marker: str
    ) -> DashboardResult:
        tag = f"<!-- {marker} -->"
        full = _dashboard_body(tag, body)
        with _map_errors(f"/repos/{repo}"):
            login = self._own_login()
            repository = self._github.get_repo(repo)  # lazy: no request
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

    def _own_login(self) -> str:
        """The login our issues are created under: the token's user, or "<app slug>[bot]" for an App.

        An installation token may not read `GET /user` (403 "Resource not accessible by integration"); the
        App itself, authenticated by its JWT, may read `GET /app`.
        """
        if self._app_auth is None:
            return str(self._github.get_user().login)
        integration = GithubIntegration(**{**self._github.requester.kwargs, "auth": self._app_auth})
        try:
            return f"{integration.get_app().slug}[bot]"
        finally:
            integration.close()


def _dashboard_body(tag: str, body: str) -> str:
    full = f"{tag}\n{body}"
    if len(full) <= MAX_BODY:
        return full
    note = "\n\n… (ingekort / truncated)\n"
    return full[: MAX_BODY - len(note)] + note


def _auth(
    token: str | None, app_id: int | None, private_key: str | None, installation_id: int | None
) -> tuple[Auth.Auth | None, Auth.AppAuth | None]:
    """The requests' auth, and the App's own (JWT) auth when the credentials are a GitHub App's."""
    if token:
        return Auth.Token(token), None
    if app_id and private_key and installation_id:
        app = Auth.AppAuth(app_id, private_key)
        return app.get_installation_auth(installation_id), app
    if app_id or private_key or installation_id:
        raise AuthFailed(
            "GitHub App authentication needs app id, private key and installation id",
            service=SERVICE,
            hint="set SWC_GITHUB__APP_ID, SWC_GITHUB__APP_PRIVATE_KEY and SWC_GITHUB__APP_INSTALLATION_ID",
        )
    return None, None


def _auth_failed(status: int, url: str) -> AuthFailed:
    return AuthFailed(
        f"GitHub rejected the credentials ({status}) at {url}",
        service=SERVICE,
        status=status,
        url=url,
        hint="check SWC_GITHUB__TOKEN (or the SWC_GITHUB__APP_* settings)",
        key="error.http.401",
        hint_key="hint.github.401",
        params={"service": "github", "url": url, "said": "", "status": status},
    )


@contextmanager
def _map_errors(url: str) -> Iterator[None]:
    """PyGithub and requests failures -> our ConnectorError tree (most specific first, chained)."""
    try:
        yield
    except ConnectorError:
        raise
    except GithubException as exc:
        raise _from_github(exc, url) from exc
    except (requests.Timeout, requests.ConnectionError) as exc:
        raise RemoteUnavailable(
            f"GitHub not reachable at {url}: {type(exc).__name__}", service=SERVICE, url=url
        ) from exc
    except RuntimeError as exc:  # PyGithub: redirect to another host or scheme
        raise UnexpectedPayload(f"GitHub redirect refused at {url}: {exc}", service=SERVICE, url=url) from exc


def _from_github(exc: GithubException, url: str) -> ConnectorError:
    status = exc.status
    message = str((exc.data or {}).get("message", "")) if isinstance(exc.data, dict) else ""
    headers = exc.headers or {}
    if status == 401:
        return _auth_failed(status, url)
    if status in (403, 429) and (
        "rate limit" in message.lower() or headers.get("x-ratelimit-remaining") == "0"
    ):
        reset_at = _reset_at(headers)
        return RateLimited(
            f"GitHub rate limit reached at {url}",
            service=SERVICE,
            status=status,
            url=url,
            reset_at=reset_at,
            key="error.http.rate_limited" if reset_at else "error.http.429",
            params={
                "service": "github", "url": url, "said": "", "status": status,
                "when": reset_at.isoformat(timespec="seconds") if reset_at else "",
            },
        )  # fmt: skip
    if status == 403:
        return AuthFailed(
            f"GitHub refused access at {url}: {message}",
            service=SERVICE,
            status=status,
            url=url,
            hint="check the permissions of SWC_GITHUB__TOKEN",
            key="error.http.403",
            hint_key="hint.github.403",
            params={
                "service": "github",
                "url": url,
                "said": f": {message}" if message else "",
                "status": status,
            },
        )
    if status == 404:
        return NotFound(f"GitHub: not found at {url}", service=SERVICE, status=status, url=url)
    if status >= 500:
        return RemoteUnavailable(
            f"GitHub answered {status} at {url}", service=SERVICE, status=status, url=url
        )
    return UnexpectedPayload(
        f"GitHub answered {status} at {url}: {message[:200]}", service=SERVICE, status=status, url=url
    )


def _status_error(status: int, message: str, url: str | None = None) -> ConnectorError:
    """The error class for an unexpected GitHub status: rights, outage, or (otherwise) contract drift."""
    if status in (401, 403):
        return AuthFailed(
            message,
            service=SERVICE,
            status=status,
            url=url,
            hint="check SWC_GITHUB__TOKEN and its scopes (repo/issues read; read:project for boards)",
        )
    if status >= 500:  # 502/504 are documented answers to slow GraphQL queries: try again later
        return RemoteUnavailable(message, service=SERVICE, status=status, url=url)
    return UnexpectedPayload(message, service=SERVICE, status=status, url=url)
