"""Message catalogues for journey problems and the board (nl default, en): user-facing text lives here.

Each language is one flat JSON file `<lang>.json` of `key -> text` with `{name}` placeholders.
A key missing in a language falls back to English, then to the key itself.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Literal

__all__ = ["LANGUAGES", "Lang", "catalogue", "text"]

Lang = Literal["nl", "en"]
LANGUAGES: tuple[Lang, ...] = ("nl", "en")
_HERE = Path(__file__).parent


class _Keep(dict[str, str]):
    """format_map helper: an unknown placeholder stays as written instead of raising."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@cache
def catalogue(lang: str) -> Mapping[str, str]:
    """The messages of `lang` (an unknown language gives the English ones)."""
    name = lang if lang in LANGUAGES else "en"
    data: dict[str, str] = json.loads((_HERE / f"{name}.json").read_text(encoding="utf-8"))
    return data


def text(key: str, lang: str = "nl", /, **params: object) -> str:
    """The message `key` in `lang` with `{placeholders}` filled from params."""
    template = catalogue(lang).get(key) or catalogue("en").get(key) or key
    return template.format_map(_Keep({name: str(value) for name, value in params.items()}))
