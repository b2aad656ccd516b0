"""GitHub emulator: the REST + GraphQL subset PyGithub and our client use, with ETags, rate limits, 301/410.

`GitHubState` (sandbox/github_state.py) holds repositories and issues (seeded from
`data/softwarecatalogus-issues.csv`, everything else generated deterministically) plus planted specials: one
transferred issue, one deleted, one missing number. `create_app(state, ...)` returns a `GitHubApp`, a
callable from a server `Request` to a `Response`: it authenticates the caller, applies the rate limits and
ETags, and hands the request to the REST routes (github_rest.py), GraphQL (github_graphql.py) or the
GitHub App endpoints (github_app_auth.py).

Behaviour copied from GitHub (see the project's GitHub API reference):
- every answer carries x-ratelimit-limit/remaining/used/reset/resource;
- a conditional GET answered 304 costs no primary point; an exhausted budget gives 403 with
  x-ratelimit-remaining: 0 and "API rate limit exceeded ..."; a secondary limit (after `secondary_after`
  requests in a window) gives 403 with retry-after and "You have exceeded a secondary rate limit ...";
- a transferred issue answers 301 with Location, its sub-resources 404; a deleted one 410;
- GraphQL: aliased `repository(owner, name) { alias: issue(number) {...} }` batches, cost about
  (connection requests)/100 with a minimum of 1, partial data plus `errors` (NOT_FOUND with a path);
  a transferred issue comes back with its new repository; over budget: 200 with a RATE_LIMITED error;
- GitHub Apps (`apps=[AppRegistration(...)]`): `GET /app` and `POST /app/installations/{id}/access_tokens`
  take an RS256 JWT signed with the App's key (checked against its public key: signature, `iss`, `exp` in
  the future and at most 10 minutes ahead, `iat` not in the future) and hand out installation tokens that
  expire (one hour by default); such a token gets 403 "Resource not accessible by integration" on
  `GET /user`, and issues it creates are authored by `<slug>[bot]`.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Sequence

from sandbox.github_app_auth import AppAuthority, AppRegistration
from sandbox.github_graphql import GraphQLEndpoint
from sandbox.github_http import DOCS, PRIMARY_MESSAGE, Budget, Reply, etag
from sandbox.github_rest import RestRoutes
from sandbox.github_state import Counters, GitHubState
from sandbox.server import Request, Response

__all__ = ["GitHubApp", "create_app"]

SECONDARY_MESSAGE = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. "
    "If you reach out to GitHub Support for help, please include the request ID 0000:0000."
)


class GitHubApp:
    """The HTTP side over a GitHubState. Call it with a server Request; or use `handle` directly."""

    def __init__(
        self,
        state: GitHubState,
        *,
        token: str | None = "sandbox-token",
        rate_limit: int = 5000,
        graphql_points: int = 5000,
        secondary_after: int | None = None,
        secondary_retry_after: float = 1.0,
        project_scope: bool = True,
        apps: Sequence[AppRegistration] = (),
    ) -> None:
        self.state = state
        self.token = token
        self.core = Budget(rate_limit)
        self.graphql_budget = Budget(graphql_points)
        self._auth = AppAuthority(apps, state.counters)
        self.apps = self._auth.apps
        self.installation_tokens = self._auth.installation_tokens  # token -> (expiry, app)
        self._graphql = GraphQLEndpoint(state, self.graphql_budget, project_scope=project_scope)
        self._rest = RestRoutes(state, self.core, self.graphql_budget)
        self.secondary_after = secondary_after
        self.secondary_retry_after = secondary_retry_after
        self._window = 0
        self._penalty_until = 0.0
        self._lock = threading.Lock()

    @property
    def counters(self) -> Counters:
        return self.state.counters

    @property
    def project_scope(self) -> bool:
        """False: GraphQL plays a classic token without read:project."""
        return self._graphql.project_scope

    # -- entry points -------------------------------------------------------------------------------
    def __call__(self, request: Request) -> Response:
        """The app for sandbox.server.serve_in_thread."""
        query = {name: value for name, value in request.query}
        status, headers, body = self.handle(
            request.method, request.path, query, dict(request.headers), request.body
        )
        return Response(status=status, headers=list(headers.items()), body=body)

    def handle(
        self, method: str, path: str, query: dict[str, str], headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        """One request: returns (status, headers, body bytes)."""
        with self._lock, self.state.lock:
            base = f"http://{headers.get('host', '127.0.0.1')}"
            reply = self._dispatch(method.upper(), path.rstrip("/") or "/", query, headers, body, base)
        payload = b"" if reply.body is None else json.dumps(reply.body).encode()
        out = {"content-type": "application/json; charset=utf-8", **reply.headers}
        return reply.status, out, payload

    # -- pipeline -----------------------------------------------------------------------------------
    def _dispatch(
        self, method: str, path: str, query: dict[str, str], headers: dict[str, str], body: bytes, base: str
    ) -> Reply:
        now = time.time()
        self.core.roll(now)
        self.graphql_budget.roll(now)
        self.counters.requests += 1
        if path == "/app" or path.startswith("/app/"):
            return self._finish(self._auth.answer(method, path, headers, now))
        caller = self._auth.caller(headers, now, self.token)
        if caller is None:
            return self._finish(
                Reply(401, {"message": "Bad credentials", "documentation_url": DOCS, "status": "401"}, cost=0)
            )
        limited = self._secondary(now)
        if limited:
            return self._finish(limited)
        if path == "/graphql" and method == "POST":
            return self._finish(self._graphql.answer(body))
        if self.core.remaining <= 0 and path != "/rate_limit":
            self.counters.primary_limited += 1
            return self._finish(Reply(403, {"message": PRIMARY_MESSAGE, "documentation_url": DOCS}, cost=0))
        reply = self._rest.answer(method, path, query, body, base, caller)
        return self._finish(self._conditional(reply, headers, method))

    def _secondary(self, now: float) -> Reply | None:
        if self.secondary_after is None:
            return None
        if now < self._penalty_until:
            wait = self._penalty_until - now
        else:
            if self._penalty_until:
                self._window, self._penalty_until = 0, 0.0
            self._window += 1
            if self._window <= self.secondary_after:
                return None
            self._penalty_until = now + self.secondary_retry_after
            wait = self.secondary_retry_after
        self.counters.secondary_limited += 1
        shown = str(int(math.ceil(wait))) if float(self.secondary_retry_after).is_integer() else f"{wait:.3f}"
        return Reply(
            403,
            {"message": SECONDARY_MESSAGE, "documentation_url": DOCS},
            headers={"retry-after": shown},
            cost=0,
        )

    def _conditional(self, reply: Reply, headers: dict[str, str], method: str) -> Reply:
        if method != "GET" or reply.status != 200:
            return reply
        tag = etag(reply.body)
        reply.headers["etag"] = tag
        reply.headers.setdefault("cache-control", "private, max-age=60, s-maxage=60")
        reply.headers["vary"] = "Accept, Authorization, Cookie, X-GitHub-OTP"
        wanted = {t.strip() for t in headers.get("if-none-match", "").split(",") if t.strip()}
        if tag in wanted or "*" in wanted:
            self.counters.not_modified += 1
            return Reply(304, None, headers={"etag": tag}, cost=0)
        return reply

    def _finish(self, reply: Reply) -> Reply:
        budget = self.graphql_budget if reply.resource == "graphql" else self.core
        if reply.resource == "core":
            self.counters.rest += 1
            self.core.used += reply.cost
            self.counters.core_points += reply.cost
        reply.headers.update(budget.headers(reply.resource))
        return reply


def create_app(
    state: GitHubState,
    *,
    token: str | None = "sandbox-token",
    rate_limit: int = 5000,
    graphql_points: int = 5000,
    secondary_after: int | None = None,
    secondary_retry_after: float = 1.0,
    project_scope: bool = True,
    apps: Sequence[AppRegistration] = (),
) -> GitHubApp:
    """A GitHub emulator over `state`; `token=None` accepts any (or no) credentials.

    `project_scope=False` plays a classic token without `read:project`: GitHub then refuses a whole GraphQL
    query that asks for `projectItems` (INSUFFICIENT_SCOPES, no data).
    """
    return GitHubApp(
        state,
        token=token,
        rate_limit=rate_limit,
        graphql_points=graphql_points,
        secondary_after=secondary_after,
        secondary_retry_after=secondary_retry_after,
        project_scope=project_scope,
        apps=apps,
    )
