"""Which SWC_* names the settings read, and the check that refuses any other.

pydantic-settings ignores a variable no field reads, so `SWC_CATALOG__BASE_URL=…` (one letter short) used
to leave the catalogue URL unset without a word. Every SWC_* name in the environment, in `.env` and among
the files of SWC_SECRETS_DIR must now be a setting (or one of the few variables that steer the loading
itself); an unknown one is a ConfigError naming the closest valid name.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, get_args, get_origin

from pydantic import BaseModel

from config.errors import ConfigError

__all__ = ["NOT_SETTINGS", "RENAMED", "check_names", "env_names", "environment_check", "setting_names"]

PREFIX = "SWC_"
DELIMITER = "__"

# Variables that steer loading or the test suite rather than being settings themselves.
NOT_SETTINGS = frozenset({"SWC_SECRETS_DIR", "SWC_TEST_PG_URL"})

# Settings that were replaced: the message names the replacement instead of a near spelling.
RENAMED: Mapping[str, str] = {
    "SWC_SYNC__INTERVAL_SECONDS": "SWC_SCHEDULE__SYNC_CRON",
    "SWC_DAEMON__JOURNEY_INTERVAL_SECONDS": "SWC_SCHEDULE__JOURNEY_CRON",
    "SWC_DAEMON__RECONCILE_INTERVAL_SECONDS": "SWC_SCHEDULE__RECONCILE_CRON",
}


def setting_names(model: type[BaseModel], prefix: str = PREFIX) -> dict[str, bool]:
    """Every variable name `model` reads, upper case -> whether names below it are valid too (maps, lists).

    A nested section `catalogue` gives `SWC_CATALOGUE__BASE_URL`, …; a dict- or list-valued field such as
    `SWC_CATALOGUE__SCHEMAS` also accepts `SWC_CATALOGUE__SCHEMAS__<KEY>` (pydantic-settings nests them).
    """
    names: dict[str, bool] = {}
    for name, field in model.model_fields.items():
        full = (prefix + name).upper()
        annotation = field.annotation
        section = _model_of(annotation)
        if section is not None:
            names.update(setting_names(section, full + DELIMITER))
        else:
            names[full] = _is_container(annotation)
    return names


def _model_of(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _is_container(annotation: Any) -> bool:
    origins = {get_origin(annotation), *(get_origin(arg) for arg in get_args(annotation))}
    return bool(origins & {dict, list, tuple, set})


def env_names(environ: Mapping[str, str], dotenv: Path | None, secrets_dir: str | None) -> dict[str, str]:
    """SWC_* names given, upper case -> where each came from (for the message)."""
    found: dict[str, str] = {}
    for name in environ:
        if name.upper().startswith(PREFIX):
            found.setdefault(name.upper(), "the environment")
    if dotenv is not None and dotenv.is_file():
        from dotenv import dotenv_values

        for name in dotenv_values(dotenv):
            if name.upper().startswith(PREFIX):
                found.setdefault(name.upper(), str(dotenv))
    if secrets_dir and Path(secrets_dir).is_dir():
        for path in sorted(Path(secrets_dir).iterdir()):
            if path.is_file() and not path.name.startswith("."):
                name = PREFIX + path.name.upper().removeprefix(PREFIX)
                found.setdefault(name, f"the file {path}")
    return found


def check_names(given: Mapping[str, str], valid: Mapping[str, bool]) -> None:
    """Raise ConfigError listing every given name no setting reads, each with the closest valid name."""
    unknown = sorted(name for name in given if not _is_valid(name, valid))
    if not unknown:
        return
    lines = [f"{name} (from {given[name]}) is not a setting; {_suggestion(name, valid)}" for name in unknown]
    details = "\n  ".join(lines)
    raise ConfigError(
        "Unknown settings:\n  " + details,
        hint="fix or remove these names; every setting is listed in docs/configuration.md",
        key="error.config.unknown",
        hint_key="hint.config.unknown",
        params={"details": details},
    )


def _is_valid(name: str, valid: Mapping[str, bool]) -> bool:
    if name in valid or name in NOT_SETTINGS:
        return True
    return any(name.startswith(parent + DELIMITER) for parent, nested in valid.items() if nested)


def _suggestion(name: str, valid: Iterable[str]) -> str:
    if name in RENAMED:
        return f"it was replaced by {RENAMED[name]}"
    from rapidfuzz import fuzz, process

    best = process.extractOne(name, list(valid), scorer=fuzz.ratio)
    if best is None:
        return "see docs/configuration.md"
    return f"did you mean {best[0]}?"


def environment_check(model: type[BaseModel], dotenv: Path | None) -> None:
    """Check the process's environment, `dotenv` and SWC_SECRETS_DIR against the names `model` reads."""
    given = env_names(os.environ, dotenv, os.environ.get("SWC_SECRETS_DIR"))
    check_names(given, setting_names(model))
