"""Message catalogues: user-facing text lives in JSON files per language (nl default, en), not in code.

Each area keeps its own catalogue (`journey/messages`, `reconcile/messages`, `swc_beheer/messages`) as flat
`{"key": "text with {placeholders}"}` files; this module is the one loader they all use. Lookup order: the
requested language, then Dutch, then the key itself, so a missing translation never crashes a report. A
placeholder without a value stays visible as `{name}` rather than raising.
"""

from __future__ import annotations

import json
import string
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any, Literal

__all__ = ["DEFAULT_LANGUAGE", "LANGUAGES", "Lang", "MessageCatalogue"]

Lang = Literal["nl", "en"]
LANGUAGES: tuple[Lang, ...] = ("nl", "en")
DEFAULT_LANGUAGE: Lang = "nl"


class _KeepMissing(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


class MessageCatalogue:
    """The messages of one package's `messages/<lang>.json` files."""

    def __init__(self, package: str, directory: str = "messages") -> None:
        self.package = package
        self.directory = directory

    def messages(self, lang: str) -> Mapping[str, str]:
        """All messages of `lang` (an unknown language gives the Dutch ones)."""
        return _load(self.package, self.directory, lang if lang in LANGUAGES else DEFAULT_LANGUAGE)

    def t(self, key: str, lang: str = DEFAULT_LANGUAGE, /, **params: Any) -> str:
        """The message `key` in `lang` with its `{placeholders}` filled from params."""
        template = self.messages(lang).get(key) or self.messages(DEFAULT_LANGUAGE).get(key) or key
        return string.Formatter().vformat(template, (), _KeepMissing(params))


@cache
def _load(package: str, directory: str, lang: str) -> Mapping[str, str]:
    text = resources.files(package).joinpath(directory, f"{lang}.json").read_text(encoding="utf-8")
    data: dict[str, str] = json.loads(text)
    return data
