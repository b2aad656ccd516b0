"""The error tree's root: every expected failure is a SwcError with a user-facing message."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["SwcError", "ConfigError"]


class SwcError(Exception):
    """Expected failure. `message` is shown to users as-is: no secrets, no stack."""

    exit_code = 1

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        key: str | None = None,
        hint_key: str | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message  # English: logs, exceptions, and users when `key` has no translation
        self.hint = hint  # the next step for the user
        # for users: message-catalogue keys (sync/messages) and their values; the CLI renders these in the
        # user's language and falls back to `message`/`hint` where a key is missing
        self.key = key
        self.hint_key = hint_key
        self.params = dict(params or {})

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message} ({self.hint})"


class ConfigError(SwcError):
    """A setting is missing or malformed; the message names the SWC_* variable."""

    exit_code = 2
