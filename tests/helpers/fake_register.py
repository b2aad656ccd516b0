"""An in-memory OpenRegister objects API for connector unit tests (an httpx.MockTransport handler)."""

from __future__ import annotations

import asyncio
import math
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

PREFIX = "/index.php/apps/openregister/api/objects/voorzieningen/"
T0 = datetime(2025, 6, 1, tzinfo=UTC)


def make_object(n: int, *, updated: datetime | None = None, **fields: Any) -> dict[str, Any]:
    """Organisation number `n`, created n minutes after T0."""
    object_id = str(uuid.UUID(int=n + 1))
    created = T0 + timedelta(minutes=n)
    return {"id": object_id, "naam": f"Org {n}", "type": "Gemeente", **fields,
            "@self": {"id": object_id, "created": created.isoformat(),
                      "updated": (updated or created).isoformat()}}


class FakeRegister:
    """Serves `objects[schema]` with real paging and `_order`, plus a broken `next` link as v0.2.7 does.

    `fault(request, page)` may return a response to send instead (5xx, 429, a cut body...).
    `before_page(page)` runs before a page is served, e.g. to delete or add objects mid-listing.
    """

    def __init__(self, objects: dict[str, list[dict[str, Any]]], *, delay: float = 0.0) -> None:
        self.objects = objects
        self.delay = delay
        self.requests: list[httpx.Request] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.fault: Callable[[httpx.Request, int], httpx.Response | None] | None = None
        self.before_page: Callable[[int], None] | None = None

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def pages_requested(self) -> list[int]:
        return [int(r.url.params.get("_page", "1")) for r in self.requests]

    async def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.delay:
                await asyncio.sleep(self.delay)
            return self.respond(request)
        finally:
            self.in_flight -= 1

    def respond(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if not path.startswith(PREFIX):
            return httpx.Response(404, json={"message": "Register not found"})
        schema, _, object_id = path[len(PREFIX):].partition("/")
        if schema not in self.objects:
            return httpx.Response(404, json={"message": f"Schema {schema} not found"})
        if object_id:
            found = [o for o in self.objects[schema] if o["id"] == object_id]
            if not found:
                return httpx.Response(404, json={"error": "Not Found"})
            return httpx.Response(200, json=found[0])
        page = int(request.url.params.get("_page", "1"))
        if self.fault and (response := self.fault(request, page)) is not None:
            return response
        if self.before_page:
            self.before_page(page)
        return httpx.Response(200, json=self.listing(schema, request.url.params, page))

    def listing(self, schema: str, params: httpx.QueryParams, page: int) -> dict[str, Any]:
        rows = list(self.objects[schema])
        if "page" in params:  # v0.2.7: `page` is a property filter, so a followed `next` finds nothing
            rows = [r for r in rows if str(r.get("page")) == params["page"]]
        orders = [(k[len("_order["):-1], v) for k, v in params.multi_items() if k.startswith("_order[")]
        for key, direction in reversed(orders):
            rows.sort(key=lambda r, key=key: sort_key(r, key), reverse=direction == "desc")
        limit = int(params.get("_limit", "20"))
        total = len(rows)
        pages = max(1, math.ceil(total / limit))
        base = f"{PREFIX}{schema}?_limit={limit}&_page={page}"
        return {"results": rows[(page - 1) * limit: page * limit], "total": total, "page": page,
                "pages": pages, "limit": limit, "offset": (page - 1) * limit,
                "next": f"{base}&page={page + 1}", "prev": f"{base}&page={page - 1}"}


def sort_key(row: dict[str, Any], key: str) -> str:
    if key == "@self.uuid":
        return str(row.get("id"))
    if key.startswith("@self."):
        return str(row.get("@self", {}).get(key[len("@self."):]))
    return str(row.get(key))
