"""Parse a journey document (Markdown) into a Journey plus the Problems found: pure, never raises on text.

How a document is read:

* Lines are split on ``\\n`` (a trailing ``\\r`` is dropped), so every line number is the 1-based line of the
  ORIGINAL file, whatever repairs follow.
* Each line is repaired with ftfy (mojibake such as ``ðŸ”¹`` -> ``🔹``) without joining or splitting lines;
  a repaired line is reported as ``bad_encoding_repaired`` (info).
* markdown-it-py finds the block structure we trust it with: headings (ATX and setext) and the lines that
  are code or HTML blocks (never read as tables).
* Tables are read line by line. markdown-it is not used for them because a row split over two physical
  lines (the seed's step 1.2: the row ends without ``|`` and the next line starts with ``, [#143](…) |``)
  is not a table row to a Markdown parser: it would surface as a bogus row or a paragraph, and the
  reference on it would be lost or land in the wrong step. A line reader joins such continuations first,
  keeps the original line of every reference, and can explain what it skipped.
* Columns are found by header name in any order (see ``_ROLE_NAMES``); a table without a step column is
  not a journey table and is ignored.
* Phases come from headings: when any heading reads "Fase N"/"Phase N", those headings are the phases
  (numbered N); otherwise each heading that has step tables under it is a phase, numbered in order.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

import ftfy
from markdown_it import MarkdownIt

from connectors.github_models import IssueKey
from journey.errors import JourneyParseError
from journey.messages import text as message_text
from journey.models import PROBLEM_SEVERITY, IssueRef, Journey, Phase, Problem, ProblemCode, Step

__all__ = ["parse_journey", "load_journey", "check_journeys", "Prefer"]

Prefer = Literal["text", "url"]

_FTFY = ftfy.TextFixerConfig(
    unescape_html=False,
    remove_terminal_escapes=False,
    fix_latin_ligatures=False,
    fix_character_width=False,
    uncurl_quotes=False,
    fix_line_breaks=False,
    fix_surrogates=False,
    remove_control_chars=False,
    normalization=None,
    explain=True,
)

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

_NUM = r"\d{1,9}"  # bounded: int() of a huge digit run raises, and no issue number is that long
_DELIMITER = re.compile(r"^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")
_FASE = re.compile(rf"^\W*(?:fase|phase)\s+({_NUM})\b\s*[:.\-–—]?\s*(.*)$", re.IGNORECASE)
_STEP_NUMBER = re.compile(rf"(?:stap|step)?\s*({_NUM}(?:\.{_NUM})*)\.?", re.IGNORECASE)
_LINK = re.compile(r"\[(?P<text>[^\[\]]*)\]\((?P<url>[^()]*)\)")
_BARE_URL = re.compile(r"<?(?P<url>https?://[^\s<>()|\]]+)>?")
_SHORT_REF = re.compile(rf"(?<![\w/#&.-])(?:(?P<repo>[A-Za-z0-9][\w.-]*/[\w.-]+))?#(?P<num>{_NUM})\b")
_TEXT_NUMBER = re.compile(rf"(?:(?P<repo>[\w.-]+/[\w.-]+))?#(?P<num>{_NUM})\b")
_TEXT_PLAIN_NUMBER = re.compile(rf"\s*(?:issue\s*)?(?P<num>{_NUM})\s*", re.IGNORECASE)
_GITHUB_ISSUE = re.compile(
    rf"^(?:https?://)?(?:www\.)?github\.com/(?P<owner>[\w.-]+)/(?P<repo>[\w.-]+)/(?:issues|pull)/(?P<num>{_NUM})"
    r"(?:[/?#].*)?$",
    re.IGNORECASE,
)
_GITHUB_REPO = re.compile(
    r"^(?:https?://)?(?:www\.)?github\.com/(?P<owner>[\w.-]+)/(?P<repo>[\w.-]+)", re.IGNORECASE
)
_SEPARATORS = re.compile(r"(?:[\s,;|&+/]|\b(?:en|and|of|or)\b)+", re.IGNORECASE)


# ---------------------------------------------------------------------------------------------- helpers


@dataclass
class _Report:
    """Collects problems for one document."""

    source: str
    default_repo: str
    items: list[Problem] = field(default_factory=list)

    def add(
        self,
        code: ProblemCode,
        line: int | None,
        at_step: str | None = None,
        variant: str = "",
        **params: object,
    ) -> None:
        key = f"problem.{code}.{variant}" if variant else f"problem.{code}"
        values = tuple((name, str(value)) for name, value in params.items())
        if variant:
            values = (("variant", variant), *values)
        self.items.append(
            Problem(
                code=code,
                severity=PROBLEM_SEVERITY[code],
                message=message_text(key, "en", **params),
                file=self.source,
                line=line,
                step=at_step,
                params=values,
            )
        )


@dataclass(frozen=True)
class _Heading:
    level: int
    text: str


@dataclass
class _Row:
    """A table row as joined text, with the original line where each joined segment starts."""

    text: str
    starts: list[tuple[int, int]]  # (offset in text, 0-based line index)

    @property
    def line(self) -> int:
        return self.starts[0][1] + 1

    def line_at(self, offset: int) -> int:
        line = self.starts[0][1]
        for start, index in self.starts:
            if start <= offset:
                line = index
        return line + 1

    def append(self, index: int, segment: str) -> None:
        self.text = self.text.rstrip() + " "
        self.starts.append((len(self.text), index))
        self.text += segment.strip()

    @property
    def is_open(self) -> bool:
        return not self.text.rstrip().endswith("|")


@dataclass(frozen=True)
class _Cell:
    text: str
    start: int  # offset of text in the row


@dataclass
class _PhaseBuilder:
    number: int
    title: str
    line: int
    explicit: bool
    steps: list[Step] = field(default_factory=list)


def _split_lines(text: str) -> list[str]:
    # markdown-it counts a lone \r as a line break; a line of the file is what \n ends
    return [(line[:-1] if line.endswith("\r") else line).replace("\r", " ") for line in text.split("\n")]


def _repair(lines: list[str], report: _Report) -> list[str]:
    """Fix mojibake line by line (line count unchanged); record each repaired line."""
    repaired: list[str] = []
    for index, line in enumerate(lines):
        fixed = line
        if line and not line.isascii():
            result = ftfy.fix_and_explain(line, _FTFY)
            if result.explanation:
                fixed = result.text.replace("\r", " ").replace("\n", " ")
                report.add("bad_encoding_repaired", index + 1, repaired=fixed.strip())
        repaired.append(fixed)
    return repaired


def _structure(lines: list[str]) -> tuple[dict[int, _Heading], set[int]]:
    """Headings by 0-based line index, and the line indexes that are code or HTML blocks."""
    md = MarkdownIt("commonmark").enable("table")
    tokens = md.parse("\n".join(lines))
    headings: dict[int, _Heading] = {}
    opaque: set[int] = set()
    for position, token in enumerate(tokens):
        if token.map is None:
            continue
        start, end = token.map
        if token.type == "heading_open" and position + 1 < len(tokens):
            line = start if token.markup.startswith("#") else max(start, end - 2)
            headings[line] = _Heading(int(token.tag[1:]), tokens[position + 1].content.strip())
            opaque.update(range(start, end))
        elif token.type in {"fence", "code_block", "html_block"}:
            opaque.update(range(start, end))
    return headings, opaque


def _split_cells(row: str) -> list[_Cell]:
    """Split a row on unescaped pipes, dropping the empty edge cells of `| a | b |`."""
    cells: list[_Cell] = []
    start = 0
    escaped = False
    for position, char in enumerate(row):
        if char == "|" and not escaped:
            cells.append(_Cell(row[start:position], start))
            start = position + 1
        escaped = char == "\\" and not escaped
    cells.append(_Cell(row[start:], start))
    if len(cells) > 1 and row.lstrip().startswith("|") and not cells[0].text.strip():
        cells.pop(0)
    if len(cells) > 1 and row.rstrip().endswith("|") and not cells[-1].text.strip():
        cells.pop()
    return cells


def _plain(cell: str) -> str:
    return " ".join(re.sub(r"[*_`~]", "", cell).split())


def _columns(header: str) -> dict[str, int]:
    """Role -> column index, from header names (first match per role)."""
    roles: dict[str, int] = {}
    for index, cell in enumerate(_split_cells(header)):
        name = _plain(cell.text).lower().rstrip(":").strip()
        for role, names in _ROLE_NAMES.items():
            if role not in roles and name in names:
                roles[role] = index
                break
        else:
            if "issues" not in roles and "issue" in name:
                roles["issues"] = index
    return roles


def _clean_heading(text: str) -> str:
    return re.sub(r"^[\W_]+", "", text).strip()


# ---------------------------------------------------------------------------------------- references


@dataclass(frozen=True)
class _Found:
    ref: IssueRef | None  # None: a broken link
    start: int
    end: int


def _key(repo: str, number: int) -> IssueKey:
    return IssueKey(repo=repo, number=number)


def _link(
    text: str, url: str, raw: str, line: int, prefer: Prefer, report: _Report, step: str | None
) -> IssueRef | None:
    parts = url.strip().strip("<>").split()
    target = parts[0].strip("<>") if parts else ""
    text_match = _TEXT_NUMBER.search(text) or _TEXT_PLAIN_NUMBER.fullmatch(text)
    text_number = int(text_match["num"]) if text_match else None
    text_repo = text_match.groupdict().get("repo") if text_match else None
    issue = _GITHUB_ISSUE.match(target)
    if issue is None:
        report.add("broken_link", line, step, raw=raw)
        repo = _GITHUB_REPO.match(target)
        if repo is None or text_number is None:
            return None
        return IssueRef(
            _key(text_repo or f"{repo['owner']}/{repo['repo']}", text_number), text_number, None, line, raw
        )
    url_repo, url_number = f"{issue['owner']}/{issue['repo']}", int(issue["num"])
    if text_number is None:
        return IssueRef(_key(url_repo, url_number), None, url_number, line, raw)
    by_text = _key(text_repo or url_repo, text_number)
    by_url = _key(url_repo, url_number)
    chosen = by_url if prefer == "url" else by_text
    if by_text.normalised() != by_url.normalised():
        report.add(
            "link_mismatch",
            line,
            step,
            text_number=text_number,
            url_number=url_number,
            used=chosen.number,
            raw=raw,
        )
    return IssueRef(chosen, text_number, url_number, line, raw)


def _references(
    row: _Row, start: int, end: int, prefer: Prefer, report: _Report, step: str | None = None
) -> list[_Found]:
    """Issue references in row.text[start:end], in order of appearance."""
    segment = row.text[start:end]
    found: list[_Found] = []
    taken: list[tuple[int, int]] = []

    def free(a: int, b: int) -> bool:
        return all(b <= x or a >= y for x, y in taken)

    for match in _LINK.finditer(segment):
        line = row.line_at(start + match.start())
        ref = _link(match["text"], match["url"], match.group(0), line, prefer, report, step)
        found.append(_Found(ref, match.start(), match.end()))
        taken.append(match.span())
    for match in _BARE_URL.finditer(segment):
        if not free(*match.span()):
            continue
        line = row.line_at(start + match.start())
        url = match["url"].rstrip(".,;:!?*_'\"")
        issue = _GITHUB_ISSUE.match(url)
        if issue is None:
            report.add("broken_link", line, step, raw=url)
            found.append(_Found(None, match.start(), match.end()))
        else:
            key = _key(f"{issue['owner']}/{issue['repo']}", int(issue["num"]))
            found.append(_Found(IssueRef(key, None, key.number, line, url), match.start(), match.end()))
        taken.append(match.span())
    for match in _SHORT_REF.finditer(segment):
        if not free(*match.span()):
            continue
        number = int(match["num"])
        key = _key(match["repo"] or report.default_repo, number)
        line = row.line_at(start + match.start())
        found.append(_Found(IssueRef(key, number, None, line, match.group(0)), match.start(), match.end()))
        taken.append(match.span())
    return sorted(found, key=lambda item: item.start)


def _residue(segment: str, found: list[_Found]) -> str:
    """What is left of `segment` once references and separators are removed."""
    kept = list(segment)
    for item in found:
        kept[item.start : item.end] = [" "] * (item.end - item.start)
    return _SEPARATORS.sub("", "".join(kept))


# --------------------------------------------------------------------------------------------- tables


@dataclass
class _Parse:
    """Parser state for one document."""

    lines: list[str]
    headings: dict[int, _Heading]
    opaque: set[int]
    report: _Report
    prefer: Prefer
    has_fase: bool
    name: str
    phases: list[_PhaseBuilder] = field(default_factory=list)
    current: _PhaseBuilder | None = None
    current_level: int = 0
    pending: tuple[int, _Heading] | None = None

    def blocked(self, index: int) -> bool:
        return index in self.opaque or index in self.headings


def _is_table_start(state: _Parse, index: int) -> bool:
    lines = state.lines
    return (
        index + 1 < len(lines)
        and "|" in lines[index]
        and "|" in lines[index + 1]
        and not state.blocked(index)
        and not state.blocked(index + 1)
        and _DELIMITER.match(lines[index + 1]) is not None
    )


def _collect_rows(state: _Parse, index: int, pipe_style: bool) -> tuple[list[_Row], int]:
    """The rows of a table starting at `index`, continuation lines joined; returns the next line index."""
    rows: list[_Row] = []
    while index < len(state.lines) and not state.blocked(index):
        line = state.lines[index]
        stripped = line.strip()
        if not stripped:
            break
        if pipe_style and rows and rows[-1].is_open and not stripped.startswith("|"):
            rows[-1].append(index, line)
        elif stripped.startswith("|") or "|" in stripped or _is_reference_line(stripped, state):
            rows.append(_Row(line, [(0, index)]))
        else:
            break
        index += 1
    return rows, index


def _is_reference_line(stripped: str, state: _Parse) -> bool:
    probe = _Report(state.report.source, state.report.default_repo)
    found = _references(_Row(stripped, [(0, 0)]), 0, len(stripped), state.prefer, probe)
    return bool(found) and not _residue(stripped, found)


def _phase_for_step(state: _Parse, table_line: int) -> _PhaseBuilder:
    if state.current is None:
        number = state.phases[-1].number + 1 if state.phases else 1
        if state.pending is not None:
            line, heading = state.pending
            title = _clean_heading(heading.text)
            state.current = _PhaseBuilder(number, title, line + 1, False)
            state.current_level = heading.level
        else:
            state.current = _PhaseBuilder(number, state.name, table_line, False)
        state.phases.append(state.current)
    return state.current


def _on_heading(state: _Parse, index: int, heading: _Heading) -> None:
    match = _FASE.match(heading.text)
    if match is not None:
        title = _clean_heading(match[2]) or _clean_heading(heading.text)
        state.current = _PhaseBuilder(int(match[1]), title, index + 1, True)
        state.current_level = heading.level
        state.phases.append(state.current)
    elif not state.has_fase or (state.current is not None and heading.level <= state.current_level):
        state.current = None
        state.pending = (index, heading)
    elif state.current is None:
        state.pending = (index, heading)


def _read_table(state: _Parse, index: int) -> int:
    """Read the table whose header is at `index` (when it has a step column); return the next index."""
    roles = _columns(state.lines[index])
    if "step" not in roles:
        return index + 1
    pipe_style = state.lines[index].lstrip().startswith("|")
    rows, after = _collect_rows(state, index + 2, pipe_style)
    column_count = len(_split_cells(state.lines[index]))
    steps: list[Step] = []
    for row in rows:
        _read_row(state, row, roles, column_count, steps)
    if steps:
        _phase_for_step(state, index + 1).steps.extend(steps)
    return after


def _read_row(state: _Parse, row: _Row, roles: dict[str, int], column_count: int, steps: list[Step]) -> None:
    cells = _split_cells(row.text)
    raw = " ".join(row.text.split())
    step_cell = cells[roles["step"]].text if roles["step"] < len(cells) else ""
    number = _STEP_NUMBER.fullmatch(_plain(step_cell))
    if number is None:
        _continuation(state, row, raw, steps)
        return
    if len(cells) > column_count and any(cell.text.strip() for cell in cells[column_count:]):
        state.report.add(
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

    refs = _cell_refs(state, row, cell("issues"), number[1])
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


def _plain_text(cell: _Cell | None) -> str:
    return " ".join(cell.text.replace("\\|", "|").split()) if cell is not None else ""


def _cell_refs(state: _Parse, row: _Row, cell: _Cell | None, step: str) -> tuple[IssueRef, ...]:
    if cell is None or _plain(cell.text).lower() in _PLACEHOLDERS:
        return ()
    found = _references(row, cell.start, cell.start + len(cell.text), state.prefer, state.report, step)
    if not found:
        state.report.add(
            "unparsable_row", row.line_at(cell.start), step, "no_reference", raw=" ".join(cell.text.split())
        )
    return tuple(item.ref for item in found if item.ref is not None)


def _continuation(state: _Parse, row: _Row, raw: str, steps: list[Step]) -> None:
    """A row without a step number: more references for the previous step, a blank row, or unparsable."""
    if not _plain(row.text.replace("|", " ")):
        return
    probe = _Report(state.report.source, state.report.default_repo)
    found = _references(row, 0, len(row.text), state.prefer, probe)
    if found and not _residue(row.text, found):
        if not steps:
            state.report.add("unparsable_row", row.line, None, "orphan_continuation", raw=raw)
            return
        previous = steps[-1]
        state.report.items.extend(replace(problem, step=previous.number) for problem in probe.items)
        extra = tuple(item.ref for item in found if item.ref is not None)
        steps[-1] = Step(
            previous.number, previous.action, previous.description, previous.refs + extra, previous.line
        )
        return
    state.report.add("unparsable_row", row.line, None, "step_number", raw=raw)


# --------------------------------------------------------------------------------------------- checks


def _check(journey: Journey, report: _Report) -> None:
    steps = journey.steps
    if not steps:
        report.add("no_steps", None)
        return
    first_line: dict[str, int] = {}
    for phase in journey.phases:
        for step in phase.steps:
            if step.number in first_line:
                report.add(
                    "duplicate_step",
                    step.line,
                    step.number,
                    step=step.number,
                    first_line=first_line[step.number],
                )
            else:
                first_line[step.number] = step.line
            if (
                phase.explicit_number
                and "." in step.number
                and int(step.number.split(".")[0]) != phase.number
            ):
                report.add("step_outside_phase", step.line, step.number, step=step.number, phase=phase.number)
            if not step.refs:
                report.add("step_without_issues", step.line, step.number, step=step.number)
    _check_refs(steps, report)


def _check_refs(steps: tuple[Step, ...], report: _Report) -> None:
    default = report.default_repo.lower()
    seen: dict[IssueKey, list[tuple[Step, IssueRef]]] = {}
    for step in steps:
        for ref in step.refs:
            key = ref.key.normalised()
            if key.repo != default:
                report.add(
                    "other_repository", ref.line, step.number, issue=ref.key, default_repo=report.default_repo
                )
            places = seen.setdefault(key, [])
            if all(other is not step for other, _ in places):
                places.append((step, ref))
    for places in seen.values():
        if len(places) > 1:
            step, ref = places[1]
            report.add(
                "issue_in_several_steps",
                ref.line,
                step.number,
                issue=ref.key,
                steps=", ".join(other.number for other, _ in places),
            )


def _dedupe(steps: list[Step]) -> Iterator[Step]:
    """The same issue twice in one step counts once (the first reference is kept)."""
    for step in steps:
        kept: dict[IssueKey, IssueRef] = {}
        for ref in step.refs:
            kept.setdefault(ref.key.normalised(), ref)
        yield Step(step.number, step.action, step.description, tuple(kept.values()), step.line)


def _journey_name(headings: dict[int, _Heading], source: str) -> str:
    ordered = [headings[index] for index in sorted(headings)]
    for heading in [h for h in ordered if h.level == 1] + ordered:
        name = _clean_heading(heading.text)
        if name:
            return name
    return Path(source).stem or source


# ------------------------------------------------------------------------------------------------ API


def parse_journey(
    text: str,
    source: str = "<string>",
    *,
    default_repo: str,
    prefer: Prefer = "text",
) -> tuple[Journey, list[Problem]]:
    """Parse a journey document; problems are returned, never raised.

    `default_repo` ("owner/name") resolves bare `#N`. A link whose text and URL disagree
    (`[#140](…/issues/75)`) is reported as link_mismatch and resolved to the text's number, or to
    the URL's with `prefer="url"`.
    """
    report = _Report(source, default_repo)
    lines = _repair(_split_lines(text), report)
    headings, opaque = _structure(lines)
    has_fase = any(_FASE.match(heading.text) for heading in headings.values())
    state = _Parse(lines, headings, opaque, report, prefer, has_fase, _journey_name(headings, source))
    index = 0
    while index < len(lines):
        if index in headings:
            _on_heading(state, index, headings[index])
            index += 1
        elif _is_table_start(state, index):
            index = _read_table(state, index)
        else:
            index += 1
    phases = tuple(
        Phase(p.number, p.title, p.line, tuple(_dedupe(p.steps)), p.explicit) for p in state.phases
    )
    journey = Journey(name=state.name, source=source, phases=phases)
    _check(journey, report)
    problems = sorted(report.items, key=lambda p: (p.line or 0, list(PROBLEM_SEVERITY).index(p.code)))
    return journey, problems


def load_journey(
    path: str | Path, *, default_repo: str, prefer: Prefer = "text"
) -> tuple[Journey, list[Problem]]:
    """Read and parse a journey file (UTF-8; undecodable bytes become U+FFFD)."""
    location = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        raise JourneyParseError(
            f"Journey document not found: {location}",
            path=location,
            hint="check the path, or SWC_JOURNEY__PATHS",
        ) from None
    except OSError as exc:
        raise JourneyParseError(
            f"Journey document {location} cannot be read: {exc.strerror or exc}", path=location
        ) from exc
    return parse_journey(text, location, default_repo=default_repo, prefer=prefer)


def check_journeys(paths: list[Path], *, default_repo: str, prefer: Prefer = "text") -> list[Problem]:
    """Parse each journey file and return all problems, in file order then line order."""
    problems: list[Problem] = []
    for path in paths:
        problems.extend(load_journey(path, default_repo=default_repo, prefer=prefer)[1])
    return problems
