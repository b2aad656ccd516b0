"""The journey layer's errors: a JourneyError subtree under SwcError."""

from __future__ import annotations

from config.errors import SwcError

__all__ = ["JourneyError", "JourneyParseError"]


class JourneyError(SwcError):
    """A journey document or board could not be handled."""


class JourneyParseError(JourneyError):
    """A journey document could not be read; `.path` and `.line` (None: the whole file) say where."""

    def __init__(self, message: str, *, path: str, line: int | None = None, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.path = path
        self.line = line
