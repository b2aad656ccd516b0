"""The renderers every report shares: hostile catalogue text is inert in every format, cells are typed."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook

from reports.files import render_files
from reports.model import Chart, Column, Figure, KeyFigure, Link, Paragraph, Report, Section, Series, Table
from reports.render import format_cell, safe_url

PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    '=HYPERLINK("http://evil.example","klik")',
    "+SUM(1,2)",
    "-1+2",
    "@cmd",
    "\tTab",
    "[link](javascript:alert(1)) **vet** | pipe",
]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _report() -> Report:
    columns = (
        Column("name", "Naam", "link"),
        Column("text", "<b>Kop</b>"),
        Column("count", "Aantal", "int"),
        Column("share", "Deel", "percent"),
        Column("day", "Dag", "date"),
    )
    def link(i: int, text: str) -> Link:
        return Link(text, "javascript:alert(1)" if i == 0 else f"https://swc.example/o/{i}")

    rows = [(link(i, p), p, 1234 + i, 12.5, date(2026, 1, 2)) for i, p in enumerate(PAYLOADS)]
    table = Table("tabel", "Tabel <i>x</i>", columns, rows)
    chart = Chart(
        "c", "Grafiek <b>", "bar", tuple(PAYLOADS[:3]), (Series("n", (1.0, 2.0, 3.0)),), "Tekst <u>"
    )
    return Report(
        name="test", lang="nl", title="<script>title</script>",
        generated_at=datetime(2026, 12, 4, tzinfo=UTC),
        summary=(KeyFigure("k", "=Label", 1234567), KeyFigure("na", "Nog niet", None, "<b>uitleg</b>")),
        sections=(Section("s", "Sectie <b>", (Paragraph(PAYLOADS[0]), Figure(chart, table))),),
        labels={"not_available": "nog niet beschikbaar"},
    )  # fmt: skip


def test_html_is_inert() -> None:
    html = str(render_files(_report(), "html")["test.html"])
    assert "<script>" not in html and "<img" not in html and "<b>" not in html and "<i>" not in html
    assert 'href="javascript:' not in html  # an unsafe link keeps its text, loses its href
    assert 'href="https://swc.example/o/1"' in html and "1.234.567" in html  # Dutch thousands


def test_markdown_is_inert() -> None:
    md = str(render_files(_report(), "md")["test.md"])
    assert "<script>" not in md and "[link](javascript:" not in md and "\\[link\\](javascript:" in md
    assert "\\*\\*vet\\*\\*" in md and "\\|" in md


def test_csv_and_xlsx_have_no_formulas_and_typed_cells(tmp_path: object) -> None:
    for text in render_files(_report(), "csv").values():
        for row in csv.reader(io.StringIO(str(text))):
            assert not any(cell.startswith(FORMULA_START) for cell in row), row
    data = render_files(_report(), "xlsx")["test.xlsx"]
    assert isinstance(data, bytes)
    sheet = load_workbook(io.BytesIO(data))["tabel"]
    cells = [c for row in sheet.iter_rows() for c in row]
    assert all(c.data_type != "f" and not str(c.value or "").startswith(FORMULA_START) for c in cells)
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:E9"
    assert sheet["C2"].value == 1234 and sheet["D2"].value == 12.5 and sheet["E2"].is_date
    assert sheet["A3"].hyperlink.target == "https://swc.example/o/1" and sheet["A2"].hyperlink is None


def test_json_keeps_the_text_as_data() -> None:
    doc = json.loads(str(render_files(_report(), "json")["test.json"]))
    rows = doc["sections"][0]["tables"][0]["rows"]
    assert [r["text"] for r in rows] == PAYLOADS and rows[0]["name"]["url"] is None
    assert doc["summary"]["na"]["value"] is None


@pytest.mark.parametrize(
    ("value", "kind", "lang", "shown"),
    [(1234567, "int", "nl", "1.234.567"), (1234567, "int", "en", "1,234,567"),
     (87.5, "percent", "nl", "87,5%"), (87.5, "percent", "en", "87.5%"),
     (date(2026, 1, 2), "date", "nl", "2026-01-02"), (None, "text", "nl", "")],
)  # fmt: skip
def test_format_cell(value: object, kind: str, lang: str, shown: str) -> None:
    assert format_cell(value, kind, lang) == shown  # type: ignore[arg-type]


def test_safe_url() -> None:
    assert (
        safe_url("javascript:alert(1)") is None and safe_url("https://a.example/x") == "https://a.example/x"
    )
