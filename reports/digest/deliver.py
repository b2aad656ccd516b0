"""The digest's life: compose what is due into the outbox (once per channel and period), then deliver.

`compose_due` and `deliver_due` take the clock as a value, so the daemon, the CLI and the tests (a month
simulated by moving `now` forward) run the same code.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from reports.digest.channels.base import Channel, DeliveryError
from reports.digest.channels.email import chart_cid
from reports.digest.channels.files import CHART_PLACEHOLDER
from reports.digest.compose import ComposeOptions, compose_payload
from reports.digest.render import Format, render_body, render_subject
from reports.digest.schedule import latest_fire, previous_fire
from store.base import Store
from store.outbox import (
    NewDigest,
    OutboxEntry,
    claim_due,
    load_failed_since,
    load_first_period_start,
    load_last_delivered,
    mark_delivered,
    mark_failed,
    mark_retry,
    save_digest,
)

__all__ = [
    "ChannelSpec",
    "DigestPolicy",
    "DeliveryReport",
    "build_digest",
    "compose_due",
    "deliver_due",
    "period_for",
]


@dataclass(frozen=True)
class ChannelSpec:
    """What composing needs to know of a channel (delivery needs the Channel object itself)."""

    name: str
    kind: str
    lang: str = "nl"


@dataclass(frozen=True)
class DigestPolicy:
    cron: str = "0 7 * * mon"
    timezone: str = "Europe/Amsterdam"
    nothing_new: str = "one_line"  # one_line | skip
    max_attempts: int = 8
    retry_base_seconds: float = 60.0
    retry_max_seconds: float = 6 * 3600.0
    message_domain: str = "swc-beheer.local"
    compose: ComposeOptions = field(default_factory=ComposeOptions)


# How late a new channel's first tick may come after a fire time and still send that fire's digest.
NEW_CHANNEL_WINDOW = timedelta(hours=1)


@dataclass
class DeliveryReport:
    composed: list[OutboxEntry] = field(default_factory=list)
    delivered: list[OutboxEntry] = field(default_factory=list)
    retrying: list[tuple[OutboxEntry, str]] = field(default_factory=list)
    failed: list[tuple[OutboxEntry, str]] = field(default_factory=list)


def period_for(
    store: Store, channel: str, policy: DigestPolicy, now: datetime, *, scheduled: bool = False
) -> tuple[datetime, datetime] | None:
    """(start, end] of the digest due at `now`: from the channel's last delivered digest to the last fire.

    `scheduled` (the daemon's tick): a channel that never had a digest waits for its first fire time.
    """
    end = latest_fire(policy.cron, policy.timezone, now)
    if end is None:
        return None
    last = load_last_delivered(store, channel)
    # since the last delivered digest; with none delivered yet, since the first one composed (a failed
    # digest's period is covered again), else one schedule period back
    start = last.period_end if last is not None else load_first_period_start(store, channel)
    if scheduled and start is None and now - end > NEW_CHANNEL_WINDOW:
        # a channel that never had a digest starts at its first fire time, not with a catch-up of a week
        # that ended before it was set up (a missed fire of an existing channel is still caught up above)
        return None
    start = start or previous_fire(policy.cron, policy.timezone, end)
    if start is None or start >= end:
        return None
    return start, end


def build_digest(
    store: Store, spec: ChannelSpec, start: datetime, end: datetime, policy: DigestPolicy
) -> NewDigest:
    """Compose the digest of (start, end] for `spec` and render its subject and bodies."""
    options = ComposeOptions(**{**policy.compose.__dict__, "lang": spec.lang})
    previous = load_last_delivered(store, spec.name)
    failed = load_failed_since(store, previous.period_end if previous else start)
    payload = compose_payload(store, channel=spec.name, start=start, end=end, options=options,
                              previous=previous, failed=failed)  # fmt: skip
    key = f"{spec.name}:{start.isoformat()}/{end.isoformat()}"
    chart = f"cid:{chart_cid(key)}" if spec.kind == "email" else CHART_PLACEHOLDER
    return NewDigest(
        idempotency_key=key, channel=spec.name, kind=spec.kind, lang=spec.lang, period_start=start,
        period_end=end, subject=render_subject(payload), body_text=_body(payload, "text", key),
        body_html=_body(payload, "html", key, chart), body_md=_body(payload, "md", key), payload=payload,
        message_id=f"<digest.{hashlib.sha256(key.encode()).hexdigest()[:24]}@{policy.message_domain}>",
    )  # fmt: skip


def _body(payload: dict[str, Any], fmt: Format, key: str, chart: str | None = None) -> str:
    return render_body(payload, fmt, key=key, chart_src=chart)


def compose_due(
    store: Store,
    specs: Sequence[ChannelSpec],
    policy: DigestPolicy,
    now: datetime,
    *,
    scheduled: bool = False,
) -> list[OutboxEntry]:
    """Store the digest due at `now` for every channel that has none for that period yet; the new ones."""
    created = []
    for spec in specs:
        period = period_for(store, spec.name, policy, now, scheduled=scheduled)
        if period is None:
            continue
        digest = build_digest(store, spec, *period, policy)
        if digest.payload["nothing_new"] and policy.nothing_new == "skip":
            continue  # nothing stored: the next digest covers this period too
        entry, new = save_digest(store, digest, now)
        if new:
            created.append(entry)
    return created


def _backoff(policy: DigestPolicy, attempts: int, asked: float | None) -> timedelta:
    """Exponential backoff from the base, capped; at least what the receiver asked for (Retry-After)."""
    seconds = min(policy.retry_base_seconds * 2 ** max(0, attempts - 1), policy.retry_max_seconds)
    return timedelta(seconds=max(seconds, asked or 0.0))


def deliver_due(
    store: Store, channels: Mapping[str, Channel], policy: DigestPolicy, now: datetime
) -> DeliveryReport:
    """Deliver every due outbox row of these channels once; record each outcome before the next."""
    report = DeliveryReport()
    for entry in claim_due(store, now, channels=list(channels)):
        try:
            channels[entry.channel].send(entry)
        except DeliveryError as exc:
            attempts = entry.attempts + 1
            if exc.retry and attempts < policy.max_attempts:
                retry_at = now + _backoff(policy, attempts, exc.retry_after)
                mark_retry(store, entry.id, now, next_attempt=retry_at, error=exc.message)
                report.retrying.append((entry, exc.message))
            else:
                mark_failed(store, entry.id, now, error=exc.message)
                report.failed.append((entry, exc.message))
            continue
        except BaseException:
            # a bug or an interrupt: leave the row for the next run rather than "sending" under a live pid
            mark_retry(store, entry.id, now, next_attempt=now, error="interrupted")
            raise
        mark_delivered(store, entry.id, now)
        report.delivered.append(entry)
    return report
