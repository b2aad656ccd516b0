"""The stored catalogue objects of the sandbox and how the objects API renders them (``@self`` included).

``_Stored`` is one immutable object version; ``render`` turns it into what OpenRegister serves, for the
v0.2.x generation (``legacy=True``: ``published``/``depublished`` in ``@self``) or v1.0.x (2026 keys, and
with ``strip_empty`` nulls, ``""``, ``[]`` and ``{}`` left out recursively, inside ``@self`` too, as
catalogue-api.md §8 reads the source). ``public`` is the schema RBAC rule for group ``public``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sandbox.catalogue_query import Query
from sandbox.server import encode_json

__all__ = [
    "API_PREFIXES",
    "REGISTER",
    "REGISTER_ID",
    "SCHEMA_IDS",
    "SCHEMAS",
    "Clock",
    "is_empty",
    "iso",
    "public",
    "render",
    "strip_empty",
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


def iso(value: datetime | None) -> str | None:
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
    # plain rendering as JSON bytes per generation, and the v1.0.x rendering with empties stripped.
    _json_legacy: bytes | None = field(default=None, init=False, repr=False, compare=False)
    _json_current: bytes | None = field(default=None, init=False, repr=False, compare=False)
    _json_stripped: bytes | None = field(default=None, init=False, repr=False, compare=False)

    def encoded(self, legacy: bool, *, stripped: bool = False) -> bytes:
        """``render(self, legacy=..., strip_empty=stripped)`` encoded as ``Response.json`` does; memoised."""
        name = "_json_stripped" if stripped else "_json_legacy" if legacy else "_json_current"
        cached: bytes | None = getattr(self, name)
        if cached is None:
            cached = encode_json(render(self, legacy=legacy, strip=stripped))
            object.__setattr__(self, name, cached)
        return cached

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


def is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def render(
    obj: _Stored,
    *,
    legacy: bool = True,
    query: Query | None = None,
    strip: bool = False,
    lookup: Callable[[str], _Stored | None] | None = None,
) -> dict[str, Any]:
    """The object as the API serves it: ``id``, properties, ``@self``.

    ``strip``: leave out empty values at any depth, ``@self`` included (v1.0.x without ``_empty=true``).
    """
    props = dict(obj.props)
    if query is not None:
        if query.fields is not None:
            props = {k: v for k, v in props.items() if k in query.fields}
        for name in query.unset:
            props.pop(name, None)
        if query.extend and lookup is not None:
            props = _extend(props, query.extend, lookup, legacy)
    body = {"id": obj.id, **props, "@self": _self_block(obj, legacy)}
    return strip_empty(body) if strip else body


def strip_empty(value: Any) -> Any:
    """``value`` without null, "", [] and {} at any depth (a container emptied so is dropped too)."""
    if isinstance(value, dict):
        kept = {k: strip_empty(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if not is_empty(v)}
    if isinstance(value, list):
        return [item for item in (strip_empty(v) for v in value) if not is_empty(item)]
    return value


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
        "updated": iso(obj.updated),
        "created": iso(obj.created),
    }
    if legacy:
        block["published"] = iso(obj.published)
        block["depublished"] = None
    else:
        for key in ("tmlo", "source", "mail", "contacts", "notes", "todos", "calendar", "talk", "deck"):
            block[key] = None if key == "source" else []
    block["deleted"] = obj.deleted
    return block


def public(obj: _Stored) -> bool:
    """What an anonymous caller may see (schema RBAC for group ``public``, catalogue-api.md §5.6)."""
    if obj.schema == "organisatie":
        return str(obj.props.get("status", "")).casefold() == "actief"
    if obj.schema == "module":
        return str(obj.props.get("geregistreerdDoor", "")).casefold() == "leverancier"
    if obj.schema == "koppeling":
        return obj.published is not None
    return False
