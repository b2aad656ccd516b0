"""Digests as orchestration over Settings: compose what is due, deliver the outbox; used by CLI and daemon."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from config import ConfigError, Settings
from reports.digest.deliver import (
    DeliveryReport,
    DigestPolicy,
    build_digest,
    compose_due,
    deliver_due,
    period_for,
)
from reports.digest.render import Format, render_body
from reports.digest.schedule import latest_fire
from store.base import Store
from store.outbox import NewDigest, OutboxEntry, load_last_delivered, load_outbox

__all__ = ["digest_job", "list_outbox", "plan_digest", "preview_digest", "run_digest"]


@contextmanager
def _store(settings: Settings) -> Iterator[Store]:
    from swc_beheer.wiring import open_store_from

    store = open_store_from(settings)
    try:
        yield store
    finally:
        store.close()


def _policy(settings: Settings) -> DigestPolicy:
    from swc_beheer.jobs import default_report_dir
    from swc_beheer.wiring import build_digest_policy

    return build_digest_policy(settings, report_dir=default_report_dir(settings))


def run_digest(settings: Settings, *, now: datetime | None = None, scheduled: bool = False) -> DeliveryReport:
    """Compose the digests due now into the outbox, then deliver every due outbox row once.

    `scheduled` (the daemon): a new channel's first digest is the one of its first fire time, no catch-up.
    """
    from swc_beheer.wiring import build_digest_channels, digest_specs

    moment = now or datetime.now(UTC)
    policy, channels = _policy(settings), build_digest_channels(settings)
    with _store(settings) as store:
        composed = compose_due(store, digest_specs(settings), policy, moment, scheduled=scheduled)
        report = deliver_due(store, channels, policy, moment)
    report.composed = composed
    return report


def preview_digest(
    settings: Settings, channel: str | None, fmt: Format, *, now: datetime | None = None
) -> str:
    """The digest a channel would get now (composed, not stored): text, html or md."""
    digest = _compose_now(settings, channel, now or datetime.now(UTC))
    return render_body(digest.payload, fmt, key=digest.idempotency_key)


def _compose_now(settings: Settings, channel: str | None, now: datetime) -> NewDigest:
    from reports.digest.deliver import ChannelSpec
    from swc_beheer.wiring import digest_specs

    specs = {spec.name: spec for spec in digest_specs(settings)}
    if channel is not None and channel not in specs:
        raise ConfigError(
            f"No digest channel {channel!r} in SWC_DIGEST__CHANNELS", hint=f"known: {sorted(specs)}"
        )
    spec = specs[channel] if channel else ChannelSpec("preview", "file", settings.language)
    policy = _policy(settings)
    with _store(settings) as store:
        last = load_last_delivered(store, spec.name)
        start = last.period_end if last else latest_fire(policy.cron, policy.timezone, now)
        return build_digest(store, spec, start or now, now, policy)


def plan_digest(settings: Settings, *, now: datetime | None = None) -> list[tuple[str, str]]:
    """`digest send --dry-run`: (channel, what would happen now), writing and sending nothing."""
    from swc_beheer.wiring import build_digest_channels, digest_specs

    moment = now or datetime.now(UTC)
    build_digest_channels(settings)  # a channel's missing setting shows up here, before any real run
    policy = _policy(settings)
    plan = []
    with _store(settings) as store:
        for spec in digest_specs(settings):
            period = period_for(store, spec.name, policy, moment)
            stored = {(e.channel, e.period_end) for e in load_outbox(store)}
            if period and (spec.name, period[1]) not in stored:
                digest = build_digest(store, spec, *period, policy)
                plan.append((spec.name, f"compose {digest.idempotency_key}: {digest.subject}"))
        for entry in load_outbox(store, ("pending", "sending")):
            if entry.next_attempt <= moment:
                plan.append((entry.channel, f"deliver {entry.idempotency_key} ({entry.status})"))
    return plan


def list_outbox(settings: Settings, *, all_rows: bool = False) -> list[OutboxEntry]:
    """Outbox rows: pending, sending and failed ones (all with `all_rows`)."""
    with _store(settings) as store:
        return load_outbox(store, None if all_rows else ("pending", "sending", "failed"))


def digest_job(settings: Settings, *, now: datetime | None = None) -> tuple[str, str]:
    """The daemon's `digest:weekly` tick: outcome "partial" while a digest failed this tick."""
    report = run_digest(settings, now=now, scheduled=True)
    outcome = "partial" if report.failed else "success"
    return outcome, (
        f"{len(report.composed)} composed, {len(report.delivered)} delivered, "
        f"{len(report.retrying)} to retry, "
        f"{len(report.failed)} failed" + "".join(f"; {e.channel}: {why}" for e, why in report.failed)
    )
