"""GitHub failures as our ConnectorError tree: PyGithub and requests exceptions, unexpected statuses."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import requests
from github import GithubException

from connectors.errors import (
    AuthFailed,
    ConnectorError,
    NotFound,
    RateLimited,
    RemoteUnavailable,
    UnexpectedPayload,
)

__all__ = [
    "SERVICE",
    "auth_failed",
    "from_github_exception",
    "map_errors",
    "reset_at",
    "response_message",
    "status_error",
]

SERVICE = "github"


def reset_at(headers: dict[str, Any]) -> datetime | None:
    """When the rate-limit window of a response ends (x-ratelimit-reset), if it says."""
    raw = headers.get("x-ratelimit-reset")
    return datetime.fromtimestamp(int(float(raw)), UTC) if raw else None


def response_message(body: str) -> str:
    """The `message` of a GitHub JSON error body, or "" when there is none."""
    try:
        data = json.loads(body or "{}")
    except ValueError:
        return ""
    return str(data.get("message", "")) if isinstance(data, dict) else ""


def auth_failed(status: int, url: str) -> AuthFailed:
    """GitHub rejected the credentials (401): the hint names the token settings."""
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
def map_errors(url: str) -> Iterator[None]:
    """PyGithub and requests failures -> our ConnectorError tree (most specific first, chained)."""
    try:
        yield
    except ConnectorError:
        raise
    except GithubException as exc:
        raise from_github_exception(exc, url) from exc
    except (requests.Timeout, requests.ConnectionError) as exc:
        raise RemoteUnavailable(
            f"GitHub not reachable at {url}: {type(exc).__name__}", service=SERVICE, url=url
        ) from exc
    except RuntimeError as exc:  # PyGithub: redirect to another host or scheme
        raise UnexpectedPayload(f"GitHub redirect refused at {url}: {exc}", service=SERVICE, url=url) from exc


def from_github_exception(exc: GithubException, url: str) -> ConnectorError:
    """The most specific ConnectorError for a PyGithub exception at `url`."""
    status = exc.status
    message = str((exc.data or {}).get("message", "")) if isinstance(exc.data, dict) else ""
    headers = exc.headers or {}
    if status == 401:
        return auth_failed(status, url)
    if status in (403, 429) and (
        "rate limit" in message.lower() or headers.get("x-ratelimit-remaining") == "0"
    ):
        reset = reset_at(headers)
        return RateLimited(
            f"GitHub rate limit reached at {url}",
            service=SERVICE,
            status=status,
            url=url,
            reset_at=reset,
            key="error.http.rate_limited" if reset else "error.http.429",
            params={
                "service": "github", "url": url, "said": "", "status": status,
                "when": reset.isoformat(timespec="seconds") if reset else "",
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


def status_error(status: int, message: str, url: str | None = None) -> ConnectorError:
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
