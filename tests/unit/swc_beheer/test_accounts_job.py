"""The main job's exit code takes the accounts part: partial when refused or failed, never failed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from swc_beheer.jobs import MainJobReport
from sync.accounts_sync import AccountsReport
from sync.run_report import RunReport

WHEN = datetime(2026, 12, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("accounts", "code"),
    [("success", 0), ("skipped", 0), ("partial", 3), ("failed", 3), (None, 0)],
)
def test_the_main_job_is_partial_when_the_accounts_are_not_complete(accounts: str | None, code: int) -> None:
    sync_report = RunReport(1, "full", "success", WHEN, WHEN)
    sync_report.accounts = AccountsReport(accounts) if accounts else None  # type: ignore[arg-type]
    assert MainJobReport(sync=sync_report).exit_code == code
