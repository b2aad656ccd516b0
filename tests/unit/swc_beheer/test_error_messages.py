"""Errors reach users in their language: every catalogue key the code raises exists in nl and en."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from config.errors import SwcError
from connectors.http import AUTH_HINTS
from swc_beheer.cli_support import user_text
from swc_beheer.i18n import LANGUAGES, messages

ROOT = Path(__file__).resolve().parents[3]
PACKAGES = ("config", "connectors", "journey", "store", "sync", "reconcile", "reports", "swc_beheer")
SOURCES = [p for package in PACKAGES for p in (ROOT / package).rglob("*.py")]


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


def _raised_errors() -> list[SwcError]:
    """Errors as the real factories build them, for every keyed HTTP case."""
    import httpx
    from github import GithubException

    from connectors.github_errors import auth_failed, from_github_exception
    from connectors.http import TransientHTTPError, _error_from_transient, error_from_response

    request = httpx.Request("GET", "https://catalogus.example/api/objects/voorzieningen/gebruik")
    errors: list[SwcError] = [
        error_from_response(
            httpx.Response(status, json={"message": "nope"}, request=request),
            service,
            not_found="schema 'gebruik'",
            not_found_hint="check the slugs",
        )
        for status in (401, 403, 404, 429, 500, 418)
        for service in ("catalogue", "github")
    ]
    for status, retry_after in ((429, 30.0), (429, None), (503, 900.0), (503, None), (200, None)):
        transient = TransientHTTPError("HTTP x", status=status, url=str(request.url), retry_after=retry_after)
        errors.append(_error_from_transient(transient, "catalogue", reset_at=None))
    errors.append(auth_failed(401, "https://api.github.com/repos/x/y"))
    for status, message in ((403, "API rate limit exceeded"), (403, "Forbidden"), (404, "Not Found")):
        errors.append(
            from_github_exception(GithubException(status, {"message": message}, {}), "https://api.github.com/x")
        )
    return errors


@pytest.mark.parametrize("lang", LANGUAGES)
def test_keyed_errors_fill_every_placeholder(lang: str) -> None:
    errors = _raised_errors()
    assert sum(1 for e in errors if e.key) >= 15
    for error in errors:
        message, hint = user_text(error, lang)
        assert "{" not in message and "{" not in (hint or ""), (error.key, message, hint)
        if error.key:
            assert message != error.message or lang == "en", error.key
