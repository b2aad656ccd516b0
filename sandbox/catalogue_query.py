"""Query-string semantics of the OpenRegister objects API: parameter parsing, filters, search and ordering.

Pure functions over plain dicts; ``sandbox.catalogue`` holds the objects and calls these. The behaviour
follows /work/shared/reference/catalogue-api.md §5 (v0.2.7 = "range" mode, 2026 magic mapper = "exact").
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "DATE_META",
    "META_FIELDS",
    "RESERVED",
    "Filter",
    "Query",
    "parse_query",
    "parse_datetime",
    "compile_search",
    "sort_key",
    "matches",
    "search_text",
    "MISSING",
]

# Metadata columns routed into @self even when written bare (S11 SearchQueryHandler, S12).
META_FIELDS = frozenset(
    {
        "id",
        "uuid",
        "register",
        "schema",
        "organisation",
        "owner",
        "application",
        "name",
        "created",
        "updated",
        "deleted",
        "published",
        "depublished",
    }
)
DATE_META = frozenset({"created", "updated", "published", "depublished", "deleted"})
OPERATORS = frozenset(
    {
        "===",
        "eq",
        "ne",
        "gt",
        "lt",
        "gte",
        "lte",
        "~",
        "^",
        "$",
        "exists",
        "empty",
        "null",
        "or",
        "and",
        "like",
    }
)
RESERVED = frozenset(
    {
        "_limit",
        "_page",
        "_offset",
        "_order",
        "_search",
        "_fields",
        "_unset",
        "_extend",
        "_empty",
        "_source",
        "_published",
        "_filter",
        "_facets",
        "_facetable",
        "_multi",
        "_rbac",
        "_queries",
        "_count",
        "_aggregations",
        "_debug",
        "_schema",
        "_register",
    }
)
FLAGS = frozenset({"rbac", "multi", "schemas", "ordering", "_route"})  # accepted, not filters

_NAME = re.compile(r"^([^\[]*)((?:\[[^\]]*\])*)$")


@dataclass(frozen=True)
class Filter:
    """One condition: on a property path or a metadata field, with an operator and value(s)."""

    meta: bool
    path: tuple[str, ...]
    op: str  # "" = equality
    values: tuple[str, ...]
    raw_name: str


@dataclass
class Query:
    """A list request's parameters, parsed."""

    limit: int = 20
    page: int = 1
    offset: int = 0
    order: list[tuple[bool, str, bool]] = field(default_factory=list)  # (meta, field, descending)
    search: str | None = None
    fields: list[str] | None = None
    unset: list[str] = field(default_factory=list)
    extend: list[str] = field(default_factory=list)
    empty: bool = False
    published_only: bool = False
    filters: list[Filter] = field(default_factory=list)


def _split_name(name: str) -> tuple[str, list[str]]:
    """PHP's view of a parameter name: ``a.b[c][d]`` -> ("a_b", ["c", "d"])."""
    match = _NAME.match(name)
    if not match:
        return name.replace(".", "_").replace(" ", "_"), []
    base, brackets = match.group(1), match.group(2)
    parts = re.findall(r"\[([^\]]*)\]", brackets)
    return base.replace(".", "_").replace(" ", "_"), parts


def _int(value: str | None, default: int, minimum: int) -> int:
    try:
        return max(minimum, int(value)) if value not in (None, "") else default
    except ValueError:
        return default


def _csv(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _order_entry(name: str, direction: str) -> tuple[bool, str, bool]:
    descending = direction.strip().lower() == "desc"
    if name.startswith("@self."):
        return True, name[len("@self.") :], descending
    if name.startswith("@self_"):
        return True, name[len("@self_") :], descending
    if name in ("updated", "created", "uuid", "id"):
        return True, name, descending
    return False, name, descending


def _filter_from(name: str, value: str) -> Filter | None:
    base, brackets = _split_name(name)
    segments = [s for s in base.split("_")] + brackets if base else brackets
    if not segments or segments[0] == "":
        return None
    if segments[0] == "@self":
        if len(segments) < 2:
            return None
        meta, field_name, rest = True, segments[1], segments[2:]
    elif segments[0] in META_FIELDS:
        meta, field_name, rest = True, segments[0], segments[1:]
    else:
        meta, field_name, rest = False, segments[0], segments[1:]
    op = ""
    if rest and (rest[-1] in OPERATORS or rest[-1] == ""):
        op = rest[-1] if rest[-1] != "" else "and"
        rest = rest[:-1]
    path = (field_name, *rest)
    values = tuple(_csv(value)) if op in ("or", "and") and value and "," in value else (value,)
    return Filter(meta=meta, path=path, op=op, values=values, raw_name=name)


def _merge_and_lists(filters: list[Filter]) -> list[Filter]:
    """``field[]=a&field[]=b`` is one AND condition over both values."""
    result: list[Filter] = []
    index: dict[tuple[bool, tuple[str, ...]], int] = {}
    for flt in filters:
        if flt.raw_name.endswith("[]"):
            key = (flt.meta, flt.path)
            if key in index:
                old = result[index[key]]
                result[index[key]] = Filter(old.meta, old.path, "and", old.values + flt.values, old.raw_name)
                continue
            index[key] = len(result)
        result.append(flt)
    return result


def parse_query(pairs: Sequence[tuple[str, str]]) -> Query:
    """Turn the query pairs of a list request into a Query (unknown ``_x`` parameters are ignored)."""
    query = Query()
    explicit_offset: int | None = None
    filters: list[Filter] = []
    for name, value in pairs:
        base, brackets = _split_name(name)
        if base == "_order":
            query.order.extend(_parse_order(brackets, value))
        elif base == "ordering":
            for part in _csv(value):
                query.order.append(_order_entry(part.lstrip("-"), "desc" if part.startswith("-") else "asc"))
        elif base == "_limit":
            query.limit = _int(value, 20, 1)
        elif base == "_page":
            query.page = _int(value, 1, 1)
        elif base == "_offset":
            explicit_offset = _int(value, 0, 0)
        elif base == "_search":
            query.search = value or None
        elif base == "_fields":
            query.fields = _csv(value)
        elif base == "_unset":
            query.unset = _csv(value)
        elif base == "_extend":
            query.extend = _csv(value)
        elif base == "_empty":
            query.empty = value.lower() in ("true", "1", "yes")
        elif base == "_published":
            query.published_only = value.lower() in ("true", "1", "yes")
        elif base.startswith("_") or base in FLAGS:
            continue
        else:
            flt = _filter_from(name, value)
            if flt is not None:
                filters.append(flt)
    query.filters = _merge_and_lists(filters)
    if explicit_offset is not None:
        query.offset = explicit_offset
        query.page = explicit_offset // query.limit + 1
    else:
        query.offset = (query.page - 1) * query.limit
    return query


def _parse_order(brackets: list[str], value: str) -> list[tuple[bool, str, bool]]:
    if brackets:
        return [_order_entry(brackets[0], value or "asc")]
    try:
        decoded = json.loads(value)
    except ValueError:
        return []
    if isinstance(decoded, dict):
        return [_order_entry(str(k), str(v)) for k, v in decoded.items()]
    return []


def parse_datetime(value: str) -> datetime | None:
    """ISO date or date-time (with or without zone, 'T' or space) -> naive UTC; None if unparseable."""
    text = value.strip().replace(" ", "T", 1)
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed.replace(microsecond=0)


def compile_search(term: str) -> Callable[[str], bool]:
    """``_search``: every word (or "quoted phrase") must occur; ``*``/``?`` wildcards, ``^``/``$`` anchors."""
    tokens = re.findall(r'"([^"]*)"|(\S+)', term)
    patterns = []
    for phrase, word in tokens:
        raw = phrase or word
        start = raw.startswith("^")
        end = raw.endswith("$") and len(raw) > 1
        core = raw[1 if start else 0 : len(raw) - 1 if end else len(raw)]
        body = "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in core)
        patterns.append(re.compile(("^" if start else "") + body + ("$" if end else ""), re.I | re.M))

    def matches(text: str) -> bool:
        return all(p.search(text) for p in patterns)

    return matches


def sort_key(value: Any) -> tuple[int, Any]:
    """A total order over JSON values: null first, then numbers, then strings (case-insensitive)."""
    if value is None:
        return (0, 0)
    if isinstance(value, bool):
        return (1, int(value))
    if isinstance(value, int | float):
        return (1, value)
    if isinstance(value, datetime):
        return (2, value.isoformat())
    if isinstance(value, str):
        return (2, value.casefold())
    return (3, json.dumps(value, sort_keys=True))


MISSING: Any = object()
_TRUE = ("true", "1", "yes", "")


def search_text(props: dict[str, Any]) -> str:
    """The text ``_search`` looks at: every string property (and strings in lists), one per line."""
    parts: list[str] = []
    for value in props.values():
        if isinstance(value, str):
            parts.append(value)
        elif isinstance(value, list):
            parts.extend(item for item in value if isinstance(item, str))
    return "\n".join(parts)


def _lookup(props: dict[str, Any], path: tuple[str, ...]) -> Any:
    current: Any = props
    for part in path:
        if isinstance(current, dict) and part in current:
            current = current[part]
        else:
            return MISSING
    return current


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _equal(value: Any, wanted: str) -> bool:
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return float(wanted) == float(value)
        except ValueError:
            return False
    return _scalar_text(value).casefold() == wanted.casefold()


def _compare(value: Any, wanted: str, op: str) -> bool:
    left: Any
    right: Any
    try:
        left, right = float(value), float(wanted)
    except (TypeError, ValueError):
        left, right = _scalar_text(value).casefold(), wanted.casefold()
    if op == "gt":
        return bool(left > right)
    if op == "gte":
        return bool(left >= right)
    if op == "lt":
        return bool(left < right)
    return bool(left <= right)


def _scalar_match(value: Any, op: str, values: tuple[str, ...]) -> bool:
    wanted = values[0] if values else ""
    if op in ("", "eq"):
        return _equal(value, wanted)
    if op == "===":
        return _scalar_text(value) == wanted
    if op in ("gt", "gte", "lt", "lte"):
        return _compare(value, wanted, op)
    text = _scalar_text(value).casefold()
    if op in ("~", "like"):
        return wanted.casefold().strip("%") in text
    if op == "^":
        return text.startswith(wanted.casefold())
    if op == "$":
        return text.endswith(wanted.casefold())
    if op == "or":
        return any(_equal(value, w) for w in values)
    if op == "and":
        return all(_equal(value, w) for w in values)
    return False


def _is_empty(value: Any) -> bool:
    return value is MISSING or value is None or value in ("", [], {})


def _match_value(op: str, value: Any, values: tuple[str, ...]) -> bool:
    flag = (values[0] if values else "").lower() in _TRUE
    if op == "exists":
        return (value is not MISSING and value is not None) == flag
    if op == "null":
        return (value is MISSING or value is None) == flag
    if op == "empty":
        return _is_empty(value) == flag
    if value is MISSING or value is None:
        return False
    if isinstance(value, list):
        if op == "and":
            return all(any(_equal(item, w) for item in value) for w in values)
        if op == "ne":
            return not any(_equal(item, values[0]) for item in value)
        return any(_scalar_match(item, op, values) for item in value)
    if op == "ne":
        return not _equal(value, values[0] if values else "")
    return _scalar_match(value, op, values)


def _match_date(value: datetime | None, op: str, values: tuple[str, ...], exact: bool) -> bool:
    if op in ("exists", "null", "empty"):
        return _match_value(op, value, values)
    if value is None:
        return False
    wanted = [parse_datetime(v) for v in values]
    if exact or op in ("", "eq", "or", "==="):
        # 2026 magic mapper: any array value becomes ``IN (...)``, an exact match
        return value in wanted
    target = wanted[0]
    if target is None:
        return False
    if op == "ne":
        return value != target
    if op == "gt":
        return value > target
    if op == "gte":
        return value >= target
    if op == "lt":
        return value < target
    if op == "lte":
        return value <= target
    return False


def matches(flt: Filter, props: dict[str, Any], meta: dict[str, Any], *, exact_meta: bool = False) -> bool:
    """Does one object (its properties and @self metadata) satisfy ``flt``?"""
    if not flt.meta:
        return _match_value(flt.op, _lookup(props, flt.path), flt.values)
    name = "uuid" if flt.path[0] == "id" else flt.path[0]
    value = meta.get(name, MISSING)
    if name in DATE_META:
        return _match_date(None if value is MISSING else value, flt.op, flt.values, exact_meta)
    if exact_meta and flt.op not in ("", "eq", "or", "exists", "null", "empty"):
        return value is not MISSING and value is not None and _equal(value, flt.values[0])
    return _match_value(flt.op, value, flt.values)
