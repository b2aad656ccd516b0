"""GitHubClient: PyGithub underneath, our IssueInfo models on top; built from a token or App credentials.

Reading issues (conditional REST with ETags, GraphQL batches, bounded rate-limit waits) is in
connectors/github_fetch.py, the dashboard issue in connectors/github_dashboard.py, the wire formats in
connectors/github_query.py and the error mapping in connectors/github_errors.py. PyGithub's own retry is
limited to connection errors and 5xx so that we control every wait. The token lives only inside PyGithub's
auth object: never in logs, errors or reprs.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from github import Auth, Github
from urllib3.util.retry import Retry

from connectors.errors import AuthFailed
from connectors.github_dashboard import DashboardResult, create_or_update_dashboard
from connectors.github_errors import SERVICE
from connectors.github_fetch import FetchResult, IssueFetcher, Strategy
from connectors.github_models import IssueInfo, IssueKey

__all__ = ["GitHubClient"]


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
        # GitHub App credentials: the App is asked for its own name (see github_dashboard._own_login)
        self._app_auth = app_auth
        self._fetcher = IssueFetcher(
            github,
            max_wait_seconds=max_wait_seconds,
            batch_size=max(1, min(100, batch_size)),
            conditional_max=conditional_max,
            sleep=sleep,
            clock=clock or (lambda: datetime.now(UTC)),
        )
        self._on_close = on_close

    @property
    def max_wait_seconds(self) -> float:
        return self._fetcher.max_wait_seconds

    @property
    def batch_size(self) -> int:
        return self._fetcher.batch_size

    @property
    def conditional_max(self) -> int:
        return self._fetcher.conditional_max

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
        """Fetch `keys` (strategy: see connectors/github_fetch.py); runs PyGithub in a worker thread."""
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
        return self._fetcher.fetch(keys, known=known, strategy=strategy, prime_etags=prime_etags)

    # -- dashboard ------------------------------------------------------------------------------------
    async def create_or_update_dashboard(
        self, repo: str, title: str, body: str, marker: str
    ) -> DashboardResult:
        """Create the dashboard issue, or edit it in place when its content changed (found by `marker`)."""
        return await asyncio.to_thread(self.create_or_update_dashboard_blocking, repo, title, body, marker)

    def create_or_update_dashboard_blocking(
        self, repo: str, title: str, body: str, marker: str
    ) -> DashboardResult:
        return create_or_update_dashboard(self._github, self._app_auth, repo, title, body, marker)


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
