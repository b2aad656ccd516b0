"""The error tree's root: every expected failure is a SwcError with a user-facing message.

The whole tree, every SwcError subclass of the service, with the module that defines it and the exit code
the CLI ends with (tests/test_error_tree.py keeps this drawing and the code in step):

    SwcError                  config.errors                exit 1  message + hint (+ catalogue key, params)
    ├─ ConfigError            config.errors                exit 2  names the SWC_* variable
    ├─ ConnectorError         connectors.errors            exit 1  .service, .status, .url (redacted)
    │  ├─ RemoteUnavailable   connectors.errors            exit 1  timeout, no connection, 5xx after retries
    │  ├─ AuthFailed          connectors.errors            exit 1  401 or 403; the hint names the setting
    │  ├─ NotFound            connectors.errors            exit 1  404 on a named register, schema or object
    │  ├─ RateLimited         connectors.errors            exit 1  429 or an exhausted budget; .reset_at
    │  └─ UnexpectedPayload   connectors.errors            exit 1  the response broke the API contract
    │     ├─ RecordError      connectors.catalogue_models  exit 1  one catalogue object the sync skips
    │     └─ NoOcsEnvelope    connectors.accounts          exit 1  JSON without an OCS envelope
    ├─ JourneyError           journey.errors               exit 1  a journey document or board
    │  └─ JourneyParseError   journey.errors               exit 1  .path and .line of the offending text
    ├─ StoreError             store.errors                 exit 1  the database could not be opened or written
    │  └─ SchemaMismatch      store.errors                 exit 1  the hint names `swc-beheer db upgrade`
    ├─ SyncAborted            store.runs                   exit 4  another run holds the lock
    ├─ RegisterError          reconcile.register           exit 1  the municipality register: load or refresh
    ├─ FindingNotFound        reconcile.lifecycle          exit 1  no (or no unique) finding for a fingerprint
    ├─ OutputError            reports.files                exit 1  a report could not be written there
    ├─ DeliveryError          reports.digest.channels.base exit 1  a digest was not delivered; .retry
    │  ├─ TransientDeliveryError reports.digest.channels.base exit 1  receiver down, busy or rate limiting
    │  └─ DeliveryConfigError reports.digest.channels.base exit 1  refused for good: fix the settings
    ├─ SandboxInputError      swc_beheer.commands.sandbox  exit 2  a sandbox option or data file is unusable
    └─ Interrupted            swc_beheer.interrupts        exit 143  SIGTERM (130: SIGINT) stopped the command

Raise the most specific class; catch SwcError only at the edges (the CLI's `user_errors`, the job wrapper,
the daemon). Anything that is not a SwcError is a bug and keeps its traceback.
"""

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
