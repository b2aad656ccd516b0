"""Reports: grouped by journey step, nl/en, and safe with hostile catalogue text (CSV/XLSX formulas, HTML)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from config.settings import ReconcileSettings
from reconcile import run_reconcile
from reports.findings import messages, render_report, safe_cell, write_report
from store import open_store
from tests.helpers.records import LINKS, NOW, days_ago, gemeente, supplier, sync_records, user

HOSTILE = [
    '=HYPERLINK("http://evil.example","klik")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A2)",
    "\tTabbed",
    "\rReturn",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
]


@pytest.fixture
def report(tmp_path: Path, register: Any) -> Any:
    store = open_store(f"sqlite:///{tmp_path}/s.sqlite3")
    records = [
        supplier(f"s{i}", name, status="concept", created=days_ago(20)) for i, name in enumerate(HOSTILE)
    ]
    records += [
        gemeente("weesp", "Weesp", 457),
        gemeente("ams", "Amsterdam", 363),
        user("u", "s0", email="=bad"),
    ]
    sync_records(store, records)
    result = run_reconcile(store, register, ReconcileSettings(), NOW, links=LINKS)
    store.close()
    return result


def test_csv_neutralises_formulas(report: Any) -> None:
    rows = list(csv.reader(io.StringIO(render_report(report, "csv", "en"))))  # type: ignore[arg-type]
    assert rows[0][:3] == ["step", "rule", "severity"]
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    messages_ = [r[6] for r in rows[1:] if r[1] == "supplier_concept"]
    assert len(messages_) == len(HOSTILE)


def test_xlsx_has_no_formulas(report: Any, tmp_path: Path) -> None:
    path = write_report(report, tmp_path / "out", "xlsx", "nl")
    sheet = load_workbook(path).active
    assert sheet is not None
    values = [cell for row in sheet.iter_rows() for cell in row]
    assert all(c.data_type != "f" for c in values)
    assert all(not str(c.value or "").startswith(("=", "+", "-", "@", "\t", "\r")) for c in values)
    assert any("HYPERLINK" in str(c.value) for c in values)  # the text is kept, just inert


def test_html_escapes_catalogue_text(report: Any) -> None:
    html = render_report(report, "html", "en")
    assert isinstance(html, str)
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;" in html
    assert "https://swc.example/api/objects/voorzieningen/organisatie/s0" in html


def test_markdown_groups_by_step_in_journey_order(report: Any) -> None:
    md = render_report(report, "md", "nl")
    assert isinstance(md, str)
    assert md.index("1.1 Aanbod organisatie beoordelen") < md.index("2.1 Herindelingen")
    assert "<script>" not in md
    en = render_report(report, "md", "en")
    assert "1.1 Review new supplier organisations" in en and "Amsterdam (GM0363)" in en


def test_json_has_alerting_and_params(report: Any) -> None:
    doc = json.loads(render_report(report, "json", "en"))  # type: ignore[arg-type]
    merged = next(f for f in doc["findings"] if f["rule"] == "municipality_merged")
    assert merged["params"]["successors"][0]["code"] == "GM0363" and merged["alerting"] is True
    assert doc["stats"]["total"] == len(doc["findings"])


def test_message_catalogues_have_the_same_keys() -> None:
    assert set(messages("nl")) == set(messages("en"))


@pytest.mark.parametrize(("value", "safe"), [("=1", "'=1"), ("ok", "ok"), (3, 3), ("", "")])
def test_safe_cell(value: Any, safe: Any) -> None:
    assert safe_cell(value) == safe
