"""The service's jobs as orchestrators over Settings: used by `swc-beheer run` and by the daemon.

Each job opens what it needs (through swc_beheer.wiring) and closes it again, so a job can
run in any thread at any time. Library functions return reports; nothing here prints.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from config import Settings, SwcError
from swc_beheer.exit_codes import ExitCode

if TYPE_CHECKING:
    from collections.abc import Iterable

    from connectors.github_fetch import RateLimitSeen
    from reconcile import ReconcileReport
    from store.run_metrics import LastRun
    from store.runs import RunMode
    from swc_beheer.journey_jobs import JourneyRunReport
    from swc_beheer.metrics import Observations
    from swc_beheer.wiring import Services
    from sync.accounts_sync import AccountsReport
    from sync.catalogue_sync import ProgressCallback
    from sync.run_report import RunReport

__all__ = [
    "MainJobReport",
    "catalogue_job",
    "full_sync_completed",
    "store_status",
    "journey_job",
    "observe_rate_limits",
    "reconcile_job",
    "publish_job",
    "reconcile_once",
    "run_main_job",
    "sandbox_settings",
    "sync_accounts",
    "sync_catalogue",
]


def sandbox_settings(settings: Settings) -> Settings:
    """The same settings with both remotes (catalogue and GitHub) pointed at the embedded sandboxes."""
    catalogue = settings.catalogue.model_copy(update={"base_url": "sandbox"})
    github = settings.github.model_copy(update={"base_url": "sandbox"})
    return settings.model_copy(update={"catalogue": catalogue, "github": github})


def reconcile_once(settings: Settings, *, now: datetime | None = None) -> ReconcileReport:
    """One reconciliation of the stored catalogue against the rules and the municipality register."""
    from reconcile import CatalogueLinks, run_reconcile
    from reconcile.register import Register
    from swc_beheer.wiring import open_store_from

    cat = settings.catalogue
    links = (
        None
        if cat.is_sandbox or cat.base_url is None
        else CatalogueLinks(cat.base_url, cat.api_prefix, cat.register_slug, dict(cat.schemas))
    )
    store = open_store_from(settings, create=False)  # no store, no full sync: nothing to reconcile
    try:
        register = Register.load(settings.reconcile.reference_dir)
        return run_reconcile(store, register, settings.reconcile, now or datetime.now(UTC), links=links)
    finally:
        store.close()


async def sync_catalogue(
    settings: Settings,
    *,
    mode: RunMode = "full",
    confirm_deletions: bool = False,
    sandbox: bool | None = None,
    progress: ProgressCallback | None = None,
) -> RunReport:
    """The orchestrator: build store and client from settings (swc_beheer.wiring) and run one catalogue sync.

    `sandbox=True` forces the embedded sandbox catalogue, None follows settings.catalogue.base_url.
    """
    from swc_beheer.wiring import open_services, settings_digest
    from sync.catalogue_sync import run_catalogue_sync

    with open_services(settings, sandbox=sandbox) as services:
        digest = settings_digest(settings, sandbox=services.sandbox is not None)
        async with services.catalogue_client() as client:
            report = await run_catalogue_sync(
                services.store,
                client,
                mode=mode,
                deletion_brake=settings.sync.deletion_brake,
                confirm_deletions=confirm_deletions,
                overlap=timedelta(seconds=settings.catalogue.overlap_seconds),
                progress=progress,
                settings_digest=digest,
                access=services.access_check(),
            )
        if mode == "full" and settings.sync.accounts:  # full runs only (old Nextcloud: a request per account)
            report.accounts = await sync_accounts(services, settings_digest=digest)
        return report


async def sync_accounts(services: Services, *, settings_digest: str | None = None) -> AccountsReport:
    """The Nextcloud accounts behind the catalogue's login; whatever happens, never raises a SwcError
    (a refusal or a failure is the report's status: the catalogue sync stands on its own)."""
    from sync.accounts_sync import AccountsReport, run_accounts_sync

    concurrency = services.settings.catalogue.concurrency  # the catalogue's budget of requests in flight
    try:
        async with services.accounts_client(concurrency=concurrency) as accounts:
            return await run_accounts_sync(
                services.store,
                accounts,
                uid=services.catalogue_user,
                concurrency=concurrency,
                settings_digest=settings_digest,
            )
    except SwcError as exc:  # another accounts sync holds the lock, or the store failed before the run
        return AccountsReport("skipped", reason="not_run", params={"error": exc.message}, error=exc.message)


@dataclass
class MainJobReport:
    """`swc-beheer run`: the catalogue sync, the journey refresh and the reconciliation, with any failure."""

    sync: RunReport
    journey: JourneyRunReport | None = None
    journey_error: str | None = None
    reconcile: ReconcileReport | None = None
    reconcile_error: str | None = None
    reports: list[Path] = field(default_factory=list)
    reports_error: str | None = None

    @property
    def exit_code(self) -> int:
        """0 when every step did all it should; 1 only when nothing was saved; else 3 (partial).

        An accounts sync that was refused or failed makes the run partial, never failed.

        A failed sync saves nothing, but a journey refresh after it may still have saved issue states: then
        the run is partial, not failed (swc_beheer/exit_codes.py).
        """
        if self.sync.exit_code not in (0, 3):  # the sync failed: its transaction rolled back
            return ExitCode.PARTIAL if self.journey is not None else self.sync.exit_code
        deferred = self.journey is not None and bool(self.journey.refresh.deferred)
        accounts = self.sync.accounts
        accounts_short = accounts is not None and accounts.status not in ("success", "skipped")
        later_failed = (
            self.journey_error or self.reconcile_error or self.reports_error or deferred or accounts_short
        )
        return ExitCode.PARTIAL if (later_failed or self.sync.exit_code == 3) else ExitCode.OK


async def run_main_job(
    settings: Settings,
    *,
    progress: ProgressCallback | None = None,
    report_dir: Path | None = None,
    lang: str | None = None,
) -> MainJobReport:
    """Sync the catalogue, refresh the journeys' issues, reconcile, and write the board and findings reports.

    A failing later step is recorded, not raised: the sync's data is already safely committed.
    """
    from swc_beheer.journey_jobs import run_journey_refresh
    from swc_beheer.wiring import require_remote

    for remote in ("catalogue", "github"):  # a missing URL stops the run before anything is saved
        require_remote(settings, remote)
    report = MainJobReport(sync=await sync_catalogue(settings, mode="full", progress=progress))
    try:
        report.journey = await run_journey_refresh(settings)
    except SwcError as exc:
        report.journey_error = exc.message
    if report.sync.status != "failed":
        try:
            report.reconcile = reconcile_once(settings)
        except SwcError as exc:
            report.reconcile_error = exc.message
    directory = report_dir or default_report_dir(settings)
    try:  # the sync and the findings are saved already: an unwritable folder must not make the run "failed"
        report.reports = write_reports(report, directory, lang or settings.language, settings)
    except SwcError as exc:
        report.reports_error = exc.message
    return report


def default_report_dir(settings: Settings) -> Path:
    """SWC_REPORTS_DIR, else `reports/` beside a SQLite database file, else ./swc-reports.

    Not ./reports: run from a checkout, that is the `reports` package itself.
    """
    from sqlalchemy.engine import make_url

    if settings.reports_dir is not None:
        return settings.reports_dir
    url = make_url(settings.store.url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        beside = Path(url.database or "").resolve().parent / "reports"
        if not (beside / "__init__.py").exists():  # a database in the checkout's root: not into the package
            return beside
    return Path("swc-reports")


def write_reports(report: MainJobReport, directory: Path, lang: str, settings: Settings) -> list[Path]:
    """The journey board (HTML) and, after a reconciliation, every report (findings, usage, users, ...)."""
    from journey.render import render_html
    from reports.files import write_output
    from swc_beheer.report_jobs import write_all_reports

    written: list[Path] = []
    if report.journey is not None:
        board = render_html(report.journey.board, lang)
        written.append(write_output(directory / "journey-board.html", board))
    if report.reconcile is not None:
        written += write_all_reports(settings, directory, lang=lang, reconcile=report.reconcile)
    return written


# --- daemon jobs: (outcome, one-line message) --------------------------------------------------------------


def full_sync_completed(settings: Settings) -> bool:
    """Whether the store records a completed (success or partial) full catalogue sync."""
    from store.runs import last_run
    from swc_beheer.wiring import open_store_from

    store = open_store_from(settings)
    try:
        with store.sessions() as session:
            return last_run(session, mode="full", statuses=("success", "partial")) is not None
    finally:
        store.close()


def store_status(settings: Settings) -> tuple[str, LastRun | None, bool]:
    """(where the store is, its last finished catalogue sync, whether a full sync has completed).

    Read-only: a missing store is a ConfigError, never created.
    """
    from store.run_metrics import load_last_finished_run
    from store.runs import last_run
    from swc_beheer.wiring import open_store_from

    store = open_store_from(settings, create=False)
    try:
        with store.sessions() as session:
            last = load_last_finished_run(session)
            full = last_run(session, mode="full", statuses=("success", "partial")) is not None
        return store.location, last, full
    finally:
        store.close()


def catalogue_job(settings: Settings, *, full: bool) -> tuple[str, str]:
    run = asyncio.run(sync_catalogue(settings, mode="full" if full else "incremental"))
    counts = {name: (s.new, s.changed, s.deleted) for name, s in run.stats.items()}
    message = f"run {run.run_id} {run.mode}: (new, changed, deleted) {counts}; {run.error or ''}"
    if run.accounts is not None:
        acc = run.accounts
        message += f"; accounts {acc.status}: (new, changed, deleted) {(acc.new, acc.changed, acc.deleted)}"
        message += f" {acc.error}" if acc.error else ""
    return run.status, message


def journey_job(settings: Settings, observations: Observations | None = None) -> tuple[str, str]:
    from swc_beheer.journey_jobs import run_journey_refresh

    result = asyncio.run(run_journey_refresh(settings))
    refresh = result.refresh
    if observations is not None:  # for /metrics
        observations.add("swc_github_requests", "GitHub API requests of this daemon.", refresh.requests)
        observations.add(
            "swc_github_rate_points", "GitHub rate-limit points this daemon used.", refresh.rate_points_used
        )
        observations.set(
            "swc_github_deferred_issues",
            "Issues the last refresh deferred (rate limit).",
            len(refresh.deferred),
        )
        observe_rate_limits(observations, refresh.rate_limits.values())
    outcome = "partial" if refresh.deferred else "success"
    return outcome, (
        f"{refresh.keys} issues, {len(refresh.changes)} changes, {len(result.step_changes)} step "
        f"changes, {refresh.requests} requests, {len(refresh.deferred)} deferred"
    )


def observe_rate_limits(observations: Observations, seen: Iterable[RateLimitSeen]) -> None:
    """GitHub's last-seen rate limit per resource (core, graphql), as gauges for /metrics."""
    for limit in seen:
        observations.set(
            "swc_github_rate_limit_remaining",
            "GitHub rate-limit points left in the current window (last answer seen), by resource.",
            limit.remaining,
            resource=limit.resource,
        )
        observations.set(
            "swc_github_rate_limit_limit",
            "GitHub rate-limit points per window (last answer seen), by resource.",
            limit.limit,
            resource=limit.resource,
        )
        if limit.reset_at is not None:
            observations.set(
                "swc_github_rate_limit_reset_timestamp_seconds",
                "When GitHub's current rate-limit window ends (Unix time), by resource.",
                limit.reset_at.timestamp(),
                resource=limit.resource,
            )


def reconcile_job(settings: Settings) -> tuple[str, str]:
    """The daemon's reconciliation, followed by every report (so they never lag behind the findings)."""
    from swc_beheer.report_jobs import write_all_reports

    result = reconcile_once(settings)
    written = write_all_reports(settings, default_report_dir(settings), reconcile=result)
    return "success", (
        f"{len(result.findings)} findings ({len(result.alerting)} alerting, "
        f"{result.stats.new} new, {result.stats.resolved} resolved); {len(written)} report files written"
    )


def publish_job(settings: Settings) -> tuple[str, str]:
    """The daemon's opt-in dashboard job (only scheduled when SWC_JOURNEY__PUBLISH_DASHBOARD is true)."""
    from swc_beheer.journey_jobs import run_publish

    result = asyncio.run(run_publish(settings, explicit=False))
    return "success", f"dashboard {result.action} #{result.number} ({result.chars} characters)"
