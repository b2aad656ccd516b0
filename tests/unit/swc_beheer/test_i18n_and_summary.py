"""The message catalogue and the run summary renderers."""

from __future__ import annotations

import json
import string
from datetime import UTC, datetime, timedelta

import pytest
from rich.console import Console

from swc_beheer.i18n import LANGUAGES, messages, t
from swc_beheer.summary import render_run_json, render_run_summary
from sync.run_report import EntityStats, HeldDeletion, RunReport, SkippedRecord


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_language_has_the_same_keys_and_placeholders() -> None:
    nl, en = messages("nl"), messages("en")
    assert set(nl) == set(en)
    assert {k: _fields(v) for k, v in nl.items()} == {k: _fields(v) for k, v in en.items()}


def test_t_formats_and_falls_back() -> None:
    assert t("sync.store", "en", location="/x") == "Database: /x"
    assert t("no.such.key", "en") == "no.such.key"
    assert t("sync.col.new", "fr") == messages("nl")["sync.col.new"]
    with pytest.raises(ValueError, match="nl, en"):
        messages("fr")


def _report(status: str = "partial") -> RunReport:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    report = RunReport(
        7, "full", status, start, start + timedelta(seconds=2.5), store_location="/data/s.sqlite3"
    )  # type: ignore[arg-type]
    report.stats["usage"] = EntityStats(
        "usage", listed=10, new=3, changed=1, unchanged=6, held_deletions=4, complete=True
    )
    report.held, report.held_total = [HeldDeletion("usage", "u1")], 4
    report.skipped, report.skipped_total = [SkippedRecord("contact", "bad", "id is not a uuid")], 1
    return report


@pytest.mark.parametrize("lang", LANGUAGES)
def test_summary_names_counts_held_skipped_and_location(lang: str) -> None:
    console = Console(width=160, record=True)
    console.print(render_run_summary(_report(), lang))
    text = console.export_text()
    assert t("sync.entity.usage", lang) in text and "/data/s.sqlite3" in text
    assert "--confirm-deletions" in text and "id is not a uuid" in text
    assert t("sync.status.partial", lang) in text


def test_json_report_is_complete() -> None:
    data = json.loads(render_run_json(_report()))
    assert data["run_id"] == 7 and data["exit_code"] == 3 and data["duration"] == 2.5
    assert data["stats"]["usage"]["new"] == 3 and data["held_total"] == 4
    assert data["skipped"][0] == {"entity_type": "contact", "id": "bad", "reason": "id is not a uuid"}
