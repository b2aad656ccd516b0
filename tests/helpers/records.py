"""Hand-made catalogue records for the rule and report tests, and a store filled by the real sync."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

from connectors.catalogue_models import RECORD_TYPES, Contact, Koppeling, Organisation, Package, Usage
from reconcile.model import CatalogueLinks
from tests.helpers.catalogue_fakes import Listing as _Listing
from tests.helpers.catalogue_fakes import Page as _Page
from tests.helpers.catalogue_fakes import Stats as _Stats

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
LINKS = CatalogueLinks("https://swc.example", "/api", "voorzieningen", {"organisation": "organisatie"})


def days_ago(days: int) -> datetime:
    return NOW - timedelta(days=days)


def gemeente(oid: str, name: str, cbs: int | None = None, **kw: Any) -> Organisation:
    return Organisation(
        id=oid, name=name, type="gemeente", status=kw.pop("status", "actief"), cbs_code=cbs, **kw
    )


def supplier(oid: str, name: str, **kw: Any) -> Organisation:
    return Organisation(id=oid, name=name, type="leverancier", status=kw.pop("status", "actief"), **kw)


def coop(oid: str, name: str, members: tuple[str, ...], **kw: Any) -> Organisation:
    return Organisation(id=oid, name=name, type="samenwerking", status="actief", members=members, **kw)


def user(
    cid: str, org: str | None, email: str | None = None, roles: tuple[str, ...] = ("Organisatie-beheerder",)
) -> Contact:
    return Contact(
        id=cid, last_name=f"User {cid}", organisation_id=org, email=email or f"{cid}@example.nl", roles=roles
    )


__all__ = [
    "NOW",
    "LINKS",
    "days_ago",
    "gemeente",
    "supplier",
    "coop",
    "user",
    "Package",
    "Usage",
    "Koppeling",
    "RecordSource",
    "sync_records",
]


# ---------------------------------------------------------------- a store filled through the real sync




class RecordSource:
    """Serves typed records (one page per type) with a complete listing, as CatalogueClient would."""

    def __init__(self, records: list[Any]) -> None:
        self.by_type: dict[str, list[Any]] = {}
        for record in records:
            entity = next(k for k, v in RECORD_TYPES.items() if isinstance(record, v))
            raw = record.model_dump(mode="json", exclude={"raw"})
            self.by_type.setdefault(entity, []).append(record.model_copy(update={"raw": raw}))
        self.stats = _Stats()

    async def fetch_pages(
        self, entity: str, *, since: Any = None, overlap: Any = None
    ) -> AsyncIterator[_Page]:
        self.stats.requests += 1
        yield _Page(self.by_type.get(entity, []), [], 1)

    def listing(self, entity: str) -> _Listing:
        count = len(self.by_type.get(entity, []))
        return _Listing(True, count, count, 1)


def sync_records(store: Any, records: list[Any]) -> None:
    """One full catalogue sync of exactly these records (deletions unbraked)."""
    from sync.catalogue_sync import run_catalogue_sync

    report = asyncio.run(run_catalogue_sync(store, RecordSource(records), deletion_brake=1.0))  # type: ignore[arg-type]
    assert report.status == "success", report
