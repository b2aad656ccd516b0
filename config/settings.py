"""Settings: one object, loaded once at the edge (the CLI or daemon) and passed down as values.

Environment variables use the prefix ``SWC_`` and ``__`` for nesting, e.g. ``SWC_CATALOGUE__BASE_URL``.
A ``.env`` file in the working directory is read too, and secrets can come from files in
``SWC_SECRETS_DIR`` (one file per variable, named like the variable without the prefix, lower case,
e.g. ``catalogue__password``). A ``SWC_*`` name that no setting reads is an error naming the closest
valid one (config/env_names.py). There is no silent fallback to the sandbox: the remotes' base URLs are
unset by default, and a command that needs one says so unless it is given ``--sandbox`` or the URL
``sandbox``.
"""

from __future__ import annotations

import os
import string
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict, SettingsError

from config.errors import ConfigError

__all__ = [
    "CatalogueSettings",
    "DaemonSettings",
    "DigestChannelSettings",
    "DigestSettings",
    "GitHubSettings",
    "JourneySettings",
    "ReconcileSettings",
    "ScheduleSettings",
    "ReportFormat",
    "ReportSettings",
    "Settings",
    "StoreSettings",
    "SyncSettings",
    "check_credentials",
    "load_settings",
    "DEFAULT_JOURNEY",
]

SANDBOX = "sandbox"  # sentinel base URL: start the embedded sandbox server
DEFAULT_JOURNEY = Path(__file__).parent / "journeys" / "klantreis_functioneel_beheer.md"

ENTITY_SCHEMAS: dict[str, str] = {
    "organisation": "organisatie",
    "contact": "contactpersoon",
    "package": "module",
    "usage": "gebruik",
    "koppeling": "koppeling",
}


class _Section(BaseModel):
    """A settings section: a misspelt SWC_<SECTION>__<FIELD> is an error, not silently ignored."""

    model_config = ConfigDict(extra="forbid")


def _http_url(value: str | None) -> str | None:
    """'sandbox' or an http(s) URL without credentials (they belong in the user/password settings)."""
    if value is None or value == SANDBOX:
        return value
    if not value.startswith(("http://", "https://")):
        raise ValueError("expected 'sandbox' or an http(s):// URL")
    if "@" in value.split("://", 1)[1].split("/", 1)[0]:
        raise ValueError("must not contain user:password@; use the USER/PASSWORD or TOKEN settings")
    return value.rstrip("/")


class CatalogueSettings(_Section):
    """Where and how to reach the OpenRegister objects API."""

    base_url: str | None = Field(
        None,
        description="Backend URL, e.g. https://softwarecatalogus.example.nl, or 'sandbox' for the embedded "
        "stand-in; required by every command that reads the catalogue (unless given --sandbox)",
    )
    api_prefix: str = Field("/index.php/apps/openregister/api", description="API root below the base URL")
    register_slug: str = Field("voorzieningen", description="Register slug")
    schemas: dict[str, str] = Field(
        default_factory=lambda: dict(ENTITY_SCHEMAS), description="entity -> schema slug"
    )
    user: str | None = Field(None, description="Nextcloud user for HTTP Basic")
    password: SecretStr | None = Field(None, description="Nextcloud app password")
    page_size: int = Field(500, ge=1, le=5000, description="_limit per request")
    concurrency: int = Field(8, ge=1, le=64, description="requests in flight at once (all entity types)")
    timeout: float = Field(30.0, gt=0, description="seconds per request")
    max_retries: int = Field(5, ge=0, le=20, description="retries per request")
    max_retry_seconds: float = Field(120.0, gt=0, description="total retry time per request")
    overlap_seconds: int = Field(300, ge=0, description="incremental: re-read this much before the watermark")

    @field_validator("base_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return _http_url(value)

    @property
    def is_sandbox(self) -> bool:
        return self.base_url == SANDBOX


class GitHubSettings(_Section):
    """The journey's issue tracker."""

    base_url: str | None = Field(
        None,
        description="GitHub API URL (https://api.github.com), or 'sandbox' for the embedded stand-in; "
        "required by every command that reads GitHub (unless given --sandbox)",
    )
    token: SecretStr | None = Field(None, description="Personal access token or installation token")
    app_id: int | None = Field(None, description="GitHub App id (instead of a token)")
    app_private_key: SecretStr | None = Field(None, description="GitHub App private key (PEM)")
    app_installation_id: int | None = Field(None, description="GitHub App installation id")
    repo: str = Field("VNG-Realisatie/Softwarecatalogus", description="default repository for bare #N")
    timeout: float = Field(30.0, gt=0, description="seconds per request")
    max_wait_seconds: float = Field(60.0, ge=0, description="longest wait for a rate limit before deferring")

    @field_validator("base_url")
    @classmethod
    def _base_url(cls, value: str | None) -> str | None:
        return _http_url(value)

    @field_validator("repo")
    @classmethod
    def _repo(cls, value: str) -> str:
        if value.count("/") != 1 or not all(value.split("/")):
            raise ValueError("expected 'owner/name'")
        return value

    @property
    def is_sandbox(self) -> bool:
        return self.base_url == SANDBOX


class StoreSettings(_Section):
    """The database."""

    url: str = Field(
        "sqlite:///data/swc-beheer.sqlite3",
        description="SQLAlchemy URL (sqlite:/// or postgresql+psycopg://)",
    )
    password: SecretStr | None = Field(
        None,
        description="database password, kept out of SWC_STORE__URL so it can come from a secret file "
        "(store__password in SWC_SECRETS_DIR)",
    )

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not value.startswith(("sqlite:", "postgresql")):
            raise ValueError("expected sqlite:///PATH or postgresql+psycopg://USER@HOST/DB")
        return value


class SyncSettings(_Section):
    """Sync behaviour."""

    deletion_brake: float = Field(0.05, ge=0, le=1, description="hold deletions above this share of a type")
    full_every: int = Field(
        24,
        ge=1,
        description="daemon: every Nth completed sync is a full one; until a full sync has completed, "
        "every sync is full",
    )
    accounts: bool = Field(
        True,
        description="after every full catalogue sync, also sync the Nextcloud accounts (OCS provisioning "
        "API: needs an admin login, reads 500 accounts a request; Nextcloud before 14: one per account)",
    )


class DaemonSettings(_Section):
    """`swc-beheer serve`: where the /healthz, /status and /metrics endpoint listens."""

    host: str = Field("127.0.0.1", description="address of the /healthz, /status and /metrics endpoint")
    port: int = Field(8765, ge=0, le=65535, description="port of the health endpoint (0: any free port)")
    log_format: Literal["auto", "json", "text"] = Field(
        "auto",
        description="the daemon's log lines on stderr: json (one object per line: time, level, logger, "
        "message, job, exception), text, or auto (json unless stderr is a terminal)",
    )


def _cron(value: str) -> str:
    """A crontab line: five fields (minute hour day month weekday), or six with seconds first.

    The full check (ranges, names) is APScheduler's, when the daemon builds its triggers: importing it
    here would cost every command 0.2 s.
    """
    fields = value.split()
    if len(fields) not in (5, 6):
        raise ValueError(
            "expected a cron expression of 5 fields (minute hour day month weekday), e.g. '0 * * * *'"
        )
    return " ".join(fields)


class ScheduleSettings(_Section):
    """`swc-beheer serve`: when the jobs run (cron expressions in `timezone`)."""

    timezone: str = Field("Europe/Amsterdam", description="time zone of the cron expressions")
    sync_cron: str = Field(
        "0 * * * *", description="catalogue sync (full or incremental, see SWC_SYNC__FULL_EVERY)"
    )
    journey_cron: str = Field("5 * * * *", description="journey issue refresh (and the opt-in dashboard)")
    reconcile_cron: str = Field("10 * * * *", description="reconciliation")
    jitter_seconds: int = Field(
        30, ge=0, le=3600, description="each run starts up to this many seconds late, at random"
    )
    misfire_grace_seconds: int = Field(
        3600,
        ge=1,
        description="a run delayed longer than this (daemon stopped, a long job before it) is "
        "skipped; missed runs are coalesced into one",
    )

    @field_validator("sync_cron", "journey_cron", "reconcile_cron")
    @classmethod
    def _cron(cls, value: str) -> str:
        return _cron(value)

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("expected an IANA time zone such as Europe/Amsterdam") from None
        return value


class JourneySettings(_Section):
    """Journey documents and step rollup."""

    paths: list[Path] = Field(
        default_factory=lambda: [DEFAULT_JOURNEY],
        description="journey documents, as a JSON list (default: the bundled klantreis)",
    )
    blocked_label: str = Field("blocked", description="an issue with this label marks its step blocked")
    stale_days: int = Field(60, ge=1, description="an open issue untouched this many days needs attention")
    dashboard_issue_title: str = Field(
        "Klantreis functioneel beheer: status", description="title of the living dashboard issue"
    )
    publish_dashboard: bool = Field(
        False, description="daemon: keep the dashboard issue on GitHub up to date (opt-in)"
    )


class ReconcileSettings(_Section):
    """Which rules run and their thresholds."""

    disabled_rules: list[str] = Field(default_factory=list, description="rule names to skip, as a JSON list")
    concept_supplier_warn_days: int = Field(
        14, ge=0, description="a supplier in concept longer than this many days is a finding"
    )
    concept_package_warn_days: int = Field(
        30, ge=0, description="a package in concept longer than this many days is a finding"
    )
    duplicate_name_score: float = Field(85.0, ge=0, le=100, description="rapidfuzz ratio of near-duplicates")
    evidence_cap: int = Field(20, ge=1, description="most evidence items kept per finding")
    reference_dir: Path = Field(
        Path("data/reference"), description="where `reference refresh` keeps a newer municipality register"
    )
    reference_url: str | None = Field(None, description="base URL of the register files (reference refresh)")
    tooi_url: str = Field(
        "https://repository.officiele-overheidspublicaties.nl/waardelijsten/rwc_gemeenten_compleet",
        description="TOOI repository of 'Register gemeenten compleet' (reference refresh --tooi latest)",
    )


class DigestChannelSettings(_Section):
    """One digest destination; several may be configured at once, each with its own language."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,40}$", description="stable id, part of the outbox key")
    kind: Literal["email", "teams", "slack", "mattermost", "file"]
    language: Literal["nl", "en"] = "nl"
    recipients: list[str] = Field(default_factory=list, description="e-mail: addresses to send to")
    webhook_url: SecretStr | None = Field(None, description="chat: the incoming webhook URL")
    directory: Path | None = Field(None, description="file: where the HTML and Markdown go")

    @field_validator("recipients")
    @classmethod
    def _recipients(cls, value: list[str]) -> list[str]:
        bad = [address for address in value if "@" not in address or any(c in address for c in " ,;<>")]
        if bad:
            raise ValueError(f"{len(bad)} recipient(s) are not plain e-mail addresses")
        return value


class DigestSettings(_Section):
    """Digests: what changed, composed into the outbox on a schedule and delivered per channel."""

    channels: list[DigestChannelSettings] = Field(
        default_factory=list, description='JSON: [{"name": "beheer", "kind": "email", "recipients": [...]}]'
    )
    cron: str = Field("0 7 * * mon", description="when a digest falls due (crontab, in `timezone`)")
    timezone: str = Field("Europe/Amsterdam", description="IANA time zone of `cron`")
    check_interval_seconds: int = Field(300, ge=10, description="daemon: how often the outbox is looked at")
    nothing_new: Literal["one_line", "skip"] = Field("one_line", description="quiet period: a line or none")
    report_base_url: str | None = Field(None, description="public URL of the reports folder")
    top_findings: int = Field(5, ge=1, le=50, description="findings shown per step")
    max_attempts: int = Field(8, ge=1, le=100, description="deliveries tried before a digest is 'failed'")
    retry_base_seconds: float = Field(60.0, gt=0, description="first retry delay; doubles per attempt")
    retry_max_seconds: float = Field(21600.0, gt=0, description="longest retry delay")
    smtp_host: str = Field("localhost", description="SMTP server for e-mail channels")
    smtp_port: int = Field(587, ge=1, le=65535, description="SMTP port (587 STARTTLS, 465 implicit TLS)")
    smtp_security: Literal["starttls", "tls", "none"] = Field("starttls", description="transport security")
    smtp_user: str | None = Field(None, description="SMTP login (with smtp_password)")
    smtp_password: SecretStr | None = Field(None, description="SMTP password (secret)")
    smtp_from: str = Field("swc-beheer@localhost", description="From; its domain ends Message-IDs")
    smtp_ca_file: Path | None = Field(None, description="CA bundle for a private SMTP certificate")
    timeout: float = Field(30.0, gt=0, description="seconds per SMTP or webhook request")


ReportFormat = Literal["md", "html", "xlsx", "csv", "json"]


class ReportSettings(_Section):
    """The reports people read: links into the catalogue, personal data, sizes of lists."""

    object_url: str | None = Field(
        None,
        description="URL pattern of an object in the catalogue's web interface, with {kind} (organisation, "
        "package, ...), {schema} (organisatie, module, ...) and {id}; unset: evidence without links",
    )
    show_personal_data: bool = Field(False, description="show users' names and e-mail addresses in reports")
    top: int = Field(20, ge=1, le=1000, description="length of top-N lists (packages, suppliers)")
    recent_days: int = Field(30, ge=1, description="users added within this many days count as recent")
    active_days: int = Field(90, ge=1, description="users who logged in within this many days are active")
    formats: list[ReportFormat] = Field(
        default_factory=lambda: list[ReportFormat](["html"]),
        description="formats `run` and the daemon write every report in",
    )

    @field_validator("object_url")
    @classmethod
    def _pattern(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.startswith(("http://", "https://")) or "{id}" not in value:
            raise ValueError("expected an http(s):// URL pattern containing {id}")
        names = {name for _, name, _, _ in string.Formatter().parse(value) if name}
        unknown = names - {"id", "kind", "schema"}
        if unknown:
            raise ValueError("only the placeholders {id}, {kind} and {schema} are known")
        return value


class Settings(BaseSettings):
    """All settings of swc-beheer."""

    model_config = SettingsConfigDict(
        env_prefix="SWC_",
        env_nested_delimiter="__",
        env_file=".env",
        extra="ignore",  # a .env file may hold other tools' variables; sections still forbid typos
        validate_default=True,
    )

    language: Literal["nl", "en"] = Field("nl", description="language of output, reports and digests")
    reports_dir: Path | None = Field(
        None,
        description="where `run` writes its HTML reports (default: 'reports' beside a SQLite database, "
        "else ./swc-reports)",
    )
    catalogue: CatalogueSettings = CatalogueSettings()
    github: GitHubSettings = GitHubSettings()
    store: StoreSettings = StoreSettings()
    sync: SyncSettings = SyncSettings()
    daemon: DaemonSettings = DaemonSettings()
    schedule: ScheduleSettings = ScheduleSettings()
    journey: JourneySettings = JourneySettings()
    reconcile: ReconcileSettings = ReconcileSettings()
    digest: DigestSettings = DigestSettings()
    reports: ReportSettings = ReportSettings()


def _env_name(loc: tuple[Any, ...]) -> str:
    return "SWC_" + "__".join(str(part).upper() for part in loc if not isinstance(part, int))


def _secret_files(directory: str) -> dict[str, Any]:
    """Nested overrides from one-file-per-secret (Docker/Kubernetes style), e.g. `catalogue__password`."""
    folder = Path(directory)
    if not folder.is_dir():
        raise ConfigError(f"SWC_SECRETS_DIR={directory} is not a directory")
    values: dict[str, Any] = {}
    for path in sorted(folder.iterdir()):
        if not path.is_file() or path.name.startswith("."):
            continue
        name = path.name.lower().removeprefix("swc_")
        *parents, leaf = name.split("__")
        target = values
        for part in parents:
            target = target.setdefault(part, {})
        target[leaf] = path.read_text(encoding="utf-8").strip()
    return values


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged.setdefault(key, value)
    return merged


def load_settings(**overrides: Any) -> Settings:
    """Load settings from overrides, the environment, `.env` and secret files (lowest priority).

    Raises ConfigError naming each offending SWC_* variable, never echoing a value (it may be a secret),
    and for every SWC_* name no setting reads, with the closest valid name.
    """
    from config.env_names import environment_check

    environment_check(Settings, Path(".env"))
    try:
        env_view = Settings(**overrides)
    except ValidationError as exc:
        raise _config_error(exc) from None
    except SettingsError as exc:  # a complex value (dict/list) that is not valid JSON
        raise ConfigError(
            f"Invalid settings: {_settings_error_name(exc)} is not valid JSON",
            hint='lists and maps are written as JSON, e.g. SWC_JOURNEY__PATHS=\'["a.md", "b.md"]\'',
        ) from None
    secrets_dir = os.environ.get("SWC_SECRETS_DIR")
    if not secrets_dir:
        return check_credentials(env_view)
    from_files = _secret_files(secrets_dir)
    # secret files fill only what the environment left unset
    current = env_view.model_dump(exclude_unset=True)
    try:
        merged = Settings(**_merge(current, from_files))
    except ValidationError as exc:
        raise _config_error(exc, source=f"a file in SWC_SECRETS_DIR={secrets_dir}") from None
    return check_credentials(merged)


def check_credentials(settings: Settings) -> Settings:
    """`settings` when the catalogue user and password are both set or both empty; else a ConfigError.

    Nextcloud tries Basic auth only when user and password are both non-empty: a user with an empty
    password is served as anonymous (200 with the public rows only), which a full sync would take for the
    whole catalogue. Checked after the secret files are merged (the password often comes from one).
    """
    cfg = settings.catalogue
    password = cfg.password.get_secret_value() if cfg.password is not None else ""
    if bool(cfg.user) == bool(password):
        return settings
    given, missing = (
        ("SWC_CATALOGUE__USER", "SWC_CATALOGUE__PASSWORD")
        if cfg.user
        else ("SWC_CATALOGUE__PASSWORD", "SWC_CATALOGUE__USER")
    )
    raise ConfigError(
        f"Invalid settings: {missing} is empty while {given} is set; Nextcloud would serve the catalogue "
        "anonymously (public rows only)",
        hint="set both (a Nextcloud app password), or neither for anonymous access",
        key="error.settings.half_credentials",
        hint_key="hint.settings.half_credentials",
        params={"given": given, "missing": missing},
    )


def _settings_error_name(exc: SettingsError) -> str:
    # pydantic-settings says: 'error parsing value for field "catalogue" from source "EnvSettingsSource"'
    text = str(exc)
    if 'field "' not in text:
        return "a SWC_* variable"
    prefix = "SWC_" + text.split('field "', 1)[1].split('"', 1)[0].upper() + "__"
    names = sorted(name for name in os.environ if name.upper().startswith(prefix))
    return " or ".join(names) if names else prefix + "…"


def _config_error(exc: ValidationError, *, source: str | None = None) -> ConfigError:
    lines = [f"{_env_name(err['loc'])}: {err['msg']}" for err in exc.errors()]
    if source:
        lines.append(f"(read from {source})")
    details = "\n  ".join(lines)
    return ConfigError(
        "Invalid settings:\n  " + details,
        hint="see README 'Settings' for the expected forms",
        key="error.config.invalid",
        hint_key="hint.config.invalid",
        params={"details": details},
    )
