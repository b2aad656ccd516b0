"""The content hash a sync compares to tell a changed catalogue object from an unchanged one.

`content_hash(raw)` = sha256 over canonical JSON (sorted keys, no whitespace) of the raw object with
volatile parts removed: every `@self` key except those in KEPT_SELF_KEYS (so `updated`, `version`, `size`,
`description` (falls back to the internal db id), `register`/`schema` (numeric ids per installation),
`name`, `relations`, `files`, ... do not count), and empty values (null, "", [], {}) at any depth, because
2026 servers strip them and older ones send them.
"""

from __future__ import annotations

import hashlib
from typing import Any

from connectors import jsoncodec

__all__ = ["KEPT_SELF_KEYS", "content_hash"]

# `@self` keys that carry meaning (soft delete, ownership, publication); all other `@self` keys are volatile.
KEPT_SELF_KEYS = frozenset({"deleted", "organisation", "owner", "published", "depublished"})

_CONTAINERS = (dict, list)
_EMPTY_TYPES = (str, list, dict)


def _prune(value: Any) -> Any:
    """Drop empty values at any depth (2026 servers strip them, v0.2.7 servers send nulls)."""
    # hot path (every record of every run): recurse only into containers, test scalars inline
    if type(value) is dict:
        pruned = {}
        for key, item in value.items():
            if type(item) in _CONTAINERS:
                item = _prune(item)
            if item is None or (not item and type(item) in _EMPTY_TYPES):  # "", [], {}; not 0 or False
                continue
            pruned[key] = item
        return pruned
    if type(value) is list:
        return [_prune(item) if type(item) in _CONTAINERS else item for item in value]
    return value


def content_hash(raw: dict[str, Any]) -> str:
    """sha256 hex of the normalised raw object (see the module docstring for what is left out)."""
    body = {k: v for k, v in raw.items() if k != "@self"}
    meta = raw.get("@self")
    if isinstance(meta, dict):
        kept = {k: meta[k] for k in KEPT_SELF_KEYS if k in meta}
        if kept:
            body["@self"] = kept
    return hashlib.sha256(jsoncodec.dumps_canonical(_prune(body))).hexdigest()
