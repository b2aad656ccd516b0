"""What a channel is, and the two ways a delivery fails: worth retrying, or a configuration to fix."""

from __future__ import annotations

from typing import Any, Protocol

from config.errors import SwcError
from store.outbox import OutboxEntry

__all__ = ["Channel", "DeliveryError", "TransientDeliveryError", "DeliveryConfigError", "report_pointer"]


class DeliveryError(SwcError):
    """A delivery did not succeed; `retry` says whether trying again later can help."""

    retry = False

    def __init__(self, message: str, *, hint: str | None = None, retry_after: float | None = None) -> None:
        super().__init__(message, hint=hint)
        self.retry_after = retry_after  # seconds the receiver asked us to wait (429 Retry-After)


class TransientDeliveryError(DeliveryError):
    """The receiver is down, busy or rate limiting (connection refused, timeout, 429, 5xx, SMTP 4xx)."""

    retry = True


class DeliveryConfigError(DeliveryError):
    """The receiver refused the digest for good (400/401/403/404, SMTP auth or 5xx): fix the settings."""


class Channel(Protocol):
    """One configured destination. `send` returns once the receiver accepted the digest, or raises."""

    name: str
    kind: str

    def send(self, entry: OutboxEntry) -> None: ...


def report_pointer(payload: dict[str, Any]) -> str | None:
    """Where the full report is (the first report link), for "the rest is in the full report"."""
    links = payload.get("links") or []
    return str(links[0]["href"]) if links else None
