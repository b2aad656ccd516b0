"""The only place Settings become objects: the store, the catalogue client and the embedded sandbox.

    with open_services(settings) as services:          # starts the sandbox if base_url == "sandbox"
        async with services.catalogue_client() as client:
            ...
        services.store                                  # an open, migrated Store

The embedded sandbox (settings.catalogue.base_url == "sandbox", or `sandbox=True`) serves a generated
scale-1 dataset on a free loopback port for as long as the `with` block runs, with its own credentials
(SANDBOX_USER / SANDBOX_PASSWORD); the configured user and password are not sent to it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from config.errors import ConfigError
from config.i18n import Lang
from config.settings import Settings
from connectors.catalogue import CatalogueClient
from store.base import Store, open_store

if TYPE_CHECKING:  # PyGithub (and its crypto) loads only when a GitHub client is built
    from connectors.github import GitHubClient
    from reports.common import ReportOptions

__all__ = [
    "build_github_client",
    "SANDBOX_USER",
    "SANDBOX_PASSWORD",
    "Services",
    "open_services",
    "open_store_from",
    "report_options",
    "settings_digest",
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
    store: Store
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


def open_store_from(settings: Settings) -> Store:
    """The store these settings name, opened and migrated (close it when done)."""
    return open_store(settings.store.url)


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
    with ExitStack() as stack:
        store = open_store(settings.store.url)
        stack.callback(store.close)
        cfg = settings.catalogue
        password = cfg.password.get_secret_value() if cfg.password else None
        services = Services(settings, store, cfg.base_url, cfg.user, password)
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
    if github.is_sandbox:
        from sandbox.github import GitHubState, create_app
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
        github.base_url,
        token=token,
        app_id=github.app_id,
        private_key=key,
        installation_id=github.app_installation_id,
        timeout=github.timeout,
        max_wait_seconds=github.max_wait_seconds,
    )


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
        now=now or datetime.now(UTC),
    )
