"""An in-memory catalogue client with the shape sync.catalogue_sync expects (pages, listing, stats)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from connectors.catalogue_models import RECORD_TYPES, CatalogueRecord
from connectors.errors import RemoteUnavailable

T0 = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass
class Skip:
    id: str | None
    reason: str


@dataclass
class Page:
    records: list[CatalogueRecord]
    skipped: list[Skip]
    number: int


@dataclass
class Listing:
    complete: bool
    total_reported: int
    seen: int
    requests: int
    retries: int = 0


@dataclass
class Stats:
    requests: int = 0
    retries: int = 0


def to_record(entity: str, raw: dict[str, Any]) -> CatalogueRecord:
    """A deliberately small mapping: enough fields to see them land in typed columns."""
    meta = raw.get("@self", {})
    fields: dict[str, Any] = {
        "id": raw["id"],
        "raw": raw,
        "created": datetime.fromisoformat(meta["created"]) if meta.get("created") else None,
        "updated": datetime.fromisoformat(meta["updated"]) if meta.get("updated") else None,
    }
    if entity == "organisation":
        fields.update(
            name=raw.get("naam"), type=(raw.get("type") or "").lower() or None, cbs_code=raw.get("cbs")
        )
        fields["members"] = tuple(raw.get("deelnemers", []))
    elif entity == "usage":
        fields.update(organisation_id=raw.get("afnemer"), package_id=raw.get("module"))
    elif entity in ("package", "koppeling"):
        fields.update(name=raw.get("naam"))
    elif entity == "contact":
        fields.update(email=raw.get("email"), roles=tuple(raw.get("rollen", [])))
    return RECORD_TYPES[entity](**fields)  # type: ignore[index]


@dataclass
class FakeCatalogue:
    """Objects per entity type with a clock: `add`, `update`, `delete` bump @self.updated like the server."""

    objects: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    clock: datetime = T0

    def tick(self) -> str:
        self.clock += timedelta(seconds=1)
        return self.clock.isoformat()

    def add(self, entity: str, **props: Any) -> dict[str, Any]:
        stamp = self.tick()
        oid = str(uuid.uuid4())
        obj = {
            "id": oid,
            **props,
            "@self": {"id": oid, "created": stamp, "updated": stamp, "version": "0.0.1"},
        }
        self.objects.setdefault(entity, {})[oid] = obj
        return obj

    def update(self, entity: str, oid: str, **props: Any) -> None:
        obj = self.objects[entity][oid]
        obj.update(props)
        obj["@self"] = {**obj["@self"], "updated": self.tick()}

    def delete(self, entity: str, oid: str) -> dict[str, Any]:
        self.tick()
        return self.objects[entity].pop(oid)


class FakeClient:
    """Serves a FakeCatalogue in pages; can fail, drop records or report an incomplete listing."""

    def __init__(
        self,
        catalogue: FakeCatalogue,
        *,
        page_size: int = 7,
        incomplete: frozenset[str] = frozenset(),
        fail_at: tuple[str, int] | None = None,
        skipped: dict[str, list[Skip]] | None = None,
    ) -> None:
        self.catalogue = catalogue
        self.page_size = page_size
        self.incomplete = incomplete
        self.fail_at = fail_at
        self.skipped = skipped or {}
        self.stats = Stats()
        self._listings: dict[str, Listing] = {}
        self.since_seen: dict[str, datetime | None] = {}

    async def fetch_pages(
        self, entity: str, *, since: datetime | None = None, overlap: timedelta = timedelta(minutes=5)
    ) -> AsyncIterator[Page]:
        self.since_seen[entity] = since
        items = list(self.catalogue.objects.get(entity, {}).values())
        if since is not None:
            cut = since - overlap
            items = sorted(
                (o for o in items if datetime.fromisoformat(o["@self"]["updated"]) >= cut),
                key=lambda o: o["@self"]["updated"],
                reverse=True,
            )
        requests = 0
        chunks = [items[i : i + self.page_size] for i in range(0, len(items), self.page_size)] or [[]]
        for number, chunk in enumerate(chunks, start=1):
            requests += 1
            self.stats.requests += 1
            if self.fail_at == (entity, number):
                raise RemoteUnavailable(
                    "catalogue answered 503 after 5 retries", service="catalogue", status=503
                )
            skipped = self.skipped.get(entity, []) if number == 1 else []
            yield Page([to_record(entity, dict(o)) for o in chunk], skipped, number)
        self._listings[entity] = Listing(
            complete=entity not in self.incomplete,
            total_reported=len(items),
            seen=len(items),
            requests=requests,
        )

    def listing(self, entity: str) -> Listing:
        return self._listings[entity]
