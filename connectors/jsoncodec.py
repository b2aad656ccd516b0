"""JSON in and out on the hot path: orjson, with the standard library as the fallback for its edge cases.

A full sync decodes, hashes and stores every object of the catalogue (53k at scale 1); the standard
library's encoder and decoder were a third of its CPU. orjson is about 5-10x faster. Where it refuses
what the standard library accepts (NaN/Infinity, UTF-16 bodies; integers beyond 64 bits when writing) the
standard library answers. One difference stays: orjson reads an integer beyond 64 bits as a float (the
standard library keeps it exact). No catalogue field holds such numbers: ids are uuids, codes are short.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

__all__ = ["loads", "loads_lenient", "dumps", "dumps_canonical"]


def loads(data: bytes | str) -> Any:
    """Decode JSON text; raises ValueError (like json.loads) when it is not JSON."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(data, parse_int=_parse_int)


_HUGE = 1 << 64  # stands in for an integer too long to convert: out of every range a reader checks


def _parse_int(text: str) -> int:
    # Python refuses to convert more than 4300 digits (a ValueError that would fail the whole body);
    # such a number becomes _HUGE, which the object's reader reports as out of range
    return int(text) if len(text) <= 40 else _HUGE


def loads_lenient(data: bytes) -> Any:
    """Decode a JSON body whose text may hold bytes that are not UTF-8, keeping the rest readable.

    Undecodable bytes become lone surrogates (U+DC80-U+DCFF, Python's "surrogateescape"), inside the
    string they were in: only the objects holding them are damaged, and the catalogue mapping skips those
    (connectors.catalogue_mapping.check_limits). Raises ValueError when the text is not JSON (truncated).
    """
    try:
        return loads(data)
    except UnicodeDecodeError:
        return json.loads(data.decode("utf-8", "surrogateescape"))


def dumps(value: Any) -> str:
    """Compact JSON text, non-ASCII kept as is (what the store keeps as raw JSON)."""
    try:
        return orjson.dumps(value).decode("utf-8")
    except TypeError:  # a big integer or a non-JSON type: the standard library handles or reports it
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def dumps_canonical(value: Any) -> bytes:
    """Canonical UTF-8 JSON for hashing: keys sorted, no whitespace.

    Equal to the standard library's `json.dumps(value, sort_keys=True, separators=(",", ":"),
    ensure_ascii=False)` for every value except floats in exponent notation (orjson writes 1e16 where
    Python writes 1e+16).
    """
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
        return text.encode("utf-8")
