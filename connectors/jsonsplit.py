"""A listing body that no decoder reads whole, cut into its objects so only the broken ones are lost.

The fast decoders fail a whole body for one bad object: nesting beyond orjson's 1024 levels (and the
standard library's recursion limit), or a syntax error inside one object. `split_listing` finds the
objects of the top-level `results` array by their brackets (strings skipped with their escapes, so
brackets inside text do not count) and decodes each alone; an object that still cannot be decoded
becomes a stand-in `{UNDECODABLE_KEY: reason, "id": ...}` that the catalogue mapping reports as a skipped
record. A body whose brackets do not balance is cut short (truncated): that stays an error, retried.
Only called after the whole-body decode failed, so its speed matters little.
"""

from __future__ import annotations

import re
from typing import Any

from connectors import jsoncodec

__all__ = ["UNDECODABLE_KEY", "split_listing"]

UNDECODABLE_KEY = "@swc-undecodable"  # never an OpenRegister key ("@self" is its only "@" key)
_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)
_ID = re.compile(rb'"id"\s*:\s*"([0-9A-Fa-f-]{36})"')
_RESULTS = b'"results"'


def split_listing(data: bytes) -> dict[str, Any]:
    """The listing body with its `results` decoded object by object; ValueError when it is not JSON."""
    bounds = _results_bounds(data)
    if bounds is None:
        raise ValueError("not a JSON listing (truncated or without a `results` array)")
    start, end, objects = bounds
    envelope = jsoncodec.loads_lenient(data[: start + 1] + data[end:])
    if not isinstance(envelope, dict):
        raise ValueError("the listing is not a JSON object")
    envelope["results"] = [_one(data[a:b]) for a, b in objects]
    return envelope


def _results_bounds(data: bytes) -> tuple[int, int, list[tuple[int, int]]] | None:
    """(offset of `[`, offset of `]`, [(start, end) of each object]) of the top-level `results`."""
    depth, key, start, end, opened = 0, b"", -1, -1, -1
    objects: list[tuple[int, int]] = []
    for token in _TOKEN.finditer(data):
        text = token.group()
        if text[:1] == b'"':
            if depth == 1:
                key = text
            continue
        if text in (b"[", b"{"):
            if depth == 1 and text == b"[" and key == _RESULTS and start < 0:
                start = token.start()
            elif depth == 2 and start >= 0 and end < 0 and text == b"{":
                opened = token.start()
            depth += 1
            continue
        depth -= 1
        if depth < 0:
            return None
        if depth == 2 and opened >= 0 and end < 0:
            objects.append((opened, token.end()))
            opened = -1
        elif depth == 1 and start >= 0 and end < 0:
            end = token.start()
    if depth != 0 or start < 0 or end < 0:
        return None
    return start, end, objects


def _one(text: bytes) -> Any:
    try:
        return jsoncodec.loads_lenient(text)
    except (ValueError, RecursionError) as exc:
        found = _ID.search(text)
        reason = "nested too deep to decode" if isinstance(exc, RecursionError) else "not valid JSON"
        return {UNDECODABLE_KEY: reason, "id": found.group(1).decode() if found else None}
