"""Render a `Report` as Markdown, standalone HTML, XLSX, CSV (one file per table) or JSON.

Safety, the same in every format: HTML comes from Jinja2 with autoescape (catalogue text is never markup,
links only http(s)); Markdown escapes every markup character; CSV and XLSX cells that a spreadsheet would
read as a formula get a leading quote, and XLSX text cells are stored as strings, never as formulas.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, datetime
from functools import cache
from typing import Any

import jinja2
from markupsafe import Markup
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter

from reports.cells import visible_controls
from reports.charts import chart_svg
from reports.model import Cell, Column, Figure, Link, Paragraph, Report, Table

__all__ = [
    "format_cell",
    "render_csv",
    "render_html",
    "render_json",
    "render_markdown",
    "render_xlsx",
    "safe_cell",
    "safe_url",
]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|#!~])")


def safe_cell(value: Any) -> Any:
    """Neutralise spreadsheet formulas: text starting with = + - @ tab or CR gets a leading quote; control
    characters are shown as control pictures (reports.cells: XLSX cannot hold them)."""
    value = visible_controls(value)
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def safe_url(url: str | None) -> str | None:
    """Only http(s) links leave the report (a `javascript:` URL from the catalogue is dropped)."""
    if url and url.lower().startswith(("https://", "http://")):
        return url
    return None


def _number(value: float, lang: str, decimals: int) -> str:
    text = f"{value:,.{decimals}f}"
    if lang == "nl":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text


def format_cell(value: Cell, kind: str, lang: str) -> str:
    """A cell as people read it in `lang`: 1.234 / 1,234; 87,5% / 87.5%; ISO dates."""
    if value is None:
        return ""
    if isinstance(value, Link):
        return value.text
    if isinstance(value, tuple):
        return ", ".join(link.text for link in value)
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float) and kind == "percent":
        return _number(float(value), lang, 1) + "%"
    if isinstance(value, int):
        return _number(value, lang, 0)
    if isinstance(value, float):
        return _number(value, lang, 1)
    return str(value)


# ---------------------------------------------------------------- Markdown


def _md(value: object) -> str:
    """Catalogue text inside Markdown: no markup, no HTML, no line breaks."""
    return _MD_SPECIAL.sub(r"\\\1", re.sub(r"\s+", " ", visible_controls(str(value)))).strip()


def _md_link(link: Link) -> str:
    text = _md(link.text)
    if url := safe_url(link.url):
        return f"[{text}](<{url.replace('>', '%3E').replace(' ', '%20')}>)"
    return text


def _md_cell(value: Cell, column: Column, lang: str) -> str:
    if isinstance(value, Link):
        return _md_link(value)
    if isinstance(value, tuple):
        return ", ".join(_md_link(link) for link in value)
    return _md(format_cell(value, column.kind, lang))


def _md_table(table: Table, lang: str) -> list[str]:
    lines = [f"### {_md(table.title)}", ""]
    if table.note:
        lines += [_md(table.note), ""]
    if not table.rows:
        return [*lines, _md(table.empty), ""]
    lines.append("| " + " | ".join(_md(c.label) for c in table.columns) + " |")
    lines.append(
        "|"
        + "|".join("---:" if c.kind in ("int", "float", "percent") else "---" for c in table.columns)
        + "|"
    )
    for row in table.rows:
        lines.append(
            "| " + " | ".join(_md_cell(v, c, lang) for v, c in zip(row, table.columns, strict=True)) + " |"
        )
    return [*lines, ""]


def render_markdown(report: Report) -> str:
    """The report as GitHub-flavoured Markdown (charts as their text alternative plus the table)."""
    lines = [f"# {_md(report.title)}", ""]
    if report.subtitle:
        lines += [_md(report.subtitle), ""]
    lines += [f"## {_md(report.labels.get('summary', 'Summary'))}", ""]
    for figure in report.summary:
        value = (
            report.labels.get("not_available", "-")
            if figure.value is None
            else _md_value(figure.value, report)
        )
        detail = f" — {_md(figure.detail)}" if figure.detail else ""
        lines.append(f"- {_md(figure.label)}: **{value}**{detail}")
    lines += ["", *(_md(text) + "\n" for text in report.summary_text)]
    for section in report.sections:
        lines += [f"## {_md(section.title)}", ""]
        for block in section.blocks:
            if isinstance(block, Paragraph):
                lines += [_md(block.text), ""]
            elif isinstance(block, Figure):
                lines += [f"*{_md(block.chart.title)}: {_md(block.chart.description)}*", ""]
                lines += _md_table(block.table, report.lang)
            else:
                lines += _md_table(block, report.lang)
    return "\n".join(lines).rstrip() + "\n"


def _md_value(value: int | float | str, report: Report) -> str:
    return _md(format_cell(value, "text", report.lang))


# ---------------------------------------------------------------- HTML


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("reports", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=visible_controls,  # control characters from the catalogue show as control pictures
    )
    env.globals["safe_url"] = safe_url
    env.tests["instanceof_paragraph"] = lambda block: isinstance(block, Paragraph)
    env.tests["instanceof_figure"] = lambda block: isinstance(block, Figure)
    return env


def render_html(report: Report) -> str:
    """One standalone, accessible, printable, responsive HTML file; charts inline as SVG."""
    charts = {
        chart.key: Markup(chart_svg(chart, f"chart-{index}"))  # our own SVG; its text is escaped there
        for index, chart in enumerate(report.charts, 1)
    }

    def cell(value: Cell, column: Column) -> str:
        return format_cell(value, column.kind, report.lang)

    def value_text(value: int | float | str | None) -> str:
        if value is None:
            return report.labels.get("not_available", "-")
        return format_cell(value, "text", report.lang)

    return (
        _environment()
        .get_template("page.html.j2")
        .render(
            report=report,
            charts=charts,
            cell=cell,
            value_text=value_text,
            numeric=("int", "float", "percent"),
        )
    )


# ---------------------------------------------------------------- XLSX, CSV, JSON


def _sheet_name(key: str, taken: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\']", "_", key)[:28] or "sheet"
    name, n = base, 2
    while name.lower() in taken:
        name, n = f"{base[:26]}_{n}", n + 1
    taken.add(name.lower())
    return name


def _xlsx_value(value: Cell) -> Any:
    if isinstance(value, Link):
        return safe_cell(value.text)
    if isinstance(value, tuple):
        return safe_cell(", ".join(link.text for link in value))
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)  # Excel has no time zones; the store's times are UTC
    return safe_cell(value)


def _first_url(value: Cell) -> str | None:
    if isinstance(value, Link):
        return safe_url(value.url)
    if isinstance(value, tuple):
        return next((url for link in value if (url := safe_url(link.url))), None)
    return None


_NUMBER_FORMATS = {"percent": "0.0", "date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm"}


def _xlsx_cell(sheet: Any, value: Cell, column: Column) -> Any:
    plain = _xlsx_value(value)
    url = _first_url(value)
    if url is None and column.kind not in _NUMBER_FORMATS:
        # safe_cell has quoted every text a spreadsheet would read as a formula: it stays a string
        return plain
    cell = WriteOnlyCell(sheet, value=plain)
    if isinstance(cell.value, str):
        cell.data_type = "s"  # never a formula, whatever the text
    if url is not None:
        cell.hyperlink = url
    if column.kind in _NUMBER_FORMATS:
        cell.number_format = _NUMBER_FORMATS[column.kind]
    return cell


def render_xlsx(report: Report) -> bytes:
    """One sheet per table: typed cells, a frozen header row, a filter on every column.

    Write-only mode: rows stream to the file, so time and memory stay linear in the number of cells.
    """
    book = Workbook(write_only=True)
    taken: set[str] = set()
    for table in report.tables:
        sheet = book.create_sheet(_sheet_name(table.key, taken))
        sheet.freeze_panes = "A2"
        last = get_column_letter(max(1, len(table.columns)))
        sheet.auto_filter.ref = f"A1:{last}{len(table.rows) + 1}"
        for i, column in enumerate(table.columns, 1):
            wide = column.kind in ("text", "link", "links")
            sheet.column_dimensions[get_column_letter(i)].width = 40 if wide else 14
        sheet.append([safe_cell(c.label) for c in table.columns])
        for row in table.rows:
            sheet.append([_xlsx_cell(sheet, v, c) for v, c in zip(row, table.columns, strict=True)])
    if not taken:
        book.create_sheet("empty")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def render_csv(report: Report) -> dict[str, str]:
    """One CSV text per table, keyed by the table's key; a link column gets a `<key>_url` column beside it."""
    files: dict[str, str] = {}
    for table in report.tables:
        out = io.StringIO()
        writer = csv.writer(out)
        header: list[str] = []
        for column in table.columns:
            header.append(column.label)
            if column.kind in ("link", "links"):
                header.append(f"{column.label} (URL)")
        writer.writerow([safe_cell(h) for h in header])
        for row in table.rows:
            cells: list[Any] = []
            for value, column in zip(row, table.columns, strict=True):
                cells.append(safe_cell(_csv_value(value)))
                if column.kind in ("link", "links"):
                    cells.append(safe_cell(_urls(value)))
            writer.writerow(cells)
        files[table.key] = out.getvalue()
    return files


def _urls(value: Cell) -> str:
    links = (value,) if isinstance(value, Link) else value if isinstance(value, tuple) else ()
    return " ".join(url for link in links if (url := safe_url(link.url)))


def _csv_value(value: Cell) -> Any:
    if isinstance(value, Link):
        return value.text
    if isinstance(value, tuple):
        return ", ".join(link.text for link in value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return "" if value is None else value


def _json_value(value: Cell) -> Any:
    if isinstance(value, Link):
        return {"text": value.text, "url": safe_url(value.url)}
    if isinstance(value, tuple):
        return [{"text": link.text, "url": safe_url(link.url)} for link in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _json_table(table: Table) -> dict[str, Any]:
    return {
        "key": table.key,
        "title": table.title,
        "note": table.note,
        "columns": [{"key": c.key, "label": c.label, "kind": c.kind} for c in table.columns],
        "rows": [
            {c.key: _json_value(v) for c, v in zip(table.columns, row, strict=True)} for row in table.rows
        ],
    }


def render_json(report: Report) -> str:
    """The report as JSON: summary figures by key, tables with typed rows keyed by column key."""
    doc = {
        "report": report.name,
        "lang": report.lang,
        "title": report.title,
        "generated_at": report.generated_at.isoformat(),
        "as_of": report.as_of.isoformat() if report.as_of else None,
        "summary": {f.key: {"label": f.label, "value": f.value, "detail": f.detail} for f in report.summary},
        "sections": [
            {
                "key": section.key,
                "title": section.title,
                "text": [b.text for b in section.blocks if isinstance(b, Paragraph)],
                "charts": [
                    {
                        "key": b.chart.key,
                        "title": b.chart.title,
                        "description": b.chart.description,
                        "table": b.table.key,
                    }
                    for b in section.blocks
                    if isinstance(b, Figure)
                ],
                "tables": [_json_table(t) for t in section.tables],
            }
            for section in report.sections
        ],
        **report.data,
    }
    return json.dumps(doc, ensure_ascii=False, indent=2, default=str)
