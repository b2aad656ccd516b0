"""The only place Settings become objects: the store, the catalogue client and the embedded sandbox.

    with open_services(settings) as services:          # starts the sandbox if base_url == "sandbox"
        async with services.catalogue_client() as client:
            ...
        services.access_check()                         # the account check a full sync awaits (OCS)
        services.store                                  # an open, migrated Store

The embedded sandbox (settings.catalogue.base_url == "sandbox", or `sandbox=True`) serves a generated
scale-1 dataset on a free loopback port for as long as the `with` block runs, with its own credentials
(SANDBOX_USER / SANDBOX_PASSWORD); the configured user and password are not sent to it.
"""

from __future__ import annotations

import hashlib
import json
import ssl
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from config.errors import ConfigError
from config.i18n import Lang
from config.settings import DigestChannelSettings, Settings
from connectors.accounts import AccountsClient
from connectors.catalogue import CatalogueClient
from store.base import Store, open_store, store_errors
from sync.completeness import AccessCheck, AccessVerdict, check_access

if TYPE_CHECKING:  # PyGithub (and its crypto) loads only when a GitHub client is built
    from connectors.github import GitHubClient
    from reports.common import ReportOptions
    from reports.digest.channels.base import Channel
    from reports.digest.deliver import ChannelSpec, DigestPolicy

__all__ = [
    "build_digest_channels",
    "build_digest_policy",
    "build_github_client",
    "digest_specs",
    "SANDBOX_USER",
    "SANDBOX_PASSWORD",
    "Services",
    "open_services",
    "open_store_from",
    "report_options",
    "require_remote",
    "settings_digest",
    "secret_values",
    "store_url",
    "start_sandbox",
]

SANDBOX_USER = "beheer"
SANDBOX_PASSWORD = "sandbox-app-password"  # not a secret: the embedded sandbox's fixed credential


@dataclass
class SandboxCatalogue:
    """A running embedded sandbox catalogue."""

    url: str
    state: Any  # sandbox.catalogue.CatalogueState
    handle: Any = field(repr=False)  # sandbox.server.ServerHandle


@dataclass
class Services:
    """What a job needs, built from Settings."""

    settings: Settings
    store: Store = field(repr=False)  # its URL may carry SWC_STORE__PASSWORD
    catalogue_url: str
    catalogue_user: str | None
    catalogue_password: str | None = field(repr=False)
    sandbox: SandboxCatalogue | None = None

    def catalogue_client(self) -> CatalogueClient:
        """A new catalogue client (use it as an async context manager, one per run)."""
        cfg = self.settings.catalogue
        return CatalogueClient.connect(
            self.catalogue_url,
            api_prefix=cfg.api_prefix,
            register=cfg.register_slug,
            schemas=cfg.schemas,
            user=self.catalogue_user,
            password=self.catalogue_password,
            page_size=cfg.page_size,
            concurrency=cfg.concurrency,
            timeout=cfg.timeout,
            max_retries=cfg.max_retries,
            max_retry_seconds=cfg.max_retry_seconds,
        )

    def accounts_client(self, *, concurrency: int = 2) -> AccountsClient:
        """A Nextcloud OCS client on the catalogue's backend with the catalogue's credentials.

        `concurrency`: requests in flight (an old Nextcloud's accounts sync asks once per account).
        """
        cfg = self.settings.catalogue
        return AccountsClient.connect(
            self.catalogue_url,
            user=self.catalogue_user,
            password=self.catalogue_password,
            timeout=cfg.timeout,
            max_retries=min(cfg.max_retries, 2),  # small requests; a refusal is an answer too
            max_retry_seconds=min(cfg.max_retry_seconds, 30.0),
            max_connections=concurrency,
        )

    def access_check(self) -> AccessCheck:
        """Whether the catalogue account is in Nextcloud's admin group, asked once when a full sync
        would delete (sync/completeness.py); anonymous (no user) never is."""

        async def check() -> AccessVerdict:
            if not self.catalogue_user:
                return await check_access(None, None)
            async with self.accounts_client() as accounts:
                return await check_access(accounts, self.catalogue_user)

        return check


def open_store_from(settings: Settings, *, create: bool = True) -> Store:
    """The store these settings name, opened and migrated (close it when done).

    `create=False` (read-only commands: reports, findings, the board) never creates a store: a SQLite path
    with no file, or a database without swc-beheer's tables, is a ConfigError naming SWC_STORE__URL and
    where it points, and leaves no folder, file or table behind.
    """
    url = store_url(settings)
    if create:
        return open_store(url)
    _require_sqlite_file(url)
    from store.migrate import current_heads, upgrade_store

    store = open_store(url, upgrade=False)
    try:
        with store_errors(url):
            if not current_heads(store):
                raise _no_store(store.location)
            upgrade_store(store)  # an older schema is brought up to date, as every command does
    except BaseException:
        store.close()
        raise
    return store


def store_url(settings: Settings) -> str:
    """SWC_STORE__URL with SWC_STORE__PASSWORD filled in (a secret: only for open_store, never for logs)."""
    url = settings.store.url
    if settings.store.password is None:
        return url
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
    except Exception:
        return url  # open_store names the malformed URL
    password = settings.store.password.get_secret_value()
    return parsed.set(password=password).render_as_string(hide_password=False)


def secret_values(settings: Settings) -> list[str]:
    """Every secret these settings hold (passwords, tokens, keys, webhook URLs, the store URL's password),
    for the log formatter to mask wherever one would turn up."""
    from pydantic import BaseModel, SecretStr
    from sqlalchemy.engine import make_url

    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, SecretStr):
            found.append(value.get_secret_value())
        elif isinstance(value, BaseModel):
            for name in type(value).model_fields:
                walk(getattr(value, name))
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)

    walk(settings)
    try:
        password = make_url(store_url(settings)).password
    except Exception:  # a malformed URL is reported where the store is opened
        password = None
    if password:
        found.append(str(password))
    return [secret for secret in found if secret]


def _require_sqlite_file(url: str) -> None:
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
    except Exception:
        return  # open_store names the malformed URL
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        path = Path(parsed.database or "")
        if not path.is_file():
            raise _no_store(str(path.resolve()))


def _no_store(location: str) -> ConfigError:
    return ConfigError(
        f"SWC_STORE__URL points at {location}, where there is no swc-beheer database",
        hint="check SWC_STORE__URL; `swc-beheer sync` or `swc-beheer db upgrade` creates a new database",
        key="error.store.missing",
        hint_key="hint.store.missing",
        params={"location": location},
    )


def require_remote(settings: Settings, remote: str) -> None:
    """A ConfigError unless the base URL of `remote` ("catalogue" or "github") is set (a URL or 'sandbox').

    There is no fallback to the sandbox: a misspelt or forgotten URL would otherwise fill a production
    store with sandbox data.
    """
    section = settings.catalogue if remote == "catalogue" else settings.github
    if section.base_url is None:
        variable = f"SWC_{remote.upper()}__BASE_URL"
        example = "https://api.github.com" if remote == "github" else "https://softwarecatalogus.example.nl"
        raise ConfigError(
            f"{variable} is not set",
            hint=f"set it to the {remote} URL (e.g. {example}), or to 'sandbox' for the embedded stand-in "
            "(`swc-beheer run --sandbox` and `swc-beheer sync --sandbox` use the sandbox without it)",
            key="error.config.remote_missing",
            hint_key="hint.config.remote_missing",
            params={"variable": variable, "example": example},
        )


@contextmanager
def start_sandbox(scale: int = 1, *, faults: str | None = None) -> Iterator[SandboxCatalogue]:
    """Serve a generated catalogue of `scale` on a free loopback port until the block ends."""
    from sandbox.catalogue import CatalogueState, create_app
    from sandbox.datagen import generate
    from sandbox.faults import parse_faults
    from sandbox.server import serve_in_thread

    state = CatalogueState(generate(scale=scale))
    plan = parse_faults(faults) if faults else None
    app = create_app(state, users={SANDBOX_USER: SANDBOX_PASSWORD}, faults=plan)
    with serve_in_thread(app) as handle:
        yield SandboxCatalogue(url=handle.url, state=state, handle=handle)


@contextmanager
def open_services(
    settings: Settings, *, sandbox: bool | None = None, sandbox_scale: int = 1
) -> Iterator[Services]:
    """Open the store and prepare the catalogue client; `sandbox=True` forces the embedded sandbox."""
    use_sandbox = settings.catalogue.is_sandbox if sandbox is None else sandbox
    if not use_sandbox:
        require_remote(settings, "catalogue")
    with ExitStack() as stack:
        store = open_store(store_url(settings))
        stack.callback(store.close)
        cfg = settings.catalogue
        password = cfg.password.get_secret_value() if cfg.password else None
        services = Services(settings, store, cfg.base_url or "", cfg.user, password)
        if use_sandbox:
            running = stack.enter_context(start_sandbox(sandbox_scale))
            services.sandbox = running
            services.catalogue_url, services.catalogue_user = running.url, SANDBOX_USER
            services.catalogue_password = SANDBOX_PASSWORD
            services.settings = settings.model_copy(
                update={
                    "catalogue": cfg.model_copy(update={"api_prefix": "/index.php/apps/openregister/api"})
                }
            )
        yield services


def settings_digest(settings: Settings, *, sandbox: bool = False) -> str:
    """sha256 over the settings that shape a catalogue sync (no secrets), stored with each run."""
    cfg = settings.catalogue
    relevant = {
        "base_url": "sandbox" if sandbox else cfg.base_url,
        "api_prefix": cfg.api_prefix,
        "register": cfg.register_slug,
        "schemas": cfg.schemas,
        "page_size": cfg.page_size,
        "user": cfg.user,
        "deletion_brake": settings.sync.deletion_brake,
        "overlap_seconds": cfg.overlap_seconds,
    }
    return hashlib.sha256(json.dumps(relevant, sort_keys=True).encode()).hexdigest()


SANDBOX_GITHUB_TOKEN = "sandbox-token"


def build_github_client(settings: Settings) -> GitHubClient:
    """The GitHub client for these settings; base_url "sandbox" starts the embedded GitHub sandbox.

    The sandbox server stops when the client is closed.
    """
    from connectors.github import GitHubClient

    github = settings.github
    require_remote(settings, "github")
    if github.is_sandbox:
        from sandbox.github import create_app
        from sandbox.github_state import GitHubState
        from sandbox.server import serve_in_thread

        server = serve_in_thread(create_app(GitHubState.seeded(), token=SANDBOX_GITHUB_TOKEN))
        return GitHubClient.connect(
            server.url,
            token=SANDBOX_GITHUB_TOKEN,
            timeout=github.timeout,
            max_wait_seconds=github.max_wait_seconds,
            min_interval=0.0,
            on_close=server.stop,
        )
    token = github.token.get_secret_value() if github.token else None
    key = github.app_private_key.get_secret_value() if github.app_private_key else None
    if not token and not (github.app_id and key and github.app_installation_id):
        raise ConfigError(
            "SWC_GITHUB__TOKEN is not set (GitHub's GraphQL API needs a token)",
            hint="set SWC_GITHUB__TOKEN, or SWC_GITHUB__APP_ID, SWC_GITHUB__APP_PRIVATE_KEY and "
            "SWC_GITHUB__APP_INSTALLATION_ID",
        )
    return GitHubClient.connect(
        github.base_url or "",
        token=token,
        app_id=github.app_id,
        private_key=key,
        installation_id=github.app_installation_id,
        timeout=github.timeout,
        max_wait_seconds=github.max_wait_seconds,
    )


def build_digest_policy(settings: Settings, *, report_dir: Path | None = None) -> DigestPolicy:
    """The digest schedule, retry bounds and composing options from SWC_DIGEST__*."""
    from reports.digest.compose import ComposeOptions
    from reports.digest.deliver import DigestPolicy
    from reports.digest.schedule import check_cron

    cfg = settings.digest
    check_cron(cfg.cron, cfg.timezone)
    domain = cfg.smtp_from.rsplit("@", 1)[-1].strip("<> ") or "swc-beheer.local"
    return DigestPolicy(
        cron=cfg.cron, timezone=cfg.timezone, nothing_new=cfg.nothing_new, max_attempts=cfg.max_attempts,
        retry_base_seconds=cfg.retry_base_seconds, retry_max_seconds=cfg.retry_max_seconds,
        message_domain=domain,
        compose=ComposeOptions(
            top=cfg.top_findings, report_base_url=cfg.report_base_url, report_dir=report_dir
        ),
    )  # fmt: skip


def build_digest_channels(settings: Settings) -> dict[str, Channel]:
    """One delivery channel per SWC_DIGEST__CHANNELS entry; ConfigError naming what a channel lacks."""
    names = [c.name for c in settings.digest.channels]
    if len(set(names)) != len(names):
        raise ConfigError("SWC_DIGEST__CHANNELS: every channel needs its own name", hint=f"names: {names}")
    return {c.name: _digest_channel(settings, c) for c in settings.digest.channels}


def _digest_channel(settings: Settings, channel: DigestChannelSettings) -> Channel:
    from reports.digest.channels.email import EmailChannel
    from reports.digest.channels.files import FileChannel
    from reports.digest.channels.webhooks import WebhookChannel

    cfg, where = settings.digest, f"SWC_DIGEST__CHANNELS (channel {channel.name})"
    if channel.kind == "email":
        if not channel.recipients:
            raise ConfigError(f"{where}: an e-mail channel needs recipients")
        password = cfg.smtp_password.get_secret_value() if cfg.smtp_password else None
        context = ssl.create_default_context(cafile=str(cfg.smtp_ca_file) if cfg.smtp_ca_file else None)
        return EmailChannel(
            channel.name, cfg.smtp_host, cfg.smtp_port, cfg.smtp_from, list(channel.recipients),
            security=cfg.smtp_security, user=cfg.smtp_user, password=password, timeout=cfg.timeout,
            ssl_context=context,
        )  # fmt: skip
    if channel.kind == "file":
        if channel.directory is None:
            raise ConfigError(f"{where}: a file channel needs a directory")
        return FileChannel(channel.name, channel.directory)
    if channel.webhook_url is None:
        raise ConfigError(f"{where}: a {channel.kind} channel needs webhook_url")
    url = channel.webhook_url.get_secret_value()
    return WebhookChannel(channel.name, channel.kind, url, timeout=cfg.timeout)


def digest_specs(settings: Settings) -> list[ChannelSpec]:
    from reports.digest.deliver import ChannelSpec

    return [ChannelSpec(c.name, c.kind, c.language) for c in settings.digest.channels]


def report_options(
    settings: Settings, *, lang: str | None = None, now: datetime | None = None
) -> ReportOptions:
    """The reports' options from settings: language, links into the catalogue's web interface, masking."""
    from reports.common import ObjectLinks, ReportOptions

    cfg = settings.reports
    language: Lang = "en" if (lang or settings.language) == "en" else "nl"
    return ReportOptions(
        lang=language,
        links=ObjectLinks(cfg.object_url, dict(settings.catalogue.schemas)),
        show_personal_data=cfg.show_personal_data,
        top=cfg.top,
        recent_days=cfg.recent_days,
        active_days=cfg.active_days,
        now=now or datetime.now(UTC),
    )
