"""A tiny message catalogue for user-facing text: `t(key, lang, **kw)` with nl (default) and en.

Messages live in sync/messages/{nl,en}.json as flat `{"area.key": "text with {placeholders}"}` maps.
Add a key to BOTH files (a test checks they have the same keys and placeholders). A key missing in the
requested language falls back to nl, then to the key itself, so a missing translation never crashes.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["LANGUAGES", "DEFAULT_LANGUAGE", "t", "messages"]

LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"
MESSAGES_DIR = Path(__file__).parent / "messages"


@cache
def messages(lang: str) -> dict[str, str]:
    """All messages of one language (read once)."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; expected one of {', '.join(LANGUAGES)}")
    data: dict[str, str] = json.loads((MESSAGES_DIR / f"{lang}.json").read_text(encoding="utf-8"))
    return data


def t(key: str, lang: str = DEFAULT_LANGUAGE, **kw: Any) -> str:
    """The message `key` in `lang`, formatted with `kw`."""
    text = messages(lang if lang in LANGUAGES else DEFAULT_LANGUAGE).get(key)
    if text is None:
        text = messages(DEFAULT_LANGUAGE).get(key, key)
    return text.format(**kw) if kw else text
