"""The reports over Settings: build one report for `swc-beheer report ...`, or write all of them after a
reconciliation (`run` and the daemon). Settings become plain values here, through swc_beheer.wiring."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from config import Settings

if TYPE_CHECKING:
    from reconcile import ReconcileReport
    from reports.findings import FindingsState, StepTitles
    from reports.model import Format, Report
    from store.base import Store

__all__ = ["REPORTS", "ReportName", "build_report", "step_titles", "write_all_reports"]

ReportName = Literal["findings", "usage", "users", "concepts"]
REPORTS: tuple[ReportName, ...] = ("findings", "usage", "users", "concepts")


def step_titles(settings: Settings) -> StepTitles:
    """Step titles from the configured journey documents: the same the journey board shows."""
    from reports.findings import journey_step_titles
    from swc_beheer.journey_jobs import load_journeys

    return journey_step_titles(journey for journey, _ in load_journeys(settings))


def _build(
    settings: Settings,
    store: Store,
    name: ReportName,
    *,
    lang: str | None,
    as_of: datetime | None,
    state: FindingsState | None,
) -> Report:
    from reconcile.register import Register
    from swc_beheer.wiring import report_options

    options = report_options(settings, lang=lang)
    if name == "findings":
        from reports.findings import build_findings_report, load_findings_state

        return build_findings_report(state or load_findings_state(store), options, step_titles(settings))
    if name == "usage":
        from reports.usage import build_usage_report

        return build_usage_report(
            store, Register.load(settings.reconcile.reference_dir), options, as_of=as_of
        )
    if name == "users":
        from reports.users import build_users_report

        return build_users_report(store, options)
    from reports.concepts import build_concepts_report

    return build_concepts_report(
        store,
        options,
        warn_days=settings.reconcile.concept_package_warn_days,
        duplicate_score=settings.reconcile.duplicate_name_score,
    )


def build_report(
    settings: Settings, name: ReportName, *, lang: str | None = None, as_of: datetime | None = None
) -> Report:
    """One report from the store these settings name."""
    from swc_beheer.wiring import open_store_from

    store = open_store_from(settings)
    try:
        return _build(settings, store, name, lang=lang, as_of=as_of, state=None)
    finally:
        store.close()


def write_all_reports(
    settings: Settings,
    directory: Path,
    *,
    lang: str | None = None,
    reconcile: ReconcileReport | None = None,
    formats: Iterable[Format] | None = None,
) -> list[Path]:
    """Every report in the configured formats (stable names plus dated archive copies); the findings
    report from `reconcile` when given (what that run changed), else from the store's newest run."""
    from reports.files import write_report_files
    from reports.findings import state_from_run
    from swc_beheer.wiring import open_store_from

    chosen = list(formats or settings.reports.formats)
    state = state_from_run(reconcile) if reconcile is not None else None
    written: list[Path] = []
    store = open_store_from(settings)
    try:
        for name in REPORTS:
            report = _build(settings, store, name, lang=lang, as_of=None, state=state)
            written += write_report_files(report, directory, chosen)
    finally:
        store.close()
    return written
