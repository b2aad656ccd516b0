"""Message catalogues for journey problems and the board (nl default, en): user-facing text lives here.

Each language is one flat JSON file `<lang>.json` of `key -> text` with `{name}` placeholders.
A key missing in a language falls back to Dutch, then to the key itself (config.i18n).
"""

from __future__ import annotations

from collections.abc import Mapping

from config.i18n import LANGUAGES, Lang, MessageCatalogue

__all__ = ["LANGUAGES", "Lang", "catalogue", "text"]

_CATALOGUE = MessageCatalogue("journey")


def catalogue(lang: str) -> Mapping[str, str]:
    """The messages of `lang` (an unknown language gives the Dutch ones)."""
    return _CATALOGUE.messages(lang)


def text(key: str, lang: str = "nl", /, **params: object) -> str:
    """The message `key` in `lang` with `{placeholders}` filled from params."""
    return _CATALOGUE.t(key, lang, **params)
