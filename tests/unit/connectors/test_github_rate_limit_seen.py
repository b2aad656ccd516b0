"""The rate-limit headers of one GitHub answer, read without ever failing the refresh."""

from __future__ import annotations

from datetime import UTC, datetime

from connectors.github_fetch import RateLimitSeen, rate_limit_seen


def test_headers_are_read_by_resource() -> None:
    headers = {
        "x-ratelimit-limit": "5000",
        "x-ratelimit-remaining": "4987",
        "x-ratelimit-reset": "1796000000",
        "x-ratelimit-resource": "graphql",
    }
    assert rate_limit_seen(headers) == RateLimitSeen(
        "graphql", 5000, 4987, datetime(2026, 11, 30, 0, 53, 20, tzinfo=UTC)
    )


def test_missing_resource_means_core_and_missing_reset_is_none() -> None:
    seen = rate_limit_seen({"x-ratelimit-limit": "60", "x-ratelimit-remaining": "0"})
    assert seen == RateLimitSeen("core", 60, 0, None)


def test_absent_or_garbled_headers_are_ignored() -> None:
    assert rate_limit_seen({}) is None
    assert rate_limit_seen({"x-ratelimit-limit": "many", "x-ratelimit-remaining": "1"}) is None
    garbled_reset = {"x-ratelimit-limit": "10", "x-ratelimit-remaining": "9", "x-ratelimit-reset": "soon"}
    assert rate_limit_seen(garbled_reset) == RateLimitSeen("core", 10, 9, None)
