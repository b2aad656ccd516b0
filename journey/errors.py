"""The journey layer's errors: a JourneyError subtree under SwcError."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from config.errors import SwcError

__all__ = ["JourneyError", "JourneyParseError"]


class JourneyError(SwcError):
    """A journey document or board could not be handled."""


class JourneyParseError(JourneyError):
    """A journey document could not be read; `.path` and `.line` (None: the whole file) say where."""

    def __init__(
        self,
        message: str,
        *,
        path: str,
        line: int | None = None,
        hint: str | None = None,
        key: str | None = None,
        hint_key: str | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message, hint=hint, key=key, hint_key=hint_key, params=params)
        self.path = path
        self.line = line
