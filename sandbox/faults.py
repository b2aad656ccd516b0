"""Seeded fault injection for sandbox apps: latency, 5xx, 429, slow answers, truncated bodies, resets.

A ``FaultPlan`` decides per request, from its own ``random.Random(seed)``, whether to break it. Given the
same sequence of requests the same requests break the same way. ``max_faults`` bounds the number of
injected faults (latency is not a fault and always applies). Wrap any ``server.App``:

    plan = FaultPlan(seed=1, latency_ms=100, error_rate=0.1)
    app = with_faults(catalogue_app, plan)

or parse the CLI form:
``parse_faults("latency=100,5xx=0.1,429=0.05,timeout=0.02,truncate=0.05,reset=0.02,seed=1")``
(other keys: ``jitter`` ms, ``max`` faults, ``timeout_sleep`` seconds, ``retry_after`` seconds).
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sandbox.server import App, Request, Response

__all__ = ["FaultPlan", "FaultSpecError", "parse_faults", "with_faults", "describe", "FAULT_KINDS"]

FAULT_KINDS = ("error", "rate_limit", "timeout", "truncate", "reset")

_ERROR_BODIES: dict[int, tuple[str, bytes]] = {
    500: (
        "application/json; charset=utf-8",
        b'{"message":"Internal Server Error","error":"An exception occurred while executing a query: '
        b'SQLSTATE[HY000]: General error: 2006 MySQL server has gone away"}',
    ),
    502: (
        "text/html",
        b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway"
        b"</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n",
    ),
    503: (
        "text/html; charset=UTF-8",
        b"<!DOCTYPE html><html><head><title>Nextcloud</title></head><body><h2>Maintenance mode</h2>"
        b"<p>This Nextcloud instance is currently in maintenance mode, which may take a while.</p>"
        b"</body></html>",
    ),
}


class FaultSpecError(ValueError):
    """A fault specification string could not be parsed; the message names the bad part."""


@dataclass
class FaultPlan:
    """Which faults to inject and how often; rates are probabilities per request (0..1, summed ≤ 1)."""

    seed: int = 0
    latency_ms: float = 0
    jitter_ms: float = 0
    error_rate: float = 0.0  # 500/502/503 with realistic bodies
    rate_limit_rate: float = 0.0  # 429 + Retry-After, body {"error","quota","resetAt"}
    timeout_rate: float = 0.0  # sleep timeout_sleep seconds, then answer normally
    truncate_rate: float = 0.0  # body cut mid-way (Content-Length for the full body, or a cut chunk)
    reset_rate: float = 0.0  # close the socket without answering
    max_faults: int | None = None
    timeout_sleep: float = 5.0
    retry_after: int = 2
    injected: Counter[str] = field(default_factory=Counter, init=False, repr=False)
    _rng: random.Random = field(init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        rates = self._rates()
        for name, rate in rates:
            if not 0.0 <= rate <= 1.0:
                raise FaultSpecError(f"fault rate {name}={rate} is outside 0..1")
        if sum(rate for _, rate in rates) > 1.0:
            raise FaultSpecError("the fault rates add up to more than 1")
        if self.latency_ms < 0 or self.jitter_ms < 0 or self.timeout_sleep < 0:
            raise FaultSpecError("latency, jitter and timeout_sleep must not be negative")

    def _rates(self) -> list[tuple[str, float]]:
        return [
            ("error", self.error_rate),
            ("rate_limit", self.rate_limit_rate),
            ("timeout", self.timeout_rate),
            ("truncate", self.truncate_rate),
            ("reset", self.reset_rate),
        ]

    @property
    def fault_count(self) -> int:
        """How many faults were injected so far."""
        return sum(self.injected.values())

    def draw(self) -> tuple[float, str | None, random.Random]:
        """Decide for the next request: (delay seconds, fault kind or None, a per-request rng)."""
        with self._lock:
            delay = (self.latency_ms + self._rng.random() * self.jitter_ms) / 1000.0
            roll = self._rng.random()
            sub_seed = self._rng.getrandbits(32)
            kind = None
            if self.max_faults is None or self.fault_count < self.max_faults:
                edge = 0.0
                for name, rate in self._rates():
                    edge += rate
                    if roll < edge:
                        kind = name
                        break
            if kind is not None:
                self.injected[kind] += 1
        return delay, kind, random.Random(sub_seed)

    def apply(self, app: App, request: Request) -> Response:
        """Run ``request`` through ``app`` with this plan's latency and (maybe) one fault."""
        delay, kind, rng = self.draw()
        if delay:
            time.sleep(delay)
        if kind == "error":
            status = rng.choice((500, 502, 503))
            content_type, body = _ERROR_BODIES[status]
            return Response(status=status, headers=[("Content-Type", content_type)], body=body)
        if kind == "rate_limit":
            return self._rate_limited()
        if kind == "reset":
            return Response(reset=True)
        if kind == "timeout":
            time.sleep(self.timeout_sleep)
        response = app(request)
        if kind == "truncate":
            response.truncate_at = rng.randint(0, max(0, len(response.body) - 1))
            response.chunked = rng.random() < 0.5
        return response

    def _rate_limited(self) -> Response:
        reset_at = datetime.now(UTC) + timedelta(seconds=self.retry_after)
        body = {
            "error": "API request quota exceeded for this organisation",
            "quota": 1000,
            "resetAt": reset_at.replace(microsecond=0).isoformat(),
        }
        return Response.json(body, status=429, headers=[("Retry-After", str(self.retry_after))])


def with_faults(app: App, plan: FaultPlan | None) -> App:
    """``app`` wrapped so every request goes through ``plan`` (unchanged when plan is None)."""
    if plan is None:
        return app

    def faulty(request: Request) -> Response:
        return plan.apply(app, request)

    return faulty


_KEYS: dict[str, tuple[str, type]] = {
    "seed": ("seed", int),
    "latency": ("latency_ms", float),
    "jitter": ("jitter_ms", float),
    "5xx": ("error_rate", float),
    "error": ("error_rate", float),
    "429": ("rate_limit_rate", float),
    "timeout": ("timeout_rate", float),
    "truncate": ("truncate_rate", float),
    "reset": ("reset_rate", float),
    "max": ("max_faults", int),
    "timeout_sleep": ("timeout_sleep", float),
    "retry_after": ("retry_after", int),
}


def parse_faults(spec: str) -> FaultPlan:
    """``"latency=100,5xx=0.1,429=0.05,seed=1"`` -> FaultPlan; FaultSpecError names a bad part."""
    values: dict[str, object] = {}
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        name, sep, raw = part.partition("=")
        key = _KEYS.get(name.strip().lower())
        if not sep or key is None:
            valid = ", ".join(sorted(_KEYS))
            raise FaultSpecError(f"fault spec part {part!r} is not KEY=VALUE with KEY one of: {valid}")
        attr, kind = key
        try:
            values[attr] = kind(raw.strip())
        except ValueError:
            raise FaultSpecError(f"fault spec part {part!r}: {raw!r} is not a {kind.__name__}") from None
    return FaultPlan(**values)  # type: ignore[arg-type]


def describe(plan: FaultPlan) -> str:
    """A one-line summary for logs and the CLI."""
    return json.dumps({k: v for k, v in vars(plan).items() if not k.startswith("_") and k != "injected"})
