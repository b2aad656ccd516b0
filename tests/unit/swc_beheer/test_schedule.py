"""Cron schedules in Europe/Amsterdam, crontab weekdays, and which sync runs full."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from config import ConfigError
from swc_beheer.schedule import SyncModes, build_trigger, cron_interval_seconds

AMS = ZoneInfo("Europe/Amsterdam")


def test_cron_fires_at_amsterdam_wall_time_across_the_dst_change() -> None:
    trigger = build_trigger("0 3 * * *", timezone="Europe/Amsterdam")
    # 2026-03-29 is the last Sunday of March: clocks go from 02:00 to 03:00 CET -> CEST
    before = trigger.get_next_fire_time(None, datetime(2026, 3, 27, 12, 0, tzinfo=AMS))  # Saturday 03:00
    after = trigger.get_next_fire_time(None, datetime(2026, 3, 28, 12, 0, tzinfo=AMS))  # Sunday 03:00
    assert (before.hour, before.utcoffset().total_seconds()) == (3, 3600)  # type: ignore[union-attr]
    assert (after.hour, after.utcoffset().total_seconds()) == (3, 7200)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("weekday", "expected"),
    [
        ("1", "2026-12-07"),
        ("0", "2026-12-06"),
        ("7", "2026-12-06"),
        ("mon-fri", "2026-12-07"),
        ("5", "2026-12-11"),
    ],
)
def test_numeric_weekdays_follow_crontab(weekday: str, expected: str) -> None:
    # from Saturday 2026-12-05 noon: crontab 1 is Monday, 0 and 7 Sunday (APScheduler counts from Monday)
    trigger = build_trigger(f"0 6 * * {weekday}", timezone="Europe/Amsterdam")
    fire = trigger.get_next_fire_time(None, datetime(2026, 12, 5, 12, 0, tzinfo=AMS))
    assert fire is not None and fire.date().isoformat() == expected


def test_six_fields_put_seconds_first() -> None:
    trigger = build_trigger("*/2 * * * * *", timezone="Europe/Amsterdam")
    fire = trigger.get_next_fire_time(None, datetime(2026, 12, 5, 12, 0, 1, tzinfo=AMS))
    assert fire is not None and fire.second == 2 and fire.minute == 0


@pytest.mark.parametrize(("cron", "seconds"), [("0 * * * *", 3600), ("0 6 * * mon-fri", 3 * 86400)])
def test_interval_is_the_longest_gap(cron: str, seconds: int) -> None:
    now = datetime(2026, 12, 1, 0, 0, tzinfo=AMS)
    assert cron_interval_seconds(cron, timezone="Europe/Amsterdam", now=now) == seconds


def test_a_malformed_cron_names_its_setting() -> None:
    with pytest.raises(ConfigError) as info:
        build_trigger("61 * * * *", timezone="Europe/Amsterdam", variable="SWC_SCHEDULE__SYNC_CRON")
    assert "SWC_SCHEDULE__SYNC_CRON" in info.value.message and info.value.exit_code == 2


def test_full_until_a_full_sync_completed_and_failures_do_not_count() -> None:
    modes = SyncModes(full_every=3)
    plan: list[bool] = []
    completed_full = False
    # (outcome of each run): the first two full syncs fail, then everything succeeds
    for outcome in ["failed", "failed", "success", "success", "failed", "success", "success", "success"]:
        full = modes.next_is_full(completed_full)
        plan.append(full)
        modes.record(outcome)
        completed_full = completed_full or (full and outcome == "success")
    assert plan == [True, True, True, False, False, False, True, False]


def test_a_lost_full_sync_in_the_store_makes_the_next_one_full() -> None:
    modes = SyncModes(full_every=24, completed=5)
    assert modes.next_is_full(False) and not modes.next_is_full(True)


def test_in_order_shifts_each_fire_time_by_its_place() -> None:
    from swc_beheer.schedule import InOrder

    now = datetime(2026, 12, 5, 12, 0, 30, tzinfo=AMS)
    fires = [
        InOrder(build_trigger("0 * * * *", timezone="Europe/Amsterdam"), order).get_next_fire_time(None, now)
        for order in range(3)
    ]
    assert [(f.hour, f.minute, f.microsecond) for f in fires if f] == [
        (13, 0, 0),
        (13, 0, 10_000),
        (13, 0, 20_000),
    ]
    follow = InOrder(build_trigger("0 * * * *", timezone="Europe/Amsterdam"), 2)
    assert follow.get_next_fire_time(fires[2], fires[2]) == fires[2].replace(hour=14)  # type: ignore[union-attr]
