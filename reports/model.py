"""One model of a report, whatever it is about: title, key figures, sections of text, tables and charts.

Every report (findings, usage, users, concepts) is built as a `Report` and then rendered by
`reports.render` into Markdown, HTML, XLSX, CSV or JSON, so all of them look and behave the same. Cells are
typed (int, float, date, datetime, text, `Link`) so spreadsheets get numbers and dates, not text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from config.i18n import Lang
from config.settings import ReportFormat

__all__ = [
    "FORMATS",
    "Cell",
    "Chart",
    "ChartKind",
    "Column",
    "ColumnKind",
    "Figure",
    "Format",
    "KeyFigure",
    "Language",
    "Link",
    "Links",
    "Paragraph",
    "Report",
    "Section",
    "Series",
    "Table",
    "Block",
]

Format = ReportFormat  # one list of formats: settings (what `run` writes) and renderers
FORMATS: tuple[Format, ...] = ("md", "html", "xlsx", "csv", "json")
Language = Lang
ColumnKind = Literal["text", "int", "float", "percent", "date", "datetime", "link", "links"]
ChartKind = Literal["bar", "barh", "stacked", "line"]


@dataclass(frozen=True, slots=True)
class Link:
    """Text that links to `url` (an object in the catalogue's web interface); no url: plain text."""

    text: str
    url: str | None = None

    def __str__(self) -> str:
        return self.text


Links = tuple[Link, ...]  # several links in one cell (a finding's evidence)
Cell = str | int | float | date | datetime | Link | Links | None


@dataclass(frozen=True, slots=True)
class Column:
    """A table column: `key` is stable (JSON, machines), `label` is in the report's language."""

    key: str
    label: str
    kind: ColumnKind = "text"


@dataclass(frozen=True)
class Table:
    """Rows of typed cells; `key` names the XLSX sheet and the CSV file (`<report>-<key>.csv`)."""

    key: str
    title: str
    columns: tuple[Column, ...]
    rows: Sequence[tuple[Cell, ...]]
    empty: str = "-"  # shown instead of an empty table
    note: str | None = None  # e.g. "first 20 of 312"


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    values: tuple[float, ...]


@dataclass(frozen=True)
class Chart:
    """A chart of numbers that are also in a table beside it; `description` is its text alternative."""

    key: str
    title: str
    kind: ChartKind
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    description: str
    value_label: str = ""


@dataclass(frozen=True)
class Figure:
    """A chart and the table holding its numbers, shown side by side."""

    chart: Chart
    table: Table


@dataclass(frozen=True, slots=True)
class Paragraph:
    text: str


Block = Paragraph | Table | Figure


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    blocks: tuple[Block, ...] = ()

    @property
    def tables(self) -> list[Table]:
        found: list[Table] = []
        for block in self.blocks:
            if isinstance(block, Table):
                found.append(block)
            elif isinstance(block, Figure):
                found.append(block.table)
        return found


@dataclass(frozen=True, slots=True)
class KeyFigure:
    """One number of the summary ("Gemeenten met gebruik: 301 van 342"); value None: not available yet."""

    key: str
    label: str
    value: int | float | str | None
    detail: str | None = None


@dataclass(frozen=True)
class Report:
    """A report: `name` gives the file names (`usage.html`), the rest is in `lang`."""

    name: str
    lang: Language
    title: str
    generated_at: datetime
    subtitle: str = ""
    summary: tuple[KeyFigure, ...] = ()
    summary_text: tuple[str, ...] = ()
    sections: tuple[Section, ...] = ()
    labels: dict[str, str] = field(default_factory=dict)  # template words: "contents", "not_available", ...
    as_of: datetime | None = None
    data: dict[str, Any] = field(default_factory=dict)  # JSON only: full detail for machines

    @property
    def tables(self) -> list[Table]:
        return [table for section in self.sections for table in section.tables]

    @property
    def charts(self) -> list[Chart]:
        return [b.chart for s in self.sections for b in s.blocks if isinstance(b, Figure)]
