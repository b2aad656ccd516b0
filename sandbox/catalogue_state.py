"""The sandbox catalogue's objects per schema: loading, mutation (soft delete, a ticking clock) and listing.

``CatalogueState`` is thread-safe (one re-entrant lock); listings are cached per schema version and query.
"""

from __future__ import annotations

import itertools
import json
import random
import threading
import uuid
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sandbox.catalogue_objects import (
    SCHEMA_IDS,
    SCHEMAS,
    Clock,
    _bump,
    _default_tenant,
    _object_name,
    _split_self,
    _Stored,
    iso,
    render,
)
from sandbox.catalogue_query import Filter, compile_search, matches, parse_datetime, search_text, sort_key

__all__ = ["CatalogueState"]

_CACHE_SIZE = 64


class CatalogueState:
    """The objects per schema, a deterministic clock, request counters; safe to use from many threads."""

    def __init__(self, dataset: Any = None, *, clock: Clock | None = None, seed: int = 0) -> None:
        self.clock = clock or Clock()
        self.lock = threading.RLock()
        self._objects: dict[str, dict[str, _Stored]] = {slug: {} for slug in SCHEMA_IDS}
        self._index: dict[str, str] = {}  # uuid -> schema
        self._versions: Counter[str] = Counter()
        self._next_dbid = itertools.count(1)
        self._rng = random.Random(seed)
        self.request_count = 0
        self.path_counts: Counter[tuple[str, str]] = Counter()
        self.cache: OrderedDict[Any, tuple[list[_Stored], list[Any]]] = OrderedDict()
        if dataset is not None:
            self.load(dataset)

    # -- loading and mutation -------------------------------------------------------------------
    def load(self, dataset: Any) -> None:
        """Replace all objects by a dataset (``Dataset``, a data-file dict, or ``{schema: [objects]}``)."""
        objects = getattr(dataset, "objects", None)
        if objects is None and isinstance(dataset, Mapping):
            objects = dataset.get("objects", dataset)
        if not isinstance(objects, Mapping):
            raise TypeError("dataset must have .objects or be a mapping of schema -> list of objects")
        with self.lock:
            self._objects = {slug: {} for slug in SCHEMA_IDS}
            self._index.clear()
            latest = self.clock.now()
            for schema, items in objects.items():
                self._check_schema(schema)
                for item in items:
                    stored = self._build(schema, item, mutation_time=None)
                    self._put(stored)
                    latest = max(latest, stored.updated, stored.created)
            self.clock.set(latest)
            self._versions.update(SCHEMA_IDS.keys())
            self.cache.clear()

    def add(self, schema: str, obj: Mapping[str, Any]) -> dict[str, Any]:
        """Create an object (``id`` generated if absent); returns it as served."""
        with self.lock:
            self._check_schema(schema)
            stored = self._build(schema, obj, mutation_time=self.clock.tick())
            if stored.id in self._index:
                raise ValueError(f"object {stored.id} already exists")
            self._put(stored)
            self._versions[schema] += 1
            return render(stored)

    def update(
        self, schema: str, object_id: str, changes: Mapping[str, Any] | None = None, **more: Any
    ) -> dict[str, Any]:
        """Change properties (``changes`` for names like ``e-mailadres``); bumps ``updated`` and version."""
        with self.lock:
            old = self._live(schema, object_id)
            props = {**old.props, **(changes or {}), **more}
            new = replace(
                old,
                props=props,
                updated=self.clock.tick(),
                version=_bump(old.version),
                size=len(json.dumps(props)),
            )
            self._objects[schema][new.id] = new
            self._versions[schema] += 1
            return render(new)

    def delete(self, schema: str, object_id: str, *, by: str = "admin") -> None:
        """Soft delete: the object vanishes from lists and single GETs answer 404."""
        with self.lock:
            old = self._live(schema, object_id)
            when = self.clock.tick()
            info = {
                "deleted": iso(when),
                "deletedBy": by,
                "deletedReason": None,
                "retentionPeriod": 30,
                "purgeDate": iso(when + timedelta(days=30)),
            }
            self._objects[schema][old.id] = replace(old, updated=when, deleted=info)
            self._versions[schema] += 1

    def get(self, schema: str, object_id: str) -> dict[str, Any] | None:
        """One live object as served, or None."""
        with self.lock:
            stored = self._objects.get(schema, {}).get(object_id.lower())
            return None if stored is None or stored.deleted else render(stored)

    def snapshot(self) -> dict[str, list[dict[str, Any]]]:
        """Every live object per schema, as served (v0.2.7 ``@self``), in creation order."""
        with self.lock:
            return {
                schema: [render(o) for o in sorted(objs.values(), key=lambda o: o.dbid) if not o.deleted]
                for schema, objs in self._objects.items()
            }

    def ids(self, schema: str) -> list[str]:
        """The uuids of the live objects of a schema."""
        with self.lock:
            return [o.id for o in self._objects[schema].values() if not o.deleted]

    # -- counters -------------------------------------------------------------------------------
    def count_request(self, method: str, path: str) -> None:
        with self.lock:
            self.request_count += 1
            self.path_counts[(method, path)] += 1

    def requests_to(self, path: str, method: str = "GET") -> int:
        """How many requests hit exactly this path (no query)."""
        with self.lock:
            return self.path_counts[(method, path)]

    def reset_counters(self) -> None:
        with self.lock:
            self.request_count = 0
            self.path_counts.clear()

    # -- internals ------------------------------------------------------------------------------
    def _check_schema(self, schema: str) -> None:
        if schema not in SCHEMA_IDS:
            raise KeyError(f"unknown schema {schema!r}; known: {', '.join(SCHEMA_IDS)}")

    def _live(self, schema: str, object_id: str) -> _Stored:
        self._check_schema(schema)
        stored = self._objects[schema].get(object_id.lower())
        if stored is None or stored.deleted:
            raise KeyError(f"no live {schema} object {object_id}")
        return stored

    def _put(self, stored: _Stored) -> None:
        self._objects[stored.schema][stored.id] = stored
        self._index[stored.id] = stored.schema

    def _build(self, schema: str, obj: Mapping[str, Any], mutation_time: datetime | None) -> _Stored:
        props, meta = _split_self(obj)
        raw_id = obj.get("id") or meta.get("id")
        object_id = str(raw_id).lower() if raw_id else self._new_id()
        now = mutation_time or self.clock.now()
        created = (parse_datetime(str(meta["created"])) if meta.get("created") else None) or now
        updated = (parse_datetime(str(meta["updated"])) if meta.get("updated") else None) or created
        if mutation_time is not None:
            created, updated = mutation_time, mutation_time
        published: datetime | None = None
        if "published" in meta:
            published = parse_datetime(str(meta["published"])) if meta["published"] else None
        elif SCHEMAS[schema]["autoPublish"]:
            published = created
        organisation = meta.get("organisation") or _default_tenant(schema, props, object_id)
        return _Stored(
            id=object_id,
            schema=schema,
            props=props,
            created=created,
            updated=updated,
            published=published,
            owner=str(meta.get("owner") or "admin"),
            organisation=organisation,
            version=str(meta.get("version") or "0.0.1"),
            dbid=next(self._next_dbid),
            size=len(json.dumps(props)),
        )

    def _new_id(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def _find(self, object_id: str) -> _Stored | None:
        schema = self._index.get(object_id.lower()) if isinstance(object_id, str) else None
        stored = self._objects[schema].get(object_id.lower()) if schema else None
        return None if stored is None or stored.deleted else stored

    def _listing(
        self,
        schema: str,
        visible: Callable[[_Stored], bool],
        filters: list[Filter],
        search: str | None,
        order: list[tuple[bool, str, bool]],
        exact: bool,
        published_only: bool,
        key: Any,
    ) -> tuple[list[_Stored], list[Any]]:
        cache_key = (schema, self._versions[schema], key)
        hit = self.cache.get(cache_key)
        if hit is not None:
            self.cache.move_to_end(cache_key)
            return hit
        found = _select(self._objects[schema].values(), visible, filters, search, exact, published_only)
        keys: list[Any] = []
        if order:
            found, keys = _sort(found, order)
        self.cache[cache_key] = (found, keys)
        if len(self.cache) > _CACHE_SIZE:
            self.cache.popitem(last=False)
        return found, keys


def _select(
    objects: Iterable[_Stored],
    visible: Callable[[_Stored], bool],
    filters: list[Filter],
    search: str | None,
    exact: bool,
    published_only: bool,
) -> list[_Stored]:
    matcher = compile_search(search) if search else None
    found = []
    for obj in sorted(objects, key=lambda o: o.dbid):
        if obj.deleted or not visible(obj) or (published_only and obj.published is None):
            continue
        if filters:
            meta = obj.meta()
            if not all(matches(f, obj.props, meta, exact_meta=exact) for f in filters):
                continue
        if matcher and not matcher(search_text(obj.props)):
            continue
        found.append(obj)
    return found


def _order_value(obj: _Stored, meta: bool, name: str) -> Any:
    if not meta:
        return obj.props.get(name)
    if name in ("uuid", "id"):
        return obj.id
    if name == "name":
        return _object_name(obj)
    return obj.meta().get(name)


def _sort(found: list[_Stored], order: list[tuple[bool, str, bool]]) -> tuple[list[_Stored], list[Any]]:
    rows = [(tuple(sort_key(_order_value(o, m, n)) for m, n, _ in order), o) for o in found]
    for position in range(len(order) - 1, -1, -1):
        rows.sort(key=lambda row: row[0][position], reverse=order[position][2])
    return [o for _, o in rows], [k for k, _ in rows]


def _unique_last(order: list[tuple[bool, str, bool]]) -> bool:
    return bool(order) and order[-1][0] and order[-1][1] in ("uuid", "id")


def _window(
    found: list[_Stored], keys: list[Any], start: int, stop: int, rng: random.Random
) -> list[_Stored]:
    """found[start:stop]; runs of equal sort keys that touch the window are shuffled (random ties)."""
    if start >= len(found):
        return []
    stop = min(stop, len(found))
    low, high = start, stop
    while low > 0 and keys[low - 1] == keys[start]:
        low -= 1
    while high < len(found) and keys[high] == keys[stop - 1]:
        high += 1
    segment, segment_keys = found[low:high], keys[low:high]
    result: list[_Stored] = []
    for _, run in itertools.groupby(zip(segment_keys, segment, strict=True), key=lambda pair: pair[0]):
        items = [obj for _, obj in run]
        rng.shuffle(items)
        result.extend(items)
    return result[start - low : stop - low]
