"""GitHub App authentication against the GitHub sandbox over real HTTP.

The sandbox verifies the App's RS256 JWT with the App's public key, exchanges it at
`POST /app/installations/{id}/access_tokens` for an installation token that expires, refuses `GET /user` to
such a token (403 "Resource not accessible by integration") and records issues it creates as
`<slug>[bot]`, as GitHub does.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from config import Settings
from connectors.errors import AuthFailed
from connectors.github import GitHubClient
from connectors.github_models import IssueKey
from sandbox.github import create_app
from sandbox.github_app_auth import AppRegistration
from sandbox.github_state import SEED_REPO, GitHubState
from sandbox.server import ServerHandle, serve_in_thread
from swc_beheer.wiring import build_github_client

pytestmark = pytest.mark.integration
APP_ID, INSTALLATION = 4242, 99
KEYS = [IssueKey(repo=SEED_REPO, number=n) for n in (140, 142, 75)]
TOKENS = "POST /app/installations/{id}/access_tokens"


def _key_pair() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    return private, public


@pytest.fixture(scope="module")
def keys() -> tuple[str, str]:
    return _key_pair()


@dataclass
class AppSandbox:
    state: GitHubState
    server: ServerHandle
    app: AppRegistration
    private_key: str

    def client(self, private_key: str | None = None) -> GitHubClient:
        return GitHubClient.connect(
            self.server.url,
            app_id=APP_ID,
            private_key=private_key or self.private_key,
            installation_id=INSTALLATION,
            min_interval=0.0,
            max_wait_seconds=5.0,
        )


def _sandbox(keys: tuple[str, str], lifetime: float = 3600.0) -> Iterator[AppSandbox]:
    private, public = keys
    app = AppRegistration(APP_ID, public, INSTALLATION, token_lifetime=lifetime)
    state = GitHubState.seeded()
    with serve_in_thread(create_app(state, apps=[app])) as server:
        yield AppSandbox(state, server, app, private)


@pytest.fixture
def sandbox(keys: tuple[str, str]) -> Iterator[AppSandbox]:
    yield from _sandbox(keys)


def test_installation_reads_issues_and_publishes_the_dashboard_as_its_bot(sandbox: AppSandbox) -> None:
    client = sandbox.client()
    try:
        result = asyncio.run(client.fetch_issues(KEYS))
        assert {info.fetch_state for info in result.issues.values()} == {"ok"}
        assert sandbox.state.counters.routes[TOKENS] == 1  # one token for the whole refresh

        first = client.create_or_update_dashboard_blocking(SEED_REPO, "Dashboard", "body", "swc-test")
        second = client.create_or_update_dashboard_blocking(SEED_REPO, "Dashboard", "body", "swc-test")
    finally:
        client.close()
    assert first.action == "created" and second.action == "unchanged"
    assert second.number == first.number  # found again among the bot's own issues
    issue = sandbox.state.issue(SEED_REPO, first.number)
    assert issue is not None and issue.author == "swc-beheer-sandbox[bot]"


def test_installation_token_is_renewed_before_it_expires(keys: tuple[str, str]) -> None:
    # PyGithub renews a token 20 s before it expires, and expires_at is shown to the second: a 24 s token
    # is due 3 to 4 s after it was issued (the first refresh takes well under that), so renewed after 4.5 s
    for sandbox in _sandbox(keys, lifetime=24.0):
        client = sandbox.client()
        try:
            asyncio.run(client.fetch_issues(KEYS[:1]))
            time.sleep(4.5)
            result = asyncio.run(client.fetch_issues(KEYS[1:]))
        finally:
            client.close()
        assert {info.fetch_state for info in result.issues.values()} == {"ok"}
        assert sandbox.state.counters.routes[TOKENS] == 2


def test_a_wrong_private_key_is_a_clear_error_that_shows_no_key(sandbox: AppSandbox) -> None:
    wrong, _ = _key_pair()
    client = sandbox.client(private_key=wrong)
    try:
        with pytest.raises(AuthFailed) as info:
            asyncio.run(client.fetch_issues(KEYS))
    finally:
        client.close()
    text = f"{info.value} {info.value!r} {info.value.hint}"
    assert "401" in text and "SWC_GITHUB__APP_" in text
    assert "PRIVATE KEY" not in text and wrong.splitlines()[1] not in text
    assert sandbox.state.counters.routes[TOKENS] == 0


def test_settings_with_app_credentials_build_an_app_client(sandbox: AppSandbox) -> None:
    settings = Settings(
        github={  # type: ignore[arg-type]
            "base_url": sandbox.server.url,
            "app_id": APP_ID,
            "app_private_key": sandbox.private_key,
            "app_installation_id": INSTALLATION,
        }
    )
    assert sandbox.private_key not in repr(settings)
    client = build_github_client(settings)
    try:
        result = asyncio.run(client.fetch_issues(KEYS[:1]))
    finally:
        client.close()
    assert result.issues[KEYS[0]].fetch_state == "ok"
    assert sandbox.state.counters.routes[TOKENS] == 1


# -- the sandbox's own behaviour, over plain HTTP ----------------------------------------------------------


def _jwt(private_key: str, *, issued: float, expires: float, issuer: int = APP_ID) -> str:
    return jwt.encode({"iat": int(issued), "exp": int(expires), "iss": str(issuer)}, private_key, "RS256")


def _exchange(sandbox: AppSandbox, token: str, installation: int = INSTALLATION) -> httpx.Response:
    return httpx.post(
        f"{sandbox.server.url}/app/installations/{installation}/access_tokens",
        headers={"Authorization": f"Bearer {token}"},
    )


def test_sandbox_checks_the_jwt_as_github_does(sandbox: AppSandbox) -> None:
    now = time.time()
    good = _jwt(sandbox.private_key, issued=now - 60, expires=now + 300)
    expired = _jwt(sandbox.private_key, issued=now - 900, expires=now - 10)
    too_long = _jwt(sandbox.private_key, issued=now - 60, expires=now + 3600)
    forged = _jwt(_key_pair()[0], issued=now - 60, expires=now + 300)

    assert _exchange(sandbox, expired).json()["message"].startswith("'Expiration time' claim ('exp') must be")
    assert _exchange(sandbox, too_long).json()["message"].endswith("is too far in the future")
    assert _exchange(sandbox, forged).status_code == 401
    assert _exchange(sandbox, "not-a-jwt").json()["message"] == "A JSON web token could not be decoded"
    assert _exchange(sandbox, good, installation=INSTALLATION + 1).status_code == 404
    app = httpx.get(f"{sandbox.server.url}/app", headers={"Authorization": f"Bearer {good}"})
    assert app.json()["slug"] == "swc-beheer-sandbox"

    granted = _exchange(sandbox, good)
    assert granted.status_code == 201 and granted.json()["token"].startswith("ghs_")
    auth = {"Authorization": f"token {granted.json()['token']}"}
    user = httpx.get(f"{sandbox.server.url}/user", headers=auth)
    assert (user.status_code, user.json()["message"]) == (403, "Resource not accessible by integration")
    assert httpx.get(f"{sandbox.server.url}/repos/{SEED_REPO}/issues/140", headers=auth).status_code == 200


def test_sandbox_installation_tokens_expire(keys: tuple[str, str]) -> None:
    for sandbox in _sandbox(keys, lifetime=3.0):  # long enough for a loaded CI machine to use it once
        now = time.time()
        granted = _exchange(sandbox, _jwt(sandbox.private_key, issued=now - 60, expires=now + 300))
        auth = {"Authorization": f"token {granted.json()['token']}"}
        url = f"{sandbox.server.url}/repos/{SEED_REPO}/issues/140"
        assert httpx.get(url, headers=auth).status_code == 200
        time.sleep(3.5)
        expired = httpx.get(url, headers=auth)
        assert (expired.status_code, expired.json()["message"]) == (401, "Bad credentials")
