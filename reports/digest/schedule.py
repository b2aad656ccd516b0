"""When digests fall due: the latest cron fire time at or before a moment, in the schedule's time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from config.errors import ConfigError

__all__ = ["latest_fire", "previous_fire", "check_cron"]


def _trigger(cron: str, timezone: str) -> object:
    from apscheduler.triggers.cron import CronTrigger

    try:
        return CronTrigger.from_crontab(cron, timezone=timezone)
    except (ValueError, LookupError) as exc:
        raise ConfigError(
            f"SWC_DIGEST__CRON={cron!r} / SWC_DIGEST__TIMEZONE={timezone!r} is not a valid schedule: {exc}",
            hint="five crontab fields, e.g. '0 7 * * mon', and an IANA zone such as Europe/Amsterdam",
        ) from exc


def check_cron(cron: str, timezone: str) -> None:
    """ConfigError naming the setting when the schedule cannot be read."""
    _trigger(cron, timezone)


def _fires(cron: str, timezone: str, start: datetime, end: datetime) -> list[datetime]:
    trigger = _trigger(cron, timezone)
    fires: list[datetime] = []
    current = trigger.get_next_fire_time(None, start)  # type: ignore[attr-defined]
    while current is not None and current <= end:
        fires.append(current)
        current = trigger.get_next_fire_time(current, current + timedelta(seconds=1))  # type: ignore[attr-defined]
    return fires


def latest_fire(cron: str, timezone: str, now: datetime) -> datetime | None:
    """The last fire time <= now (looking back up to a year), or None."""
    window = timedelta(days=1)
    while window <= timedelta(days=400):
        fires = _fires(cron, timezone, now - window, now)
        if fires:
            return fires[-1].astimezone(UTC)
        window *= 4
    return None


def previous_fire(cron: str, timezone: str, fire: datetime) -> datetime | None:
    """The fire time before `fire`: where a channel's first digest starts."""
    return latest_fire(cron, timezone, fire - timedelta(seconds=1))
