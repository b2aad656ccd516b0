"""The daemon's schedules: cron expressions become APScheduler 3 triggers; which sync runs full.

Cron expressions are read as crontab lines (minute hour day month weekday), or with a sixth field in front
for seconds (tests and soak runs use second-level schedules). A numeric weekday follows crontab (0 and 7
are Sunday): APScheduler 3 counts from Monday, so numbers are turned into names before it sees them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from apscheduler.triggers.base import BaseTrigger

from config import ConfigError

if TYPE_CHECKING:
    from apscheduler.triggers.cron import CronTrigger

__all__ = ["InOrder", "SyncModes", "build_trigger", "cron_interval_seconds"]

_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DIGIT = re.compile(r"(?<![/\d])([0-7])(?!\d)")  # a weekday number, not a step (*/2)
_FIELDS = ("second", "minute", "hour", "day", "month", "day_of_week")


def build_trigger(
    expression: str, *, timezone: str, jitter: int | None = None, variable: str = "the cron expression"
) -> CronTrigger:
    """The trigger for `expression` in `timezone`; a ConfigError naming `variable` when it is malformed."""
    from apscheduler.triggers.cron import CronTrigger

    fields = expression.split()
    if len(fields) == 5:
        fields = ["0", *fields]
    if len(fields) != 6:
        raise _bad_cron(variable, "expected 5 fields (minute hour day month weekday)")
    fields[5] = _DIGIT.sub(lambda match: _WEEKDAYS[int(match.group(1))], fields[5])
    try:
        return CronTrigger(
            **dict(zip(_FIELDS, fields, strict=True)), timezone=timezone, jitter=jitter or None
        )
    except ValueError as exc:
        raise _bad_cron(variable, str(exc)) from None


def _bad_cron(variable: str, reason: str) -> ConfigError:
    details = f"{variable}: {reason}"
    return ConfigError(
        f"Invalid settings:\n  {details}",
        hint="a cron expression such as '0 * * * *' (hourly) or '30 6 * * mon-fri'",
        key="error.config.invalid",
        hint_key="hint.config.invalid",
        params={"details": details},
    )


def cron_interval_seconds(expression: str, *, timezone: str, now: datetime) -> int:
    """The longest gap between the next runs of `expression`: `/status` calls a job stale after three.

    The longest, not the first: `0 6 * * mon-fri` is a day apart in the week but three over a weekend.
    """
    trigger = build_trigger(expression, timezone=timezone)
    previous = trigger.get_next_fire_time(None, now)
    longest = timedelta(0)
    for _ in range(16):
        if previous is None:
            break
        following = trigger.get_next_fire_time(previous, previous + timedelta(microseconds=1))
        if following is None:
            break
        longest = max(longest, following - previous)
        previous = following
    return max(1, int(longest.total_seconds()))


class InOrder(BaseTrigger):  # type: ignore[misc]  # APScheduler 3 ships no type hints
    """`trigger`, each fire time moved `order` × 10 ms later.

    APScheduler breaks a tie between jobs due at the same moment by job id, which would put
    `journey:refresh` and `reconcile:run` before `sync:catalogue`. Shifted like this, jobs that share a
    schedule reach the daemon's single worker in list order, so reconciliation sees the newest sync.
    """

    def __init__(self, trigger: BaseTrigger, order: int) -> None:
        self.trigger = trigger
        self.offset = timedelta(milliseconds=10 * order)

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime | None:
        previous = previous_fire_time - self.offset if previous_fire_time is not None else None
        fire: datetime | None = self.trigger.get_next_fire_time(previous, now - self.offset)
        return fire + self.offset if fire is not None else None

    def __str__(self) -> str:
        return f"{self.trigger} (+{self.offset.total_seconds():.2f} s)"


@dataclass
class SyncModes:
    """Which catalogue sync the daemon runs next: full or incremental.

    Until a full sync has completed (success or partial, as the store's run rows say) every sync is full,
    because reconciliation and deletions need one. After that every `full_every`-th *completed* sync is
    full. A failed sync does not count, so a failed full sync is tried again, in full, at the next tick.
    """

    full_every: int
    completed: int = 0

    def next_is_full(self, full_sync_completed: bool) -> bool:
        return not full_sync_completed or self.completed % self.full_every == 0

    def record(self, outcome: str) -> None:
        if outcome in ("success", "partial"):
            self.completed += 1
