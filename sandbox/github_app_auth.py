"""GitHub Apps on the emulator: JWT-authenticated `/app` endpoints, installation tokens, who is calling."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sandbox.github_http import DOCS, Reply, user_json
from sandbox.github_state import Counters

__all__ = ["AppRegistration", "AppAuthority"]

EXPIRED_JWT_MESSAGE = (
    "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the "
    "assertion expires"
)
IAT_MESSAGE = (
    "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued"
)


@dataclass(frozen=True)
class AppRegistration:
    """A GitHub App installed on the sandbox: its id, slug, public key (PEM) and one installation."""

    app_id: int
    public_key_pem: str
    installation_id: int
    slug: str = "swc-beheer-sandbox"
    token_lifetime: float = 3600.0  # GitHub: an installation token lives one hour

    @property
    def bot_login(self) -> str:
        return f"{self.slug}[bot]"


class AppAuthority:
    """The registered Apps and the installation tokens handed out to them."""

    def __init__(self, apps: Sequence[AppRegistration], counters: Counters) -> None:
        self.apps = {app.installation_id: app for app in apps}
        self.installation_tokens: dict[str, tuple[float, AppRegistration]] = {}  # token -> (expiry, app)
        self._counters = counters

    def caller(self, headers: dict[str, str], now: float, token: str | None) -> str | AppRegistration | None:
        """Who is calling: "user" (`token`), an App (a live installation token), or None (rejected).

        `token=None` accepts any (or no) credentials as the user.
        """
        scheme, _, given = headers.get("authorization", "").partition(" ")
        if scheme.lower() in ("token", "bearer") and given in self.installation_tokens:
            expires, app = self.installation_tokens[given]
            return app if now < expires else None  # GitHub: an expired installation token is bad credentials
        if token is None:
            return "user"
        return "user" if scheme.lower() in ("token", "bearer") and given == token else None

    def answer(self, method: str, path: str, headers: dict[str, str], now: float) -> Reply:
        """A request to `/app` or below, authenticated by the App's JWT."""
        scheme, _, given = headers.get("authorization", "").partition(" ")
        app, problem = (
            self._verify_jwt(given, now)
            if scheme.lower() == "bearer" and self.apps
            else (None, "A JSON web token could not be decoded")
        )
        if app is None:
            return Reply(401, {"message": problem, "documentation_url": DOCS}, cost=0)
        if path == "/app" and method == "GET":
            owner = user_json("VNG-Realisatie", "Organization")
            return Reply(200, {"id": app.app_id, "slug": app.slug, "name": app.slug, "owner": owner}, cost=0)
        match = re.fullmatch(r"/app/installations/(\d+)/access_tokens", path)
        if match and method == "POST":
            installation = self.apps.get(int(match.group(1)))
            if installation is None or installation.app_id != app.app_id:
                return Reply(404, {"message": "Not Found", "documentation_url": DOCS}, cost=0)
            return self._installation_token(installation, now)
        return Reply(404, {"message": "Not Found", "documentation_url": DOCS}, cost=0)

    def _installation_token(self, app: AppRegistration, now: float) -> Reply:
        serial = f"{app.installation_id}:{now}:{len(self.installation_tokens)}"
        token = "ghs_" + hashlib.sha256(serial.encode()).hexdigest()[:36]
        expires = now + app.token_lifetime
        self.installation_tokens[token] = (expires, app)
        self._counters.routes["POST /app/installations/{id}/access_tokens"] += 1
        body = {
            "token": token,
            "expires_at": datetime.fromtimestamp(expires, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "permissions": {"issues": "write", "metadata": "read"},
            "repository_selection": "all",
        }
        return Reply(201, body, cost=0)

    def _verify_jwt(self, token: str, now: float) -> tuple[AppRegistration | None, str]:
        """The App whose key signed `token`, checked as GitHub does; or None and GitHub's message."""
        import jwt  # PyJWT (with cryptography): a dependency of PyGithub as well

        try:
            claims = jwt.decode(token, options={"verify_signature": False})
            issuer = int(str(claims.get("iss")))
        except (jwt.InvalidTokenError, ValueError):
            return None, "A JSON web token could not be decoded"
        app = next((a for a in self.apps.values() if a.app_id == issuer), None)
        if app is None:
            return None, "Integration not found"  # GitHub's answer for an unknown `iss`
        try:
            claims = jwt.decode(
                token,
                app.public_key_pem,
                algorithms=["RS256"],
                options={"require": ["iat", "exp", "iss"]},
                leeway=0,
            )
        except jwt.ExpiredSignatureError:
            return None, EXPIRED_JWT_MESSAGE
        except jwt.ImmatureSignatureError:
            return None, IAT_MESSAGE
        except jwt.InvalidTokenError:
            return None, "A JSON web token could not be decoded"
        if float(claims["exp"]) - now > 600:
            return None, "'Expiration time' claim ('exp') is too far in the future"
        return app, ""
