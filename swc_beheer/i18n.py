"""A tiny message catalogue for user-facing text: `t(key, lang, **kw)` with nl (default) and en.

Messages live in sync/messages/{nl,en}.json as flat `{"area.key": "text with {placeholders}"}` maps.
Add a key to BOTH files (a test checks they have the same keys and placeholders). A key missing in the
requested language falls back to nl, then to the key itself, so a missing translation never crashes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from config.i18n import DEFAULT_LANGUAGE, LANGUAGES, MessageCatalogue

__all__ = ["LANGUAGES", "DEFAULT_LANGUAGE", "t", "messages", "error_text"]

_CATALOGUE = MessageCatalogue("swc_beheer")


def messages(lang: str) -> Mapping[str, str]:
    """All messages of one language."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; expected one of {', '.join(LANGUAGES)}")
    return _CATALOGUE.messages(lang)


def t(key: str, lang: str = DEFAULT_LANGUAGE, **kw: Any) -> str:
    """The message `key` in `lang`, formatted with `kw`."""
    return _CATALOGUE.t(key, lang, **kw)


def error_text(
    lang: str,
    *,
    key: str | None,
    hint_key: str | None,
    params: Mapping[str, Any],
    message: str,
    hint: str | None,
) -> tuple[str, str | None]:
    """An error's message and hint in `lang` from its catalogue keys; `message`/`hint` where a key is missing.

    A `service` parameter ("catalogue", "github") is shown by its name in `lang` ("catalogus").
    """
    known = messages(lang)
    values = dict(params)
    if f"service.{values.get('service')}" in known:
        values["service"] = t(f"service.{values['service']}", lang)
    shown = t(key, lang, **values) if key and key in known else message
    shown_hint = t(hint_key, lang, **values) if hint_key and hint_key in known else hint
    return shown, shown_hint
