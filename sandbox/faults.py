"""Seeded fault injection for sandbox apps: latency, 5xx, 429, slow answers, truncated bodies, resets.

A ``FaultPlan`` decides per request, from its own ``random.Random(seed)``, whether to break it. Given the
same sequence of requests the same requests break the same way. ``max_faults`` bounds the number of
injected faults (latency is not a fault and always applies). Wrap any ``server.App``:

    plan = FaultPlan(seed=1, latency_ms=100, error_rate=0.1)
    app = with_faults(catalogue_app, plan)

or parse the CLI form:
``parse_faults("latency=100,5xx=0.1,429=0.05,timeout=0.02,truncate=0.05,reset=0.02,seed=1")``
(other keys: ``jitter`` ms, ``max`` faults, ``timeout_sleep`` seconds, ``retry_after`` seconds).

Miscounts (keys ``total0``, ``pages0``, ``short_total``; rates per list page, summed ≤ 1, drawn from a
random stream of their own so adding them leaves the transport faults where they were) rewrite the
``total``/``pages`` of a 200 list page that has rows, as OpenRegister's count query can get them wrong:
``total0`` = the count failed (total 0 and pages 0, rows present); ``pages0`` = pages 0, total kept;
``short_total`` = total half the rows seen up to this page (offset + rows), pages recomputed from it.
They are counted in ``plan.miscounted``, not in ``injected``.
"""

from __future__ import annotations

import gzip
import json
import math
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sandbox.server import App, Request, Response, encode_json

__all__ = [
    "FaultPlan",
    "FaultSpecError",
    "parse_faults",
    "with_faults",
    "describe",
    "FAULT_KINDS",
    "MISCOUNT_KINDS",
]

FAULT_KINDS = ("error", "rate_limit", "timeout", "truncate", "reset")
MISCOUNT_KINDS = ("total0", "pages0", "short_total")

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
    total0_rate: float = 0.0  # list page with rows: total 0, pages 0 (the count query failed)
    pages0_rate: float = 0.0  # list page with rows: pages 0, total kept
    short_total_rate: float = 0.0  # list page with rows: total below the rows seen so far
    injected: Counter[str] = field(default_factory=Counter, init=False, repr=False)
    miscounted: Counter[str] = field(default_factory=Counter, init=False, repr=False)
    _rng: random.Random = field(init=False, repr=False)
    _count_rng: random.Random = field(init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._count_rng = random.Random(f"miscount:{self.seed}")
        for rates in (self._rates(), self._miscount_rates()):
            for name, rate in rates:
                if not 0.0 <= rate <= 1.0:
                    raise FaultSpecError(f"fault rate {name}={rate} is outside 0..1")
            if sum(rate for _, rate in rates) > 1.0:
                raise FaultSpecError(f"the rates of {', '.join(n for n, _ in rates)} add up to more than 1")
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

    def _miscount_rates(self) -> list[tuple[str, float]]:
        return [
            ("total0", self.total0_rate),
            ("pages0", self.pages0_rate),
            ("short_total", self.short_total_rate),
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
        if any(rate for _, rate in self._miscount_rates()):
            self._miscount(response)
        if kind == "truncate":
            response.truncate_at = rng.randint(0, max(0, len(response.body) - 1))
            response.chunked = rng.random() < 0.5
        return response

    def _miscount(self, response: Response) -> None:
        """Maybe rewrite ``total``/``pages`` of a 200 list page that has rows (gzip kept as it was)."""
        if response.status != 200 or "json" not in (response.header("Content-Type") or ""):
            return
        zipped = response.header("Content-Encoding") == "gzip"
        try:
            body = json.loads(gzip.decompress(response.body) if zipped else response.body)
        except ValueError:
            return
        if not isinstance(body, dict) or not isinstance(body.get("results"), list) or not body["results"]:
            return
        with self._lock:
            roll, edge, kind = self._count_rng.random(), 0.0, None
            for name, rate in self._miscount_rates():
                edge += rate
                if roll < edge:
                    kind = name
                    break
            if kind is None:
                return
            self.miscounted[kind] += 1
        _rewrite_counts(body, kind)
        data = encode_json(body)
        response.body = gzip.compress(data, compresslevel=1) if zipped else data

    def _rate_limited(self) -> Response:
        reset_at = datetime.now(UTC) + timedelta(seconds=self.retry_after)
        body = {
            "error": "API request quota exceeded for this organisation",
            "quota": 1000,
            "resetAt": reset_at.replace(microsecond=0).isoformat(),
        }
        return Response.json(body, status=429, headers=[("Retry-After", str(self.retry_after))])


def _rewrite_counts(body: dict[str, object], kind: str) -> None:
    rows = body["results"]
    assert isinstance(rows, list)
    limit = body.get("limit") if isinstance(body.get("limit"), int) else len(rows)
    page = body.get("page") if isinstance(body.get("page"), int) else 1
    assert isinstance(limit, int) and isinstance(page, int)
    if kind == "total0":
        body["total"], body["pages"] = 0, 0
    elif kind == "pages0":
        body["pages"] = 0
    else:
        seen = (page - 1) * max(limit, 1) + len(rows)
        body["total"] = seen // 2
        body["pages"] = max(1, math.ceil(seen // 2 / max(limit, 1)))


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
    "total0": ("total0_rate", float),
    "pages0": ("pages0_rate", float),
    "short_total": ("short_total_rate", float),
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
    hidden = {"injected", "miscounted"}
    return json.dumps({k: v for k, v in vars(plan).items() if not k.startswith("_") and k not in hidden})
