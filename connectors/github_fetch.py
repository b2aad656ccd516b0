"""Issue refresh for GitHubClient: conditional REST with ETags, aliased GraphQL batches, rate-limit policy.

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
control every wait.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from github import Github

from connectors.errors import AuthFailed, UnexpectedPayload
from connectors.github_errors import (
    SERVICE,
    auth_failed,
    map_errors,
    reset_at,
    response_message,
    status_error,
)
from connectors.github_models import IssueInfo, IssueKey
from connectors.github_query import build_issue_query, graphql_issue_info, rest_issue_info

__all__ = ["FetchResult", "IssueFetcher", "RateLimitSeen", "Strategy", "limit_wait", "rate_limit_seen"]

log = logging.getLogger("swc.github")
Strategy = Literal["auto", "conditional", "graphql"]
_REPO_RE = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_SECONDARY_HINTS = (
    "secondary rate limit",
    "please wait a few minutes",
    "please retry your request again later",
)


class _ScopesMissing(Exception):
    """GraphQL INSUFFICIENT_SCOPES: the token may not read a field the query asks for."""


@dataclass(frozen=True)
class RateLimitSeen:
    """The rate-limit headers of the last answer GitHub gave for one resource (core, graphql, ...)."""

    resource: str
    limit: int
    remaining: int
    reset_at: datetime | None


def rate_limit_seen(headers: dict[str, Any]) -> RateLimitSeen | None:
    """The x-ratelimit-* headers of one answer, or None when it carries none (or unreadable ones)."""
    try:
        limit, remaining = int(headers["x-ratelimit-limit"]), int(headers["x-ratelimit-remaining"])
    except (KeyError, TypeError, ValueError):
        return None
    try:
        reset = reset_at(headers)
    except (TypeError, ValueError, OverflowError):  # a garbled reset must not cost the refresh
        reset = None
    return RateLimitSeen(str(headers.get("x-ratelimit-resource") or "core"), limit, remaining, reset)


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
    rate_limits: dict[str, RateLimitSeen] = field(default_factory=dict)  # last seen, by resource


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
    rate_limits: dict[str, RateLimitSeen] = field(default_factory=dict)


def _chunks(items: Sequence[IssueKey], size: int) -> Iterator[Sequence[IssueKey]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class IssueFetcher:
    """Fetches issues through one PyGithub `Github` (its requester); remembers a token's missing scopes."""

    def __init__(
        self,
        github: Github,
        *,
        max_wait_seconds: float,
        batch_size: int,
        conditional_max: int,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], datetime],
    ) -> None:
        self._github = github
        self.max_wait_seconds = max_wait_seconds
        self.batch_size = batch_size
        self.conditional_max = conditional_max
        self._sleep = sleep
        self._clock = clock
        self._with_projects = True  # ask for board status until GitHub says the token may not read it

    def fetch(
        self,
        keys: Iterable[IssueKey],
        *,
        known: dict[IssueKey, IssueInfo] | None = None,
        strategy: Strategy = "auto",
        prime_etags: bool = True,
    ) -> FetchResult:
        """Fetch `keys` with the strategy in the module docstring; `known` holds what the store has."""
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
            rate_limits=dict(run.rate_limits),
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
            info = graphql_issue_info(key, node, now)
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
            raise status_error(status, f"GitHub GraphQL answered {status}: {response_message(body)[:200]}")
        errors = data.get("errors") or []
        if any(
            e.get("type") == "RATE_LIMITED" or "rate limit" in str(e.get("message", "")).lower()
            for e in errors
        ):
            raise _Deferred(reset_at(headers))
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
            raise status_error(
                status, f"GitHub answered {status} for {key}: {response_message(body)[:200]}", key.url
            )
        info = rest_issue_info(key, json.loads(body), out.get("etag"), now)
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
            with map_errors(url):
                status, out, body = self._github.requester.requestJson(
                    verb, url, headers=dict(headers or {}), input=payload
                )
            run.requests += 1
            if (seen := rate_limit_seen(out)) is not None:
                run.rate_limits[seen.resource] = seen
            if status == 401:
                raise auth_failed(status, url)
            wait = limit_wait(status, out, body)
            if wait is None:
                if resource == "core" and status not in (304,) and status < 500:
                    run.core_points += 1
                return status, out, body
            if wait < 0 or run.waited + wait > run.max_wait:
                raise _Deferred(
                    reset_at(out) if wait < 0 else datetime.fromtimestamp(time.time() + wait, UTC)
                )
            log.info("GitHub secondary rate limit: waiting %.1f s", wait)
            self._sleep(wait)
            run.waited += wait
        raise _Deferred(None)


def limit_wait(status: int, headers: dict[str, Any], body: str) -> float | None:
    """None: not rate limited; -1: primary budget exhausted; else seconds to wait (secondary)."""
    if status not in (403, 429):
        return None
    message = response_message(body).lower()
    retry_after = headers.get("retry-after")
    if retry_after:
        return max(0.0, float(retry_after))
    if headers.get("x-ratelimit-remaining") == "0" or message.startswith("api rate limit exceeded"):
        return -1.0
    if any(hint in message for hint in _SECONDARY_HINTS) or status == 429:
        return 60.0
    return None
