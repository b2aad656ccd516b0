"""Connector errors: every remote failure reaching sync/ is one of these, never an httpx or PyGithub type."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from config.errors import SwcError

__all__ = [
    "ConnectorError",
    "RemoteUnavailable",
    "AuthFailed",
    "NotFound",
    "RateLimited",
    "UnexpectedPayload",
]


class ConnectorError(SwcError):
    """A remote service failed; `.service` is "catalogue" or "github", `.status` the HTTP status if any."""

    def __init__(
        self,
        message: str,
        *,
        service: str,
        status: int | None = None,
        url: str | None = None,
        hint: str | None = None,
        key: str | None = None,
        hint_key: str | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message, hint=hint, key=key, hint_key=hint_key, params=params)
        self.service = service
        self.status = status
        self.url = url  # already redacted: never carries credentials


class RemoteUnavailable(ConnectorError):
    """Timeout, connection error or 5xx after all retries."""


class AuthFailed(ConnectorError):
    """401 or 403; the hint names the setting to fix."""


class NotFound(ConnectorError):
    """404 on a named register, schema or object."""


class RateLimited(ConnectorError):
    """429 or an exhausted rate-limit budget; `.reset_at` says when to try again."""

    def __init__(self, message: str, *, service: str, reset_at: datetime | None = None, **kw: object) -> None:
        super().__init__(message, service=service, **kw)  # type: ignore[arg-type]
        self.reset_at = reset_at


class UnexpectedPayload(ConnectorError):
    """The response was not what the API contract says (bad JSON, missing envelope keys)."""
