"""The error tree's root: every expected failure is a SwcError with a user-facing message."""

from __future__ import annotations

__all__ = ["SwcError", "ConfigError"]


class SwcError(Exception):
    """Expected failure. `message` is shown to users as-is: no secrets, no stack."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint  # the next step for the user

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message} ({self.hint})"


class ConfigError(SwcError):
    """A setting is missing or malformed; the message names the SWC_* variable."""

    exit_code = 2
