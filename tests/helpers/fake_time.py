"""Test helpers for the connector tests: a fake clock so retries need not wait."""

from __future__ import annotations

from connectors.http import RetryPolicy

PASSWORD = "s3cr3t-app-password"


class FakeTime:
    """A clock that only moves when something sleeps on it; records every sleep."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def policy(self, *, max_retries: int = 5, max_retry_seconds: float = 120.0,
               backoff_initial: float = 0.01) -> RetryPolicy:
        return RetryPolicy(max_retries=max_retries, max_retry_seconds=max_retry_seconds,
                           backoff_initial=backoff_initial, backoff_max=0.05, sleep=self.sleep,
                           clock=self.clock)
