"""Errors reach users in their language: every catalogue key the code raises exists in nl and en."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from config.errors import SwcError
from connectors.http import AUTH_HINTS
from sync.cli_support import user_text
from sync.i18n import LANGUAGES, messages

ROOT = Path(__file__).resolve().parents[3]
SOURCES = [
    p for package in ("config", "connectors", "sync", "journey") for p in (ROOT / package).rglob("*.py")
]


def _keys_in_code() -> set[str]:
    keys: set[str] = set()
    for path in SOURCES:
        text = path.read_text(encoding="utf-8")
        # every literal "error.*" / "hint.*" is a catalogue key (raised, or rendered like "error.label")
        keys.update(re.findall(r"""["']((?:error|hint)\.[a-z0-9_.]+)["']""", text))
        for template in re.findall(r'\bhint_key=f"(hint\.\{service\}\.[a-z0-9_]+)"', text):
            keys.update(template.replace("{service}", service) for service in AUTH_HINTS)
    return keys


def test_the_code_raises_keyed_errors() -> None:
    keys = _keys_in_code()
    # the common failures of a functional manager's day
    assert {
        "error.http.401",
        "error.http.403",
        "error.http.404",
        "error.sync_running",
        "error.store_busy",
    } <= keys
    assert {"hint.catalogue.401", "hint.github.401", "error.config.invalid", "error.label"} <= keys


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_raised_key_is_in_the_catalogue(lang: str) -> None:
    assert sorted(_keys_in_code() - set(messages(lang))) == []


def test_user_text_translates_and_falls_back() -> None:
    keyed = SwcError(
        "catalogue: access denied (403) at http://x/objects",
        hint="the account lacks rights",
        key="error.http.403",
        hint_key="hint.catalogue.403",
        params={"service": "catalogue", "url": "http://x/objects", "said": ""},
    )
    assert user_text(keyed, "nl") == (
        "catalogus: geen toegang (403) tot http://x/objects",
        messages("nl")["hint.catalogue.403"],
    )
    assert user_text(keyed, "en")[0] == "catalogue: access denied (403) at http://x/objects"
    plain = SwcError("Something English", hint="do this")
    assert user_text(plain, "nl") == ("Something English", "do this")
    unknown = SwcError("As raised", key="error.not_in_the_catalogue", hint="as raised too")
    assert user_text(unknown, "nl") == ("As raised", "as raised too")
