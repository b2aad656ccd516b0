"""The findings report: summary first, one table per journey step titled as the journey document titles it,
evidence by name linking into the catalogue's web interface, labels in the report's language, and safe with
hostile catalogue text in every format (CSV/XLSX formulas, HTML/script, Markdown)."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from config.settings import DEFAULT_JOURNEY, ReconcileSettings
from journey.parser import load_journey
from reconcile import run_reconcile
from reports.common import ObjectLinks, ReportOptions
from reports.files import render_files, write_report_files
from reports.findings import build_findings_report, journey_step_titles, messages, state_from_run
from reports.render import safe_cell
from store import open_store
from tests.helpers.records import NOW, days_ago, gemeente, supplier, sync_records, user

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
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
LINKS = ObjectLinks(
    "https://swc.example/app/{schema}/{id}", {"organisation": "organisatie", "contact": "contactpersoon"}
)
TITLES = journey_step_titles(
    [load_journey(DEFAULT_JOURNEY, default_repo="VNG-Realisatie/Softwarecatalogus")[0]]
)


@pytest.fixture
def run(tmp_path: Path, register: Any) -> Any:
    store = open_store(f"sqlite:///{tmp_path}/s.sqlite3")
    records = [
        supplier(f"s{i}", name, status="concept", created=days_ago(20)) for i, name in enumerate(HOSTILE)
    ]
    records += [
        gemeente("weesp", "Weesp", 457),
        gemeente("ams", "Amsterdam", 363),
        user("u", "s0", email="=bad"),
        user("lost", "0b7c2f0e-1111-4222-8333-944455556666", email="lost@example.nl"),
    ]
    sync_records(store, records)
    result = run_reconcile(store, register, ReconcileSettings(), NOW)
    store.close()
    return result


def _report(run: Any, lang: str = "nl") -> Any:
    options = ReportOptions(lang=lang, links=LINKS, now=NOW)  # type: ignore[arg-type]
    return build_findings_report(state_from_run(run), options, TITLES)


def _text(run: Any, fmt: str, lang: str = "nl") -> str:
    files = render_files(_report(run, lang), fmt)  # type: ignore[arg-type]
    return "\n".join(str(v) for v in files.values())


def test_summary_comes_first_with_steps_by_severity(run: Any) -> None:
    report = _report(run)
    assert [f.key for f in report.summary][:4] == ["total", "alerting", "new", "resolved"]
    assert report.summary[0].value == len(run.findings)
    overview = report.sections[0]
    assert overview.key == "overview" and report.charts[0].key == "findings_by_step"
    table = overview.tables[0]
    assert sum(int(row[4]) for row in table.rows) == len(run.findings)  # type: ignore[arg-type]


def test_step_titles_come_from_the_journey_document(run: Any) -> None:
    md = _text(run, "md")
    # the klantreis document's own words for 1.1 and 2.1, as the board shows them
    assert "Stap 1.1: Aanbod organisatie beoordelen" in md
    assert "Stap 2.1: Gemeenten of leveranciers samenvoegen" in md
    assert "Stap 3.3: Overzicht gebruikers (in het klantreisdocument genummerd als 2.3)" in md
    sections = [line for line in md.splitlines() if line.startswith("## ")]
    order = [
        next(i for i, line in enumerate(sections) if key in line)
        for key in ("Stap 1.1", "Stap 2.1", "Stap 3.3")
    ]
    assert order == sorted(order)  # journey order
    en = _text(run, "md", "en")
    assert "Step 1.1: Aanbod organisatie beoordelen" in en and "Severity" in en and "Ernst" not in en


def test_evidence_is_named_and_linked_never_a_bare_uuid(run: Any) -> None:
    html = _text(run, "html")
    assert 'href="https://swc.example/app/organisatie/weesp"' in html
    assert ">Weesp</a>" in html
    visible = re.sub(r'href="[^"]*"', "", html)
    assert not UUID.search(visible)
    assert "(naam onbekend)" in html  # the user's organisation that does not exist has no name
    assert "<td>GM0014</td>" in html  # a municipality missing from the catalogue: its code is the evidence


def test_csv_neutralises_formulas(run: Any) -> None:
    for text in render_files(_report(run, "en"), "csv").values():
        for row in csv.reader(io.StringIO(str(text))):
            for cell in row:
                assert not cell.startswith(FORMULA_START), cell


def test_xlsx_has_no_formulas_typed_cells_frozen_header_and_filters(run: Any, tmp_path: Path) -> None:
    paths = write_report_files(_report(run), tmp_path / "out", ["xlsx"])
    book = load_workbook(paths[0])
    values = []
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref
        values += [cell for row in sheet.iter_rows() for cell in row]
    assert all(c.data_type != "f" for c in values)
    assert all(not str(c.value or "").startswith(FORMULA_START) for c in values)
    assert any("HYPERLINK" in str(c.value) for c in values)  # the text is kept, just inert
    summary = book["summary"]
    assert isinstance(summary.cell(2, 5).value, int)  # numbers are numbers
    assert (tmp_path / "out" / "archive" / f"findings-{NOW.date().isoformat()}.xlsx").is_file()


def test_html_escapes_catalogue_text(run: Any) -> None:
    html = _text(run, "html", "en")
    assert "<script>alert" not in html and "<img" not in html
    assert "&lt;script&gt;" in html


def test_markdown_escapes_markup(run: Any) -> None:
    md = _text(run, "md")
    assert "<script>" not in md and "\\<script\\>" in md


def test_json_keeps_the_findings_for_machines(run: Any) -> None:
    doc = json.loads(_text(run, "json", "en"))
    merged = next(f for f in doc["findings"] if f["rule"] == "municipality_merged")
    assert merged["params"]["successors"][0]["code"] == "GM0363" and merged["alerting"] is True
    assert doc["stats"]["total"] == len(doc["findings"]) == doc["summary"]["total"]["value"]


def test_message_catalogues_have_the_same_keys() -> None:
    assert set(messages("nl")) == set(messages("en"))
    from config.i18n import MessageCatalogue

    reports = MessageCatalogue("reports")
    assert set(reports.messages("nl")) == set(reports.messages("en"))


@pytest.mark.parametrize(("value", "safe"), [("=1", "'=1"), ("ok", "ok"), (3, 3), ("", "")])
def test_safe_cell(value: Any, safe: Any) -> None:
    assert safe_cell(value) == safe


def test_written_reports_are_readable_by_others(run: Any, tmp_path: Path) -> None:
    for path in write_report_files(_report(run), tmp_path, ["html", "md"]):
        assert path.stat().st_mode & 0o044 == 0o044
