"""Growth per month: how many organisations, users, packages, gebruik and koppelingen existed each month.

An object exists at a moment when it was created by then (@self.created, else the sync that first saw it)
and the store's history (`catalogue_version` "deleted"/"restored" rows) does not show it deleted at that
moment. Months before the store's first sync are marked: deletions from that time are unknown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from connectors.catalogue_models import EntityType
from reports.common import t
from reports.model import Cell, Chart, Column, Figure, Section, Series, Table
from store.base import Store
from store.report_reads import creation_months, deletion_events, first_sync_at

__all__ = ["ENTITIES", "Growth", "compute_growth", "growth_section", "month_ends"]

ENTITIES: tuple[EntityType, ...] = ("organisation", "contact", "package", "usage", "koppeling")
MAX_MONTHS = 24


@dataclass(frozen=True)
class Growth:
    months: tuple[date, ...]  # the first day of each month shown
    counts: dict[str, tuple[int, ...]]  # entity -> objects existing at the end of each month
    history_from: datetime | None  # the store's first sync


def month_ends(first: date, until: datetime, limit: int | None = MAX_MONTHS) -> list[tuple[date, datetime]]:
    """(first day of the month, the moment it ends or `until`, whichever is earlier) from `first` on."""
    out: list[tuple[date, datetime]] = []
    month = first.replace(day=1)
    while True:
        nxt = (month + timedelta(days=32)).replace(day=1)
        end = min(datetime(nxt.year, nxt.month, 1, tzinfo=UTC), until)
        out.append((month, end))
        if end >= until:
            return out[-limit:] if limit else out
        month = nxt


def _deleted_at(events: list[tuple[str, datetime, str]], moment: datetime) -> int:
    """Objects whose last deletion or restoration up to `moment` was a deletion."""
    state: dict[str, str] = {}
    for object_id, when, change in events:
        if when > moment:
            break
        state[object_id] = change
    return sum(1 for change in state.values() if change == "deleted")


def compute_growth(store: Store, *, until: datetime) -> Growth:
    """Counts per month end up to `until` (at most the last 24 months); the database counts per month."""
    created: dict[str, dict[str, int]] = {}
    events: dict[str, list[tuple[str, datetime, str]]] = {}
    with store.transaction() as session:
        for entity in ENTITIES:
            created[entity] = creation_months(session, entity, until)
            events[entity] = deletion_events(session, entity)
        start = first_sync_at(session)
    first = min((m for months in created.values() for m in months), default=until.strftime("%Y-%m"))
    all_months = month_ends(date.fromisoformat(f"{first}-01"), until, limit=None)
    counts: dict[str, tuple[int, ...]] = {}
    for entity in ENTITIES:
        running, values = 0, []
        for month, end in all_months:
            running += created[entity].get(month.strftime("%Y-%m"), 0)
            values.append(running - _deleted_at(events[entity], end))
        counts[entity] = tuple(values[-MAX_MONTHS:])
    return Growth(tuple(m for m, _ in all_months[-MAX_MONTHS:]), counts, start)


def growth_section(growth: Growth, lang: str) -> Section:
    columns = (
        (Column("month", t(lang, "col.month")),)
        + tuple(Column(entity, t(lang, f"entity.{entity}"), "int") for entity in ENTITIES)
        + (Column("source", t(lang, "col.source")),)
    )
    history = growth.history_from.date().replace(day=1) if growth.history_from else None
    rows: list[tuple[Cell, ...]] = [
        (
            month.strftime("%Y-%m"),
            *(growth.counts[e][i] for e in ENTITIES),
            t(lang, "growth.history" if history and month >= history else "growth.estimated"),
        )
        for i, month in enumerate(growth.months)
    ]
    table = Table("growth", t(lang, "growth.table"), columns, rows)
    shown = ("organisation", "contact", "package")
    chart = Chart(
        "growth",
        t(lang, "growth.chart"),
        "line",
        tuple(m.strftime("%Y-%m") for m in growth.months),
        tuple(Series(t(lang, f"entity.{e}"), tuple(float(v) for v in growth.counts[e])) for e in shown),
        _description(growth, lang),
    )
    return Section("growth", t(lang, "growth.title"), (Figure(chart, table),))


def _description(growth: Growth, lang: str) -> str:
    if not growth.months:
        return t(lang, "none")
    first, last = growth.months[0].strftime("%Y-%m"), growth.months[-1].strftime("%Y-%m")
    parts = ", ".join(
        f"{t(lang, f'entity.{e}')} {growth.counts[e][0]} → {growth.counts[e][-1]}" for e in ENTITIES
    )
    return t(lang, "growth.desc", first=first, last=last, parts=parts)
