"""A local OpenRegister objects API for the catalogue register ``voorzieningen``, quirks included.

``CatalogueState`` holds the objects (thread-safe, soft delete, a deterministic clock, request counters);
``create_app(state, ...)`` returns a ``sandbox.server`` app. Behaviour follows
/work/shared/reference/catalogue-api.md (§2 routes, §3 ``@self``, §5 query mechanics). The options pick the
server generation:

* ``next_links=True`` (v0.2.7, Dec 2025): envelope with ``next``/``prev`` (built with the wrong ``page=``),
  ``@self.published``/``depublished``, 404 body ``{"error": "Not Found"}``.
  ``next_links=False`` (2026): no links, response-level ``@self``, ``facets``, 404
  ``{"error": "Object with id X not found"}``, no ``published`` keys in ``@self``.
* ``updated_filter="range"`` (v0.2.7): metadata operators are ranges, unknown property filters are applied
  (and match nothing). ``"exact"`` (2026 magic mapper): ``@self[updated][gte]=X`` means ``updated IN (X)``,
  and unknown property filters give zero results plus ``@self.ignoredFilters`` and a ``hint``.
* ``strip_empty=True`` (2026): null/empty properties are left out unless ``_empty=true``.
* no ``_order``: a seeded shuffle per request (the 2026 magic mapper has no default order); ties of an
  order without a unique last key are shuffled per request as well. Always send a tie-breaker.
"""

from __future__ import annotations

import gzip
import itertools
import json
import math
import random
import re
import threading
import time
import uuid
from base64 import b64decode
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from sandbox.catalogue_query import (
    Filter,
    Query,
    compile_search,
    matches,
    parse_datetime,
    parse_query,
    search_text,
    sort_key,
)
from sandbox.faults import FaultPlan, with_faults
from sandbox.server import App, Request, Response, ServerHandle, encode_json, serve_in_thread

__all__ = [
    "API_PREFIXES",
    "REGISTER",
    "REGISTER_ID",
    "SCHEMA_IDS",
    "Clock",
    "CatalogueState",
    "create_app",
    "serve_catalogue",
    "DEFAULT_USER",
    "DEFAULT_PASSWORD",
]

API_PREFIXES = ("/index.php/apps/openregister/api", "/apps/openregister/api")
REGISTER = "voorzieningen"
REGISTER_ID = 3
SCHEMA_IDS = {  # numeric ids as in the reference examples (they differ per installation)
    "contactpersoon": 14,
    "organisatie": 15,
    "module": 25,
    "moduleVersie": 26,
    "gebruik": 27,
    "dienst": 28,
    "koppeling": 29,
}
# Fields that are schema properties on the live build although the Gen-2 file lacks them (S7 facet
# "Geregistreerd door"); the 2026 "unknown filter" rule must not reject them.
_EXTRA_PROPERTIES = {"module": {"geregistreerdDoor"}}
_DEFAULT_CLOCK = datetime(2026, 12, 1, 0, 0, 0)
_DATA = Path(__file__).resolve().parent / "data"
_CACHE_SIZE = 64


def _load_schemas() -> dict[str, dict[str, Any]]:
    raw = json.loads((_DATA / "register_schemas.json").read_text(encoding="utf-8"))
    schemas: dict[str, dict[str, Any]] = {}
    for slug in SCHEMA_IDS:
        config = raw[slug].get("configuration") or {}
        schemas[slug] = {
            "properties": set(raw[slug]["properties"]) | _EXTRA_PROPERTIES.get(slug, set()),
            "name": config.get("objectNameField"),
            "description": config.get("objectDescriptionField"),
            "summary": config.get("objectSummaryField"),
            "image": config.get("objectImageField"),
            "autoPublish": bool(config.get("autoPublish")),
            "version": raw[slug].get("version"),
        }
    return schemas


SCHEMAS = _load_schemas()


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None and value.year >= 1000:  # same text as strftime below, twice as fast
        return value.isoformat(timespec="seconds") + "+00:00"
    return value.strftime("%Y-%m-%dT%H:%M:%S+00:00")


class Clock:
    """The sandbox's notion of now (naive UTC); every mutation ticks it, so ``updated`` strictly grows."""

    def __init__(self, start: datetime = _DEFAULT_CLOCK, step: timedelta = timedelta(seconds=1)) -> None:
        self._now = start.replace(microsecond=0)
        self.step = step

    def now(self) -> datetime:
        return self._now

    def tick(self) -> datetime:
        """Advance one step and return the new now."""
        self._now += self.step
        return self._now

    def advance(self, seconds: float) -> datetime:
        self._now += timedelta(seconds=seconds)
        return self._now

    def set(self, when: datetime) -> None:
        self._now = when.replace(microsecond=0, tzinfo=None)


@dataclass(frozen=True)
class _Stored:
    id: str
    schema: str
    props: dict[str, Any]
    created: datetime
    updated: datetime
    published: datetime | None
    owner: str
    organisation: str | None
    version: str
    dbid: int
    size: int
    deleted: dict[str, Any] | None = None
    # Memo of what never changes for this frozen instance (every mutation in CatalogueState builds a new
    # _Stored via _build or dataclasses.replace, which leaves init=False fields at their defaults): the
    # plain rendering as JSON bytes per generation, and whether strip-empty would drop a property.
    _json_legacy: bytes | None = field(default=None, init=False, repr=False, compare=False)
    _json_current: bytes | None = field(default=None, init=False, repr=False, compare=False)
    _has_empty: bool | None = field(default=None, init=False, repr=False, compare=False)

    def encoded(self, legacy: bool) -> bytes:
        """``render(self, legacy=legacy)`` encoded as ``Response.json`` does; computed once per generation."""
        name = "_json_legacy" if legacy else "_json_current"
        cached: bytes | None = getattr(self, name)
        if cached is None:
            cached = encode_json(render(self, legacy=legacy))
            object.__setattr__(self, name, cached)
        return cached

    def has_empty(self) -> bool:
        """Whether strip-empty would leave out a property (then the plain bytes do not apply)."""
        if self._has_empty is None:
            object.__setattr__(self, "_has_empty", any(_is_empty(v) for v in self.props.values()))
        return bool(self._has_empty)

    def meta(self) -> dict[str, Any]:
        return {
            "uuid": self.id,
            "register": str(REGISTER_ID),
            "schema": str(SCHEMA_IDS[self.schema]),
            "organisation": self.organisation,
            "owner": self.owner,
            "application": None,
            "name": _object_name(self),
            "created": self.created,
            "updated": self.updated,
            "published": self.published,
            "depublished": None,
            "deleted": None,
        }


def _object_name(obj: _Stored) -> str:
    value = obj.props.get(SCHEMAS[obj.schema]["name"] or "")
    return value if isinstance(value, str) and value else obj.id


def _split_self(obj: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    props = {k: v for k, v in obj.items() if k not in ("@self", "id")}
    meta = obj.get("@self") or {}
    return props, dict(meta) if isinstance(meta, Mapping) else {}


def _default_tenant(schema: str, props: Mapping[str, Any], object_id: str) -> str | None:
    key = {
        "organisatie": None,
        "contactpersoon": "organisatie",
        "module": "aanbieder",
        "gebruik": "afnemer",
        "koppeling": "aanbieder",
    }.get(schema)
    if schema == "organisatie":
        return object_id
    value = props.get(key) if key else None
    return value if isinstance(value, str) else None


def _bump(version: str) -> str:
    parts = version.split(".")
    if len(parts) == 3 and all(p.isdigit() for p in parts):
        return f"{parts[0]}.{parts[1]}.{int(parts[2]) + 1}"
    return "0.0.1"


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
                "deleted": _iso(when),
                "deletedBy": by,
                "deletedReason": None,
                "retentionPeriod": 30,
                "purgeDate": _iso(when + timedelta(days=30)),
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


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def render(
    obj: _Stored,
    *,
    legacy: bool = True,
    query: Query | None = None,
    strip_empty: bool = False,
    lookup: Callable[[str], _Stored | None] | None = None,
) -> dict[str, Any]:
    """The object as the API serves it: ``id``, properties, ``@self``."""
    props = dict(obj.props)
    if query is not None:
        if query.fields is not None:
            props = {k: v for k, v in props.items() if k in query.fields}
        for name in query.unset:
            props.pop(name, None)
        if strip_empty and not query.empty:
            props = {k: v for k, v in props.items() if not _is_empty(v)}
        if query.extend and lookup is not None:
            props = _extend(props, query.extend, lookup, legacy)
    return {"id": obj.id, **props, "@self": _self_block(obj, legacy)}


def _extend(
    props: dict[str, Any], names: list[str], lookup: Callable[[str], _Stored | None], legacy: bool
) -> dict[str, Any]:
    def inline(value: Any) -> Any:
        if isinstance(value, str):
            found = lookup(value)
            return render(found, legacy=legacy) if found is not None else value
        if isinstance(value, list):
            return [inline(item) for item in value]
        return value

    return {k: inline(v) if k in names else v for k, v in props.items()}


def _self_block(obj: _Stored, legacy: bool) -> dict[str, Any]:
    config = SCHEMAS[obj.schema]
    description = obj.props.get(config["description"] or "")
    summary = obj.props.get(config["summary"] or "")
    image = obj.props.get(config["image"] or "")
    block: dict[str, Any] = {
        "id": obj.id,
        "slug": None,
        "name": _object_name(obj),
        "description": description if isinstance(description, str) and description else obj.dbid,
        "summary": summary if isinstance(summary, str) else None,
        "image": image if isinstance(image, str) else None,
        "uri": None,
        "version": obj.version,
        "register": str(REGISTER_ID),
        "schema": str(SCHEMA_IDS[obj.schema]),
        "schemaVersion": None,
        "files": [],
        "relations": [],
        "locked": None,
        "owner": obj.owner,
        "organisation": obj.organisation,
        "groups": [],
        "authorization": [],
        "folder": None,
        "application": None,
        "validation": [],
        "geo": [],
        "retention": [],
        "size": str(obj.size),
        "updated": _iso(obj.updated),
        "created": _iso(obj.created),
    }
    if legacy:
        block["published"] = _iso(obj.published)
        block["depublished"] = None
    else:
        for key in ("tmlo", "source", "mail", "contacts", "notes", "todos", "calendar", "talk", "deck"):
            block[key] = None if key == "source" else []
    block["deleted"] = obj.deleted
    return block


# -- the HTTP app ---------------------------------------------------------------------------------


def _public(obj: _Stored) -> bool:
    """What an anonymous caller may see (schema RBAC for group ``public``, catalogue-api.md §5.6)."""
    if obj.schema == "organisatie":
        return str(obj.props.get("status", "")).casefold() == "actief"
    if obj.schema == "module":
        return str(obj.props.get("geregistreerdDoor", "")).casefold() == "leverancier"
    if obj.schema == "koppeling":
        return obj.published is not None
    return False


@dataclass(frozen=True)
class _Options:
    users: Mapping[str, str]
    anonymous: bool
    exact: bool
    legacy: bool
    strip_empty: bool
    shuffle_seed: int


def _resolve_schema(register: str, schema: str) -> tuple[str | None, str | None]:
    """(schema slug, error message) for a register/schema given by slug or numeric id."""
    if register not in (REGISTER, str(REGISTER_ID)):
        return None, f"Register not found: {register}"
    for slug, number in SCHEMA_IDS.items():
        if schema in (slug, str(number)):
            return slug, None
    return None, f"Schema not found: {schema}"


def _caller(request: Request, users: Mapping[str, str]) -> str | None | Literal[False]:
    """The user name, None for anonymous, or False for wrong credentials."""
    header = request.header("authorization")
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        user, _, password = b64decode(value.strip()).decode("utf-8").partition(":")
    except (ValueError, UnicodeDecodeError):
        return False
    return user if user in users and users[user] == password else False


def _route(path: str) -> list[str] | None:
    for prefix in API_PREFIXES:
        if path.startswith(prefix + "/"):
            return [part for part in path[len(prefix) :].split("/") if part]
    return None


_RESULTS_PREFIX = b'{"results":[]'  # how encode_json starts an envelope whose results are empty


class _CatalogueApp:
    def __init__(self, state: CatalogueState, options: _Options, *, byte_cache: bool = True) -> None:
        self.state = state
        self.options = options
        self.serial = itertools.count()
        # False: every list page is rendered and encoded as a whole (the reference path the tests
        # compare the cached byte path against).
        self.byte_cache = byte_cache

    def __call__(self, request: Request) -> Response:
        parts = _route(request.path)
        if parts is None:
            return Response.json({"message": "Page not found"}, status=404)
        caller = _caller(request, self.options.users)
        if caller is False or (caller is None and not self.options.anonymous):
            return Response.json({"message": "Current user is not logged in"}, status=401)
        if request.method not in ("GET", "HEAD"):
            return Response.json({"error": "Method not allowed in the sandbox"}, status=405)
        if parts and parts[0] == "registers":
            return self._registers()
        if len(parts) not in (3, 4) or parts[0] != "objects":
            return Response.json({"message": "Page not found"}, status=404)
        schema, error = _resolve_schema(parts[1], parts[2])
        if schema is None:
            return Response.json({"message": error}, status=404)
        if len(parts) == 4:
            return self._show(schema, parts[3], anonymous=caller is None)
        return self._index(request, schema, anonymous=caller is None)

    def _registers(self) -> Response:
        register = {
            "id": REGISTER_ID,
            "slug": REGISTER,
            "title": "Voorzieningen",
            "version": "2.0.0",
            "schemas": [
                {"id": n, "slug": s, "version": SCHEMAS[s]["version"]} for s, n in SCHEMA_IDS.items()
            ],
        }
        return Response.json({"results": [register], "total": 1})

    def _show(self, schema: str, object_id: str, *, anonymous: bool) -> Response:
        with self.state.lock:
            stored = self.state._objects[schema].get(object_id.lower())
            if stored is None or stored.deleted:
                body = (
                    {"error": "Not Found"}
                    if self.options.legacy
                    else {"error": f"Object with id {object_id} not found"}
                )
                return Response.json(body, status=404)
            if anonymous and not _public(stored):
                return Response.json({"error": "You do not have permission to view this object"}, status=403)
            if not self.byte_cache:
                return Response.json(render(stored, legacy=self.options.legacy))
            return Response.json_bytes(stored.encoded(self.options.legacy))

    def _index(self, request: Request, schema: str, *, anonymous: bool) -> Response:
        started = time.perf_counter()
        query = parse_query(request.query)
        known = SCHEMAS[schema]["properties"]
        ignored = [f for f in query.filters if not f.meta and f.path[0] not in known]
        zero = self.options.exact and bool(ignored)
        visible: Callable[[_Stored], bool] = _public if anonymous else (lambda _o: True)
        key = (
            anonymous,
            tuple(query.filters),
            query.search,
            tuple(query.order),
            self.options.exact,
            query.published_only,
        )
        with self.state.lock:
            found, keys = (
                ([], [])
                if zero
                else self.state._listing(
                    schema,
                    visible,
                    query.filters,
                    query.search,
                    query.order,
                    self.options.exact,
                    query.published_only,
                    key,
                )
            )
            page = self._page(found, keys, query)
            parts = self._encoded(page, query) if self.byte_cache else []
            results = [] if self.byte_cache else [self._render(o, query) for o in page]
        total = len(found)
        ignored = ignored if self.options.exact else []
        if not self.byte_cache:
            body = self._envelope(request, query, results, total, ignored, started)
            return self._respond(request, Response.json(body), len(results))
        # The envelope with empty results, then the page's object bytes spliced in as "results" (the
        # first key): byte for byte what encode_json(envelope with the rendered results) gives.
        envelope = encode_json(self._envelope(request, query, [], total, ignored, started))
        if not envelope.startswith(_RESULTS_PREFIX):  # pragma: no cover - _envelope puts results first
            raise AssertionError("list envelope must start with results")
        spliced = b'{"results":[' + b",".join(parts) + b"]" + envelope[len(_RESULTS_PREFIX) :]
        return self._respond(request, Response.json_bytes(spliced), len(parts))

    def _render(self, obj: _Stored, query: Query) -> dict[str, Any]:
        return render(
            obj,
            legacy=self.options.legacy,
            query=query,
            strip_empty=self.options.strip_empty,
            lookup=self.state._find,
        )

    def _encoded(self, page: list[_Stored], query: Query) -> list[bytes]:
        """Each object's JSON bytes; the plain rendering comes from the object's memo (call under the lock).

        Plain: no ``_fields``/``_unset``/``_extend``, and strip-empty off, overridden by ``_empty=true``, or
        with nothing to strip in that object. Anything else is rendered per request, as ``_extend`` reads
        other objects and the rest depends on the query.
        """
        legacy = self.options.legacy
        if query.fields is not None or query.unset or query.extend:
            return [encode_json(self._render(o, query)) for o in page]
        if not (self.options.strip_empty and not query.empty):
            return [o.encoded(legacy) for o in page]
        return [encode_json(self._render(o, query)) if o.has_empty() else o.encoded(legacy) for o in page]

    def _page(self, found: list[_Stored], keys: list[Any], query: Query) -> list[_Stored]:
        rng = random.Random(f"{self.options.shuffle_seed}:{next(self.serial)}")
        start, stop = query.offset, query.offset + query.limit
        if not query.order:
            shuffled = list(found)
            rng.shuffle(shuffled)
            return shuffled[start:stop]
        if _unique_last(query.order):
            return found[start:stop]
        return _window(found, keys, start, stop, rng)

    def _envelope(
        self,
        request: Request,
        query: Query,
        results: list[dict[str, Any]],
        total: int,
        ignored: list[Filter],
        started: float,
    ) -> dict[str, Any]:
        pages = max(1, math.ceil(total / query.limit))
        body: dict[str, Any] = {
            "results": results,
            "total": total,
            "page": query.page,
            "pages": pages,
            "limit": query.limit,
            "offset": query.offset,
        }
        if self.options.legacy:
            base = request.path + ("?" + request.raw_query if request.raw_query else "")
            joiner = "&" if request.raw_query else "?"
            if query.page < pages:
                body["next"] = f"{base}{joiner}page={query.page + 1}"
            if query.page > 1:
                body["prev"] = f"{base}{joiner}page={query.page - 1}"
            return body
        body["facets"] = []
        meta: dict[str, Any] = {
            "source": "database",
            "query": dict(request.query),
            "rbac": True,
            "multi": True,
            "metrics": {"total_ms": round((time.perf_counter() - started) * 1000, 2)},
        }
        if ignored:
            names = [f.raw_name for f in ignored]
            meta["ignoredFilters"] = names
            suggestions = [
                f"_{n}"
                for n in names
                if f"_{n}" in {"_page", "_limit", "_offset", "_order", "_search", "_fields", "_extend"}
            ]
            meta["hint"] = f"Unknown filter(s) {', '.join(names)} matched no schema property." + (
                f" Did you mean {', '.join(suggestions)}?" if suggestions else ""
            )
        body["@self"] = meta
        return body

    def _respond(self, request: Request, response: Response, count: int) -> Response:
        accepts = request.header("accept-encoding") or ""
        if count > 10 and re.search(r"\bgzip\b", accepts):
            # Level 1: any level decodes to the same bytes, so clients cannot tell. On the real service
            # compression runs on VNG's machine; here it would run on the benchmark client's cores.
            response.body = gzip.compress(response.body, compresslevel=1)
            response.headers += [("Content-Encoding", "gzip"), ("Vary", "Accept-Encoding")]
        return response


def create_app(
    state: CatalogueState,
    *,
    users: Mapping[str, str] | None = None,
    anonymous: bool = False,
    updated_filter: Literal["range", "exact"] = "range",
    next_links: bool = True,
    strip_empty: bool = False,
    faults: FaultPlan | None = None,
    shuffle_seed: int = 0,
) -> App:
    """The objects API over ``state``; see the module docstring for what each option switches."""
    if updated_filter not in ("range", "exact"):
        raise ValueError(f"updated_filter must be 'range' or 'exact', not {updated_filter!r}")
    options = _Options(
        users=dict(users if users is not None else {DEFAULT_USER: DEFAULT_PASSWORD}),
        anonymous=anonymous,
        exact=updated_filter == "exact",
        legacy=next_links,
        strip_empty=strip_empty,
        shuffle_seed=shuffle_seed,
    )
    inner = with_faults(_CatalogueApp(state, options), faults)

    def app(request: Request) -> Response:
        state.count_request(request.method, request.path)
        return inner(request)

    return app


DEFAULT_USER = "beheer"
DEFAULT_PASSWORD = "sandbox-app-password"


def serve_catalogue(
    dataset: Any = None,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    faults: FaultPlan | None = None,
    **app_options: Any,
) -> tuple[ServerHandle, CatalogueState]:
    """Start the catalogue sandbox over ``dataset`` in a background thread; returns (handle, state)."""
    state = CatalogueState(dataset)
    handle = serve_in_thread(create_app(state, faults=faults, **app_options), host=host, port=port)
    return handle, state
