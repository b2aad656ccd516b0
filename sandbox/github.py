"""GitHub emulator: the REST + GraphQL subset PyGithub and our client use, with ETags, rate limits, 301/410.

`GitHubState` holds repositories and issues (seeded from `data/softwarecatalogus-issues.csv`, everything
else generated deterministically) plus planted specials: one transferred issue, one deleted, one missing
number. `create_app(state, ...)` returns a `GitHubApp`, a callable from a server `Request` to a `Response`.

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

import csv
import hashlib
import json
import math
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from sandbox.server import Request, Response

__all__ = [
    "SandboxIssue",
    "SandboxComment",
    "SandboxPull",
    "AppRegistration",
    "Counters",
    "GitHubState",
    "GitHubApp",
    "Reply",
    "create_app",
    "SEED_REPO",
    "SEED_CSV",
]

SEED_REPO = "VNG-Realisatie/Softwarecatalogus"
ARCHIVE_REPO = "VNG-Realisatie/Softwarecatalogus-archief"
SEED_CSV = Path(__file__).parent / "data" / "softwarecatalogus-issues.csv"
EPOCH = datetime(2025, 2, 4, 9, 0, tzinfo=UTC)
DOCS = "https://docs.github.com/rest"
USER = {"login": "swc-sandbox", "id": 1, "type": "User"}
PRIMARY_MESSAGE = (
    "API rate limit exceeded for user ID 1. If you reach out to GitHub Support for help, "
    "please include the request ID 0000:0000."
)
INTEGRATION_MESSAGE = "Resource not accessible by integration"
USER_DOCS = "https://docs.github.com/rest/users/users#get-the-authenticated-user"
EXPIRED_JWT_MESSAGE = (
    "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the "
    "assertion expires"
)
IAT_MESSAGE = (
    "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued"
)
SECONDARY_MESSAGE = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. "
    "If you reach out to GitHub Support for help, please include the request ID 0000:0000."
)
NOT_PLANNED = {29, 69, 106}  # closed seed issues closed as "not planned"
SUB_ISSUES = {141: [142, 143], 11: [8, 12]}
PROJECT_STATUS = {75: "Review", 11: "In progress", 143: "Todo", 141: "Todo"}
CLOSING_PULLS = {140: 149, 142: 150, 63: 157, 64: 158}


@dataclass
class SandboxComment:
    id: int
    author: str
    author_type: str  # "User" | "Bot"
    body: str
    created_at: datetime


@dataclass
class SandboxPull:
    number: int
    repo: str
    state: str  # OPEN | CLOSED | MERGED
    merged: bool


@dataclass(frozen=True)
class AppRegistration:
    """A GitHub App installed on the sandbox: its id, slug, public key (PEM) and one installation."""

    app_id: int
    public_key_pem: str
    installation_id: int
    slug: str = "swc-beheer-sandbox"
    token_lifetime: float = 3600.0  # GitHub: an installation token lives one hour

    @property
    def bot_login(self) -> str:
        return f"{self.slug}[bot]"


@dataclass
class SandboxIssue:
    repo: str
    number: int
    id: int
    title: str
    state: str = "open"
    state_reason: str | None = None
    labels: list[str] = field(default_factory=list)
    assignees: list[str] = field(default_factory=list)
    milestone: str | None = None
    author: str = "rubenvdlinde"
    created_at: datetime = EPOCH
    updated_at: datetime = EPOCH
    closed_at: datetime | None = None
    body: str = ""
    comments: list[SandboxComment] = field(default_factory=list)
    sub_issues: list[int] = field(default_factory=list)
    parent: int | None = None
    closing_pulls: list[SandboxPull] = field(default_factory=list)
    project_status: str | None = None
    deleted: bool = False
    moved_to: tuple[str, int] | None = None


@dataclass
class Counters:
    """What the sandbox has served; tests and benchmarks read these."""

    requests: int = 0
    rest: int = 0
    graphql: int = 0
    not_modified: int = 0
    core_points: int = 0
    graphql_points: int = 0
    secondary_limited: int = 0
    primary_limited: int = 0
    routes: Counter[str] = field(default_factory=Counter)

    def snapshot(self) -> dict[str, int]:
        return {k: v for k, v in self.__dict__.items() if isinstance(v, int)}


@dataclass
class _Repo:
    full_name: str
    id: int
    issues: dict[int, SandboxIssue] = field(default_factory=dict)

    def next_number(self) -> int:
        return max(self.issues, default=0) + 1


class GitHubState:
    """Repositories and issues, with a mutation API for tests. Thread-safe through one lock."""

    def __init__(self, clock: Callable[[], datetime] | None = None) -> None:
        self.lock = threading.RLock()
        self.repos: dict[str, _Repo] = {}
        self.counters = Counters()
        self.planted: dict[str, tuple[str, int]] = {}
        self._clock = clock or (lambda: datetime.now(UTC).replace(microsecond=0))
        self._ids = 1000

    # -- construction -------------------------------------------------------------------------------
    @classmethod
    def seeded(cls, *, extra_issues: int = 0, csv_path: Path = SEED_CSV) -> GitHubState:
        """The catalogue repo from the CSV, `extra_issues` generated ones, and the planted specials."""
        state = cls()
        with csv_path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                state.add_issue(
                    SEED_REPO,
                    row["title"],
                    number=int(row["number"]),
                    state=row["state_2025_09_30"],
                    component=row["onderdeel"],
                )
        start = max(state.repos[SEED_REPO.lower()].issues) + 1000
        for offset in range(extra_issues):
            number = start + offset
            state.add_issue(
                SEED_REPO,
                f"Gegenereerde user story {number}",
                number=number,
                state="closed" if number % 3 == 0 else "open",
                component="Beheer",
            )
        state._plant()
        return state

    def _plant(self) -> None:
        repo = self.repos[SEED_REPO.lower()]
        moved = repo.next_number()
        self.add_issue(SEED_REPO, "Koppelingen tonen in pakketoverzicht", number=moved, component="Aanbod")
        deleted = moved + 1
        self.add_issue(SEED_REPO, "Testissue, per abuis aangemaakt", number=deleted, component="Beheer")
        self.ensure_repo(ARCHIVE_REPO)
        new_number = self.transfer(SEED_REPO, moved, ARCHIVE_REPO)
        self.delete(SEED_REPO, deleted)
        self.planted = {
            "moved": (SEED_REPO, moved),
            "moved_to": (ARCHIVE_REPO, new_number),
            "deleted": (SEED_REPO, deleted),
            "missing": (SEED_REPO, deleted + 500),
            "not_planned": (SEED_REPO, min(NOT_PLANNED)),
        }

    def ensure_repo(self, full_name: str) -> _Repo:
        with self.lock:
            key = full_name.lower()
            if key not in self.repos:
                self._ids += 1
                self.repos[key] = _Repo(full_name=full_name, id=self._ids)
            return self.repos[key]

    def add_issue(
        self,
        repo: str,
        title: str,
        *,
        number: int | None = None,
        state: str = "open",
        component: str = "Beheer",
        author: str | None = None,
        body: str | None = None,
    ) -> SandboxIssue:
        """Add an issue with deterministic details derived from repo and number."""
        with self.lock:
            record = self.ensure_repo(repo)
            number = number or record.next_number()
            self._ids += 1
            issue = _generated_issue(record.full_name, number, self._ids, title, state, component)
            if author:
                issue.author = author
            if body is not None:
                issue.body = body
            record.issues[number] = issue
            return issue

    # -- reading ------------------------------------------------------------------------------------
    def repo(self, full_name: str) -> _Repo | None:
        return self.repos.get(full_name.lower())

    def issue(self, repo: str, number: int) -> SandboxIssue | None:
        record = self.repo(repo)
        return record.issues.get(number) if record else None

    def now(self) -> datetime:
        return self._clock()

    # -- mutations for tests ------------------------------------------------------------------------
    def _live(self, repo: str, number: int) -> SandboxIssue:
        issue = self.issue(repo, number)
        if issue is None or issue.deleted or issue.moved_to:
            raise KeyError(f"{repo}#{number} does not exist here (missing, deleted or moved)")
        return issue

    def touch(self, repo: str, number: int) -> SandboxIssue:
        """Bump updated_at (every change does this): the REST ETag changes with it."""
        with self.lock:
            issue = self._live(repo, number)
            later = max(self.now(), issue.updated_at + timedelta(seconds=1))
            issue.updated_at = later
            return issue

    def set_state(self, repo: str, number: int, state: str, reason: str | None = None) -> None:
        with self.lock:
            issue = self._live(repo, number)
            issue.state = state
            if state == "closed":
                issue.state_reason = reason or "completed"
                issue.closed_at = self.touch(repo, number).updated_at
            else:
                issue.state_reason = reason or "reopened"
                issue.closed_at = None
                self.touch(repo, number)

    def add_label(self, repo: str, number: int, label: str) -> None:
        with self.lock:
            issue = self._live(repo, number)
            if label not in issue.labels:
                issue.labels.append(label)
            self.touch(repo, number)

    def add_comment(self, repo: str, number: int, author: str, body: str, *, bot: bool = False) -> None:
        with self.lock:
            issue = self._live(repo, number)
            self._ids += 1
            issue.comments.append(
                SandboxComment(self._ids, author, "Bot" if bot else "User", body, self.now())
            )
            self.touch(repo, number)

    def transfer(self, repo: str, number: int, to_repo: str) -> int:
        """Move the issue; the old number answers 301 from now on. Returns the new number."""
        with self.lock:
            issue = self._live(repo, number)
            target = self.ensure_repo(to_repo)
            new_number = target.next_number()
            copy = SandboxIssue(**{**issue.__dict__, "repo": target.full_name, "number": new_number})
            target.issues[new_number] = copy
            issue.moved_to = (target.full_name, new_number)
            copy.updated_at = max(self.now(), issue.updated_at + timedelta(seconds=1))
            return new_number

    def delete(self, repo: str, number: int) -> None:
        with self.lock:
            self._live(repo, number).deleted = True


def _generated_issue(
    repo: str, number: int, issue_id: int, title: str, state: str, component: str
) -> SandboxIssue:
    rng = random.Random(f"{repo.lower()}#{number}")
    created = EPOCH + timedelta(hours=number * 19 + rng.randint(0, 18))
    updated = created + timedelta(days=rng.randint(1, 120), minutes=rng.randint(0, 600))
    closed = updated if state == "closed" else None
    reason = ("not_planned" if number in NOT_PLANNED else "completed") if state == "closed" else None
    kind = "user story" if rng.random() < 0.8 else rng.choice(["epic", "taak", "question"])
    labels = [kind, component.lower()] + (["blocked"] if number % 17 == 0 else [])
    people = ["rubenvdlinde", "markbacker", "Makkmetp"]
    assignees = ["rubenvdlinde"] + ([rng.choice(people[1:])] if rng.random() < 0.4 else [])
    milestone = rng.choice([None, "Sprint 1", "Sprint 2", "Sprint 3", "Sprint 4"])
    comments = [
        SandboxComment(
            issue_id * 100,
            "github-actions[bot]",
            "Bot",
            "Bedankt voor het aanmaken van dit issue! We pakken het zo snel mogelijk op.",
            created + timedelta(minutes=1),
        )
    ]
    for index in range(rng.randint(0, 3)):
        who = rng.choice(people + ["gemeente-fb"])
        comments.append(
            SandboxComment(
                issue_id * 100 + index + 1,
                who,
                "User",
                f"Opmerking {index + 1} van {who}.",
                created + timedelta(days=index + 1),
            )
        )
    pulls = [SandboxPull(CLOSING_PULLS[number], repo, "MERGED", True)] if number in CLOSING_PULLS else []
    return SandboxIssue(
        repo=repo,
        number=number,
        id=issue_id,
        title=title,
        state=state,
        state_reason=reason,
        labels=labels,
        assignees=assignees,
        milestone=milestone,
        author=rng.choice(people),
        created_at=created,
        updated_at=updated,
        closed_at=closed,
        comments=comments,
        sub_issues=list(SUB_ISSUES.get(number, [])),
        parent=next((p for p, kids in SUB_ISSUES.items() if number in kids), None),
        closing_pulls=pulls,
        project_status=PROJECT_STATUS.get(number),
        body=f"### User story\n\n{title}\n\n### Sprint\n\n{milestone or 'Geen sprint (backlog)'}\n",
    )


# ----------------------------------------------------------------------------------------------------
# HTTP side


@dataclass
class Reply:
    status: int
    body: Any = None  # JSON-serialisable, or None
    headers: dict[str, str] = field(default_factory=dict)
    resource: str = "core"
    cost: int = 1  # primary points this answer costs (0 for 304 and /rate_limit)


@dataclass
class _Budget:
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


def _iso(value: datetime | None) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def _etag(payload: Any) -> str:
    digest = hashlib.sha1(json.dumps(payload, sort_keys=True).encode()).hexdigest()
    return f'W/"{digest}"'


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
        self.apps = {app.installation_id: app for app in apps}
        self.installation_tokens: dict[str, tuple[float, AppRegistration]] = {}  # token -> (expiry, app)
        self.project_scope = project_scope  # False: a classic token without read:project
        self.core = _Budget(rate_limit)
        self.graphql_budget = _Budget(graphql_points)
        self.secondary_after = secondary_after
        self.secondary_retry_after = secondary_retry_after
        self._window = 0
        self._penalty_until = 0.0
        self._lock = threading.Lock()

    @property
    def counters(self) -> Counters:
        return self.state.counters

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
            return self._finish(self._as_app(method, path, headers, now))
        caller = self._caller(headers, now)
        if caller is None:
            return self._finish(
                Reply(401, {"message": "Bad credentials", "documentation_url": DOCS, "status": "401"}, cost=0)
            )
        limited = self._secondary(now)
        if limited:
            return self._finish(limited)
        if path == "/graphql" and method == "POST":
            return self._finish(self._graphql(body))
        if self.core.remaining <= 0 and path != "/rate_limit":
            self.counters.primary_limited += 1
            return self._finish(Reply(403, {"message": PRIMARY_MESSAGE, "documentation_url": DOCS}, cost=0))
        reply = self._rest(method, path, query, body, base, caller)
        return self._finish(self._conditional(reply, headers, method))

    def _caller(self, headers: dict[str, str], now: float) -> str | AppRegistration | None:
        """Who is calling: "user" (the token), an App (a live installation token), or None (rejected)."""
        scheme, _, given = headers.get("authorization", "").partition(" ")
        if scheme.lower() in ("token", "bearer") and given in self.installation_tokens:
            expires, app = self.installation_tokens[given]
            return app if now < expires else None  # GitHub: an expired installation token is bad credentials
        if self.token is None:
            return "user"
        return "user" if scheme.lower() in ("token", "bearer") and given == self.token else None

    # -- GitHub App: JWT-authenticated /app endpoints -------------------------------------------------
    def _as_app(self, method: str, path: str, headers: dict[str, str], now: float) -> Reply:
        scheme, _, given = headers.get("authorization", "").partition(" ")
        app, problem = (
            self._verify_jwt(given, now)
            if scheme.lower() == "bearer" and self.apps
            else (None, "A JSON web token could not be decoded")
        )
        if app is None:
            return Reply(401, {"message": problem, "documentation_url": DOCS}, cost=0)
        if path == "/app" and method == "GET":
            owner = _user("VNG-Realisatie", "Organization")
            return Reply(200, {"id": app.app_id, "slug": app.slug, "name": app.slug, "owner": owner}, cost=0)
        match = re.fullmatch(r"/app/installations/(\d+)/access_tokens", path)
        if match and method == "POST":
            installation = self.apps.get(int(match.group(1)))
            if installation is None or installation.app_id != app.app_id:
                return Reply(404, {"message": "Not Found", "documentation_url": DOCS}, cost=0)
            return self._installation_token(installation, now)
        return Reply(404, {"message": "Not Found", "documentation_url": DOCS}, cost=0)

    def _installation_token(self, app: AppRegistration, now: float) -> Reply:
        serial = f"{app.installation_id}:{now}:{len(self.installation_tokens)}"
        token = "ghs_" + hashlib.sha256(serial.encode()).hexdigest()[:36]
        expires = now + app.token_lifetime
        self.installation_tokens[token] = (expires, app)
        self.counters.routes["POST /app/installations/{id}/access_tokens"] += 1
        body = {
            "token": token,
            "expires_at": datetime.fromtimestamp(expires, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "permissions": {"issues": "write", "metadata": "read"},
            "repository_selection": "all",
        }
        return Reply(201, body, cost=0)

    def _verify_jwt(self, token: str, now: float) -> tuple[AppRegistration | None, str]:
        """The App whose key signed `token`, checked as GitHub does; or None and GitHub's message."""
        import jwt  # PyJWT (with cryptography): a dependency of PyGithub as well

        try:
            claims = jwt.decode(token, options={"verify_signature": False})
            issuer = int(str(claims.get("iss")))
        except (jwt.InvalidTokenError, ValueError):
            return None, "A JSON web token could not be decoded"
        app = next((a for a in self.apps.values() if a.app_id == issuer), None)
        if app is None:
            return None, "Integration not found"  # GitHub's answer for an unknown `iss`
        try:
            claims = jwt.decode(
                token,
                app.public_key_pem,
                algorithms=["RS256"],
                options={"require": ["iat", "exp", "iss"]},
                leeway=0,
            )
        except jwt.ExpiredSignatureError:
            return None, EXPIRED_JWT_MESSAGE
        except jwt.ImmatureSignatureError:
            return None, IAT_MESSAGE
        except jwt.InvalidTokenError:
            return None, "A JSON web token could not be decoded"
        if float(claims["exp"]) - now > 600:
            return None, "'Expiration time' claim ('exp') is too far in the future"
        return app, ""

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
        tag = _etag(reply.body)
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

    # -- REST ---------------------------------------------------------------------------------------
    def _rest(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        body: bytes,
        base: str,
        caller: str | AppRegistration = "user",
    ) -> Reply:
        for pattern, verb, handler in self._routes():
            match = re.fullmatch(pattern, path)
            if match and verb == method:
                self.counters.routes[f"{verb} {pattern}"] += 1
                result: Reply = handler(*match.groups(), query=query, body=body, base=base, caller=caller)
                return result
        return _not_found()

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
        return Reply(200, _repo_json(record, base)) if record else _not_found()

    def _get_issue(self, full_name: str, number: str, *, base: str, **_: Any) -> Reply:
        issue = self.state.issue(full_name, int(number))
        if issue is None:
            return _not_found()
        if issue.deleted:
            return Reply(410, {"message": "This issue was deleted", "documentation_url": DOCS})
        if issue.moved_to:
            target = f"{base}/repos/{issue.moved_to[0]}/issues/{issue.moved_to[1]}"
            return Reply(
                301,
                {"message": "Moved Permanently", "url": target, "documentation_url": DOCS},
                headers={"location": target},
            )
        return Reply(200, _issue_json(issue, base, self._done(issue)))

    def _done(self, issue: SandboxIssue) -> int:
        """How many of the issue's sub-issues are closed."""
        children = (self.state.issue(issue.repo, n) for n in issue.sub_issues)
        return sum(1 for child in children if child and child.state == "closed")

    def _live_issues(self, full_name: str) -> list[SandboxIssue] | None:
        record = self.state.repo(full_name)
        if record is None:
            return None
        return [i for i in record.issues.values() if not i.deleted and not i.moved_to]

    def _list_issues(self, full_name: str, *, query: dict[str, str], base: str, **_: Any) -> Reply:
        issues = self._live_issues(full_name)
        if issues is None:
            return _not_found()
        wanted = query.get("state", "open")
        issues = [i for i in issues if wanted == "all" or i.state == wanted]
        if "creator" in query:
            issues = [i for i in issues if i.author.lower() == query["creator"].lower()]
        if "since" in query:
            since = datetime.fromisoformat(query["since"].replace("Z", "+00:00"))
            issues = [i for i in issues if i.updated_at >= since]
        key = (lambda i: i.updated_at) if query.get("sort") == "updated" else (lambda i: i.created_at)
        issues.sort(key=key, reverse=query.get("direction", "desc") == "desc")
        return _page(
            [_issue_json(i, base, self._done(i)) for i in issues], query, f"{base}/repos/{full_name}/issues"
        )

    def _list_comments(
        self, full_name: str, number: str, *, query: dict[str, str], base: str, **_: Any
    ) -> Reply:
        issue = self.state.issue(full_name, int(number))
        if issue is None or issue.deleted or issue.moved_to:
            return _not_found()  # GitHub: sub-resources of a moved issue 404 as well
        items = [_comment_json(c, issue, base) for c in issue.comments]
        return _page(items, query, f"{base}/repos/{full_name}/issues/{number}/comments")

    def _create_issue(
        self, full_name: str, *, body: bytes, base: str, caller: str | AppRegistration = "user", **_: Any
    ) -> Reply:
        data = _json_body(body)
        if not isinstance(data, dict) or not data.get("title"):
            return Reply(
                422,
                {"message": "Validation Failed", "errors": [{"field": "title", "code": "missing"}]},
                cost=5,
            )
        if len(str(data.get("body") or "")) > 65536:
            return _body_too_long()
        if self.state.repo(full_name) is None:
            return _not_found()
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
        return Reply(201, _issue_json(issue, base), cost=5)

    def _edit_issue(self, full_name: str, number: str, *, body: bytes, base: str, **_: Any) -> Reply:
        data = _json_body(body)
        issue = self.state.issue(full_name, int(number))
        if issue is None or issue.deleted or issue.moved_to or not isinstance(data, dict):
            return _not_found()
        if len(str(data.get("body") or "")) > 65536:
            return _body_too_long()
        for name in ("title", "body"):
            if name in data:
                setattr(issue, name, str(data[name]))
        if "labels" in data:
            issue.labels = [str(x) for x in data["labels"]]
        if data.get("state") in ("open", "closed"):
            self.state.set_state(full_name, issue.number, data["state"], data.get("state_reason"))
        self.state.touch(full_name, issue.number)
        return Reply(200, _issue_json(issue, base, self._done(issue)), cost=5)

    # -- GraphQL ------------------------------------------------------------------------------------
    def _graphql(self, body: bytes) -> Reply:
        self.counters.graphql += 1
        data = _json_body(body)
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
            self.counters.primary_limited += 1
            return Reply(
                200,
                {"errors": [{"type": "RATE_LIMITED", "message": PRIMARY_MESSAGE}]},
                resource="graphql",
                cost=0,
            )
        budget.used += cost
        self.counters.graphql_points += cost
        result, errors = self._resolve(plan)
        _select_fields(result, query)
        if plan.rate_limit:
            result["rateLimit"] = {
                "cost": cost,
                "limit": budget.limit,
                "remaining": budget.remaining,
                "used": budget.used,
                "resetAt": _iso(datetime.fromtimestamp(budget.reset, UTC)),
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
                issue = self._follow(full_name, number)
                block[issue_alias] = (
                    _issue_graphql(issue, plan.comment_limit, self._done(issue)) if issue else None
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

    def _follow(self, full_name: str, number: int) -> SandboxIssue | None:
        issue = self.state.issue(full_name, number)
        for _ in range(5):
            if issue is None or issue.deleted:
                return None
            if not issue.moved_to:
                return issue
            issue = self.state.issue(*issue.moved_to)
        return None


# -- JSON shapes ------------------------------------------------------------------------------------------


def _user(login: str, kind: str = "User") -> dict[str, Any]:
    return {"login": login, "id": int(hashlib.sha1(login.encode()).hexdigest()[:6], 16), "type": kind}


def _repo_json(record: _Repo, base: str) -> dict[str, Any]:
    owner, name = record.full_name.split("/")
    return {
        "id": record.id,
        "name": name,
        "full_name": record.full_name,
        "owner": _user(owner, "Organization"),
        "private": False,
        "url": f"{base}/repos/{record.full_name}",
        "html_url": f"https://github.com/{record.full_name}",
        "default_branch": "main",
        "has_issues": True,
    }


def _issue_json(issue: SandboxIssue, base: str, done: int = 0) -> dict[str, Any]:
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
        "user": _user(issue.author, "Bot" if issue.author.endswith("[bot]") else "User"),
        "labels": [{"name": name, "color": "ededed"} for name in issue.labels],
        "state": issue.state,
        "state_reason": issue.state_reason,
        "locked": False,
        "assignee": _user(issue.assignees[0]) if issue.assignees else None,
        "assignees": [_user(a) for a in issue.assignees],
        "milestone": {"title": issue.milestone, "number": 1, "state": "open"} if issue.milestone else None,
        "comments": len(issue.comments),
        "created_at": _iso(issue.created_at),
        "updated_at": _iso(issue.updated_at),
        "closed_at": _iso(issue.closed_at),
        "body": issue.body,
        "author_association": "MEMBER",
        "sub_issues_summary": {
            "total": total,
            "completed": done,
            "percent_completed": int(100 * done / total) if total else 0,
        },
    }


def _comment_json(comment: SandboxComment, issue: SandboxIssue, base: str) -> dict[str, Any]:
    return {
        "id": comment.id,
        "user": _user(comment.author, comment.author_type),
        "body": comment.body,
        "created_at": _iso(comment.created_at),
        "updated_at": _iso(comment.created_at),
        "html_url": f"https://github.com/{issue.repo}/issues/{issue.number}#issuecomment-{comment.id}",
        "url": f"{base}/repos/{issue.repo}/issues/comments/{comment.id}",
    }


def _issue_graphql(issue: SandboxIssue, comment_limit: int, done: int = 0) -> dict[str, Any]:
    comments = issue.comments[-comment_limit:] if comment_limit else []
    return {
        "number": issue.number,
        "title": issue.title,
        "state": issue.state.upper(),
        "stateReason": issue.state_reason.upper() if issue.state_reason else None,
        "url": f"https://github.com/{issue.repo}/issues/{issue.number}",
        "createdAt": _iso(issue.created_at),
        "updatedAt": _iso(issue.updated_at),
        "closedAt": _iso(issue.closed_at),
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
                    "createdAt": _iso(c.created_at),
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


def _not_found() -> Reply:
    return Reply(404, {"message": "Not Found", "documentation_url": DOCS, "status": "404"})


def _body_too_long() -> Reply:
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


def _json_body(body: bytes) -> Any:
    try:
        return json.loads(body or b"null")
    except ValueError:
        return None


def _page(items: list[dict[str, Any]], query: dict[str, str], url: str) -> Reply:
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


# -- GraphQL parsing (the subset our client sends) ------------------------------------------------------


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


SCOPES_MESSAGE = (
    "Your token has not been granted the required scopes to execute this query. The 'projectItems' field "
    "requires one of the following scopes: ['read:project'], but your token has only been granted the: "
    "['repo'] scopes. Please modify your token's scopes at: https://github.com/settings/tokens."
)


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
