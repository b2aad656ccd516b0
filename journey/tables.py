"""Journey tables, read line by line: columns by header name, rows joined over lines, steps and issues."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from journey.models import IssueRef, Step
from journey.references import NUM, Prefer, Row, find_references, residue
from journey.report import ProblemReport

__all__ = ["TableReader", "plain"]

_ROLE_NAMES: dict[str, frozenset[str]] = {
    "step": frozenset(
        {
            "stapnr",
            "stapnr.",
            "stap",
            "stapnummer",
            "nr",
            "nr.",
            "no",
            "no.",
            "step",
            "step no",
            "step nr",
            "step number",
            "#",
        }
    ),
    "action": frozenset({"actie", "action", "activiteit"}),
    "description": frozenset({"beschrijving", "description", "omschrijving", "toelichting"}),
    "issues": frozenset(
        {
            "gerelateerd issue",
            "gerelateerde issue",
            "gerelateerde issues",
            "gerelateerd issue(s)",
            "gerelateerde issue(s)",
            "issue",
            "issues",
            "issue(s)",
            "related issue",
            "related issues",
            "related issue(s)",
            "github issue",
            "github issues",
        }
    ),
}
_PLACEHOLDERS = frozenset(
    {"", "-", "–", "—", "--", "n.v.t.", "n.v.t", "nvt", "n/a", "na", "geen", "none", "tbd"}
)
_DELIMITER = re.compile(r"^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")
_PIPE_OR_ESCAPE = re.compile(r"\\.|\|", re.DOTALL)
_STEP_NUMBER = re.compile(rf"(?:stap|step)?\s*({NUM}(?:\.{NUM})*)\.?", re.IGNORECASE)


@dataclass(frozen=True)
class _Cell:
    text: str
    start: int  # offset of text in the row


def _split_cells(row: str) -> list[_Cell]:
    """Split a row on unescaped pipes, dropping the empty edge cells of `| a | b |`."""
    cells: list[_Cell] = []
    start = 0
    for match in _PIPE_OR_ESCAPE.finditer(row):  # a backslash escapes the next character, a pipe included
        if match.group() == "|":
            position = match.start()
            cells.append(_Cell(row[start:position], start))
            start = position + 1
    cells.append(_Cell(row[start:], start))
    if len(cells) > 1 and row.lstrip().startswith("|") and not cells[0].text.strip():
        cells.pop(0)
    if len(cells) > 1 and row.rstrip().endswith("|") and not cells[-1].text.strip():
        cells.pop()
    return cells


def plain(cell: str) -> str:
    """Cell text without Markdown emphasis marks, whitespace collapsed."""
    return " ".join(re.sub(r"[*_`~]", "", cell).split())


def _columns(header: str) -> dict[str, int]:
    """Role -> column index, from header names (first match per role)."""
    roles: dict[str, int] = {}
    for index, cell in enumerate(_split_cells(header)):
        name = plain(cell.text).lower().rstrip(":").strip()
        for role, names in _ROLE_NAMES.items():
            if role not in roles and name in names:
                roles[role] = index
                break
        else:
            if "issues" not in roles and "issue" in name:
                roles["issues"] = index
    return roles


def _plain_text(cell: _Cell | None) -> str:
    return " ".join(cell.text.replace("\\|", "|").split()) if cell is not None else ""


@dataclass(frozen=True)
class TableReader:
    """Reads the tables of one document; `blocked` holds the lines that are headings, code or HTML."""

    lines: list[str]
    blocked: set[int]
    report: ProblemReport
    prefer: Prefer

    def is_table_start(self, index: int) -> bool:
        lines = self.lines
        return (
            index + 1 < len(lines)
            and "|" in lines[index]
            and "|" in lines[index + 1]
            and index not in self.blocked
            and index + 1 not in self.blocked
            and _DELIMITER.match(lines[index + 1]) is not None
        )

    def read_table(self, index: int) -> tuple[list[Step], int]:
        """The steps of the table whose header is at `index` (none without a step column); the next index."""
        roles = _columns(self.lines[index])
        if "step" not in roles:
            return [], index + 1
        pipe_style = self.lines[index].lstrip().startswith("|")
        rows, after = self._collect_rows(index + 2, pipe_style)
        column_count = len(_split_cells(self.lines[index]))
        steps: list[Step] = []
        for row in rows:
            self._read_row(row, roles, column_count, steps)
        return steps, after

    def _collect_rows(self, index: int, pipe_style: bool) -> tuple[list[Row], int]:
        """The rows of a table starting at `index`, continuation lines joined; returns the next line index."""
        rows: list[Row] = []
        while index < len(self.lines) and index not in self.blocked:
            line = self.lines[index]
            stripped = line.strip()
            if not stripped:
                break
            if pipe_style and rows and rows[-1].is_open and not stripped.startswith("|"):
                rows[-1].append(index, line)
            elif stripped.startswith("|") or "|" in stripped or self._is_reference_line(stripped):
                rows.append(Row(line, index))
            else:
                break
            index += 1
        return rows, index

    def _probe(self) -> ProblemReport:
        return ProblemReport(self.report.source, self.report.default_repo)

    def _is_reference_line(self, stripped: str) -> bool:
        found = find_references(Row(stripped, 0), 0, len(stripped), self.prefer, self._probe())
        return bool(found) and not residue(stripped, found)

    def _read_row(self, row: Row, roles: dict[str, int], column_count: int, steps: list[Step]) -> None:
        cells = _split_cells(row.text)
        raw = " ".join(row.text.split())
        step_cell = cells[roles["step"]].text if roles["step"] < len(cells) else ""
        number = _STEP_NUMBER.fullmatch(plain(step_cell))
        if number is None:
            self._continuation(row, raw, steps)
            return
        if len(cells) > column_count and any(cell.text.strip() for cell in cells[column_count:]):
            self.report.add(
                "unparsable_row",
                row.line,
                number[1],
                "extra_cells",
                cells=len(cells),
                columns=column_count,
                raw=raw,
            )

        def cell(role: str) -> _Cell | None:
            position = roles.get(role)
            return cells[position] if position is not None and position < len(cells) else None

        refs = self._cell_refs(row, cell("issues"), number[1])
        action, description = cell("action"), cell("description")
        steps.append(
            Step(
                number=number[1],
                action=_plain_text(action),
                description=_plain_text(description),
                refs=refs,
                line=row.line,
            )
        )

    def _cell_refs(self, row: Row, cell: _Cell | None, step: str) -> tuple[IssueRef, ...]:
        if cell is None or plain(cell.text).lower() in _PLACEHOLDERS:
            return ()
        found = find_references(row, cell.start, cell.start + len(cell.text), self.prefer, self.report, step)
        if not found:
            raw = " ".join(cell.text.split())
            self.report.add("unparsable_row", row.line_at(cell.start), step, "no_reference", raw=raw)
        return tuple(item.ref for item in found if item.ref is not None)

    def _continuation(self, row: Row, raw: str, steps: list[Step]) -> None:
        """A row without a step number: more references for the previous step, a blank row, or unparsable."""
        if not plain(row.text.replace("|", " ")):
            return
        probe = self._probe()
        found = find_references(row, 0, len(row.text), self.prefer, probe)
        if found and not residue(row.text, found):
            if not steps:
                self.report.add("unparsable_row", row.line, None, "orphan_continuation", raw=raw)
                return
            previous = steps[-1]
            self.report.items.extend(replace(problem, step=previous.number) for problem in probe.items)
            extra = tuple(item.ref for item in found if item.ref is not None)
            steps[-1] = Step(
                previous.number, previous.action, previous.description, previous.refs + extra, previous.line
            )
            return
        self.report.add("unparsable_row", row.line, None, "step_number", raw=raw)
