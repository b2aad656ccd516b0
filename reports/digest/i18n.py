"""The digest's message catalogue (reports/digest/messages/{nl,en}.json)."""

from __future__ import annotations

from typing import Any

from config.i18n import MessageCatalogue

__all__ = ["t"]

_CATALOGUE = MessageCatalogue("reports.digest")


def t(lang: str, key: str, /, **params: Any) -> str:
    """The message `key` in `lang` (nl, en) with `params` filled in."""
    return _CATALOGUE.t(key, lang, **params)
