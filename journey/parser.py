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
* Columns are found by header name in any order (see journey/tables.py); a table without a step column
  is not a journey table and is ignored. Issue references are found by journey/references.py, and the
  document-wide checks are in journey/checks.py.
* Phases come from headings: when any heading reads "Fase N"/"Phase N", those headings are the phases
  (numbered N); otherwise each heading that has step tables under it is a phase, numbered in order.
* Time and memory are linear in the document's size; `load_journey` refuses a file over
  MAX_DOCUMENT_BYTES with an error naming it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import ftfy
from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_block import table as markdown_table

from connectors.github_models import IssueKey
from journey.checks import check_journey
from journey.errors import JourneyParseError
from journey.models import PROBLEM_SEVERITY, IssueRef, Journey, Phase, Problem, Step
from journey.references import NUM, Prefer
from journey.report import ProblemReport
from journey.tables import TableReader

__all__ = ["parse_journey", "load_journey", "check_journeys", "Prefer", "MAX_DOCUMENT_BYTES"]

# The largest journey file `load_journey` (and so `journey check`) reads. Real documents are a few
# kilobytes; parsing is linear, about 18 bytes of memory and 1-2 microseconds per byte of document
# (benchmarks/journey_check.py), so 16 MiB stays near 350 MB and half a minute, while a wrong file
# (a log, a dump) is refused at once.
MAX_DOCUMENT_BYTES = 16 * 1024 * 1024

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
_FASE = re.compile(rf"^\W*(?:fase|phase)\s+({NUM})\b\s*[:.\-–—]?\s*(.*)$", re.IGNORECASE)


@dataclass(frozen=True)
class _Heading:
    level: int
    text: str


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


def _repair(lines: list[str], report: ProblemReport) -> list[str]:
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


def _table_outline(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """markdown-it's table rule, keeping only table_open and table_close: we read the rows ourselves.

    The table still ends where markdown-it ends it (so headings and code blocks are found as before), but
    the row and cell tokens, most of a large document's memory, are dropped as soon as they are made.
    """
    before = len(state.tokens)
    found = markdown_table(state, start_line, end_line, silent)
    if found and not silent:
        del state.tokens[before + 1 : -1]
    return found


def _structure(lines: list[str]) -> tuple[dict[int, _Heading], set[int]]:
    """Headings by 0-based line index, and the line indexes that are code or HTML blocks."""
    # Block structure only: the inline pass (links, emphasis) would tokenise every cell of every table, and
    # its time and memory were most of a large document's. A heading's `inline` token keeps its source text.
    md = MarkdownIt("commonmark").enable("table").disable(["inline", "text_join"])
    md.block.ruler.at("table", _table_outline, {"alt": ["paragraph", "reference"]})  # markdown-it's alt
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


def _clean_heading(text: str) -> str:
    return re.sub(r"^[\W_]+", "", text).strip()


# ---------------------------------------------------------------------------------------------- phases


@dataclass
class _Parse:
    """Parser state for one document: where phases begin and which one a table's steps join."""

    headings: dict[int, _Heading]
    has_fase: bool
    name: str
    phases: list[_PhaseBuilder] = field(default_factory=list)
    current: _PhaseBuilder | None = None
    current_level: int = 0
    pending: tuple[int, _Heading] | None = None


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
    report = ProblemReport(source, default_repo)
    lines = _repair(_split_lines(text), report)
    headings, opaque = _structure(lines)
    has_fase = any(_FASE.match(heading.text) for heading in headings.values())
    state = _Parse(headings, has_fase, _journey_name(headings, source))
    tables = TableReader(lines, opaque | set(headings), report, prefer)
    index = 0
    while index < len(lines):
        if index in headings:
            _on_heading(state, index, headings[index])
            index += 1
        elif tables.is_table_start(index):
            steps, after = tables.read_table(index)
            if steps:
                _phase_for_step(state, index + 1).steps.extend(steps)
            index = after
        else:
            index += 1
    phases = tuple(
        Phase(p.number, p.title, p.line, tuple(_dedupe(p.steps)), p.explicit) for p in state.phases
    )
    journey = Journey(name=state.name, source=source, phases=phases)
    check_journey(journey, report)
    problems = sorted(report.items, key=lambda p: (p.line or 0, list(PROBLEM_SEVERITY).index(p.code)))
    return journey, problems


def load_journey(
    path: str | Path, *, default_repo: str, prefer: Prefer = "text", max_bytes: int = MAX_DOCUMENT_BYTES
) -> tuple[Journey, list[Problem]]:
    """Read and parse a journey file (UTF-8; undecodable bytes become U+FFFD).

    A file over `max_bytes` is refused with a JourneyParseError naming it, its size and the limit.
    """
    location = str(path)
    try:
        size = Path(path).stat().st_size
        if size > max_bytes:
            raise _too_large(location, size, max_bytes)
        with open(path, encoding="utf-8", errors="replace") as handle:  # as Path.read_text: newline=None
            text = handle.read(max_bytes + 1)  # bounded: a pipe or device has no size to check first
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
    if len(text) > max_bytes:  # characters: each is at least one byte
        raise _too_large(location, len(text), max_bytes)
    return parse_journey(text, location, default_repo=default_repo, prefer=prefer)


def _too_large(location: str, size: int, limit: int) -> JourneyParseError:
    return JourneyParseError(
        f"Journey document {location} is {size} bytes; the limit is {limit} bytes",
        path=location,
        hint="a journey document is a few kilobytes: check that this is the right file",
        key="error.journey.too_large",
        hint_key="hint.journey.too_large",
        params={"path": location, "size": size, "limit": limit},
    )


def check_journeys(
    paths: list[Path], *, default_repo: str, prefer: Prefer = "text", max_bytes: int = MAX_DOCUMENT_BYTES
) -> list[Problem]:
    """Parse each journey file and return all problems, in file order then line order."""
    problems: list[Problem] = []
    for path in paths:
        problems.extend(load_journey(path, default_repo=default_repo, prefer=prefer, max_bytes=max_bytes)[1])
    return problems
