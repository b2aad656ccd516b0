"""Render a Board as a rich table, GitHub Markdown, a standalone HTML page (Jinja2) or JSON.

Text shown to people comes from the message catalogues in journey/messages/ (nl default, en).

JSON schema (``"schema": "swc-beheer/journey-board"``, ``"version": 1``; machine-readable form in
journey/templates/board.schema.json). JSON is language-neutral: statuses, chip states and reasons are
codes (look them up as ``status.<code>``, ``chip.<state>``, ``reason.<code>`` in the catalogues)::

    {"schema", "version", "generated_at" (ISO 8601), "blocked_label", "stale_days",
     "progress": {"done", "total", "no_issue", "percent" (int or null)},
     "journeys": [{"name", "source", "progress",
                   "phases": [{"number", "title", "line", "progress",
                               "steps": [{"number", "action", "description", "line", "status",
                                          "reasons": [{"code", "params": {name: value}}],
                                          "issues": [ISSUE]}]}]}],
     "problems": [{"code", "severity", "message" (English), "file", "line", "step"}]}

    ISSUE = {"key", "repo", "number", "url", "state", "title", "labels", "assignees", "moved_to",
             "blocked", "stale", "updated_at", "text_number", "url_number", "line"}

New fields may be added within version 1; renaming or removing one bumps the version.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from functools import cache
from io import StringIO
from pathlib import Path
from typing import Any, Literal

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from rich.console import Console, Group, RenderableType
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from journey.messages import text
from journey.models import Problem
from journey.rollup import Board, IssueChip, PhaseBoard, Progress, Reason, StepBoard

__all__ = [
    "Format",
    "GITHUB_BODY_LIMIT",
    "SCHEMA_NAME",
    "SCHEMA_VERSION",
    "board_to_dict",
    "problem_dict",
    "problem_message",
    "reason_message",
    "render_board",
    "render_html",
    "render_json",
    "render_markdown",
    "render_table",
    "render_text",
]

Format = Literal["table", "md", "html", "json"]
GITHUB_BODY_LIMIT = 65536  # GitHub rejects issue bodies longer than this many characters
SCHEMA_NAME = "swc-beheer/journey-board"
SCHEMA_VERSION = 1
TEMPLATES = Path(__file__).parent / "templates"

# Non-colour signal for each status: a symbol next to the words (the words carry the meaning).
STATUS_ICONS = {
    "done": "✅",
    "in_progress": "🔄",
    "not_started": "⬜",
    "blocked": "⛔",
    "attention": "⚠️",
    "no_issue": "➖",
    "stale": "💤",
}
# The same for HTML and terminals, from characters that common fonts carry (no emoji font needed).
TEXT_ICONS = {
    "done": "✓",
    "in_progress": "◐",
    "not_started": "○",
    "blocked": "⊘",
    "attention": "⚠",
    "no_issue": "–",
    "stale": "◷",
}
_STATUS_STYLES = {
    "done": "green",
    "in_progress": "cyan",
    "not_started": "white",
    "blocked": "red",
    "attention": "yellow",
    "no_issue": "dim",
    "stale": "magenta",
}


def problem_message(problem: Problem, lang: str = "nl") -> str:
    """The problem's message in `lang` (the stored message is English)."""
    params = dict(problem.params)
    variant = params.pop("variant", "")
    key = f"problem.{problem.code}.{variant}" if variant else f"problem.{problem.code}"
    return text(key, lang, **params)


def reason_message(reason: Reason, lang: str = "nl") -> str:
    return text(f"reason.{reason.code}", lang, **dict(reason.params))


def _progress_text(progress: Progress, lang: str) -> str:
    if progress.percent is None:
        return text("board.progress_none", lang)
    return text("board.progress", lang, done=progress.done, total=progress.total, percent=progress.percent)


def _phase_label(phase: PhaseBoard, lang: str) -> str:
    if phase.title:
        return text("board.phase", lang, number=phase.number, title=phase.title)
    return text("board.phase_untitled", lang, number=phase.number)


def _helpers(board: Board, lang: str) -> dict[str, Callable[..., Any]]:
    """Functions the templates call; all user-facing words come from the catalogue."""

    def t(key: str, **params: object) -> str:
        return text(key, lang, **params)

    def status(code: str) -> str:
        return text(f"status.{code}", lang)

    def chip_state(chip: IssueChip) -> str:
        return text(f"chip.{chip.state}", lang)

    return {
        "t": t,
        "status_label": status,
        "status_help": lambda code: text(f"status_help.{code}", lang, stale_days=board.stale_days),
        "chip_state": chip_state,
        "short": board.short,
        "progress_text": lambda progress: _progress_text(progress, lang),
        "phase_label": lambda phase: _phase_label(phase, lang),
        "reason_text": lambda reason: reason_message(reason, lang),
        "problem_text": lambda problem: problem_message(problem, lang),
    }


def _md_cell(value: object) -> str:
    """Text safe inside a GitHub Markdown table cell."""
    return (
        " ".join(str(value).split())
        .replace("\\", "\\\\")
        .replace("|", "\\|")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
    )


def _safe_url(url: str) -> str:
    """Only http(s) links reach the page (no javascript: or data: URLs)."""
    return url if url.lower().startswith(("https://", "http://")) else "#"


@cache
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=lambda name: name is not None and name.endswith(".html.j2"),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = _md_cell
    env.filters["safe_url"] = _safe_url
    return env


def _render_template(name: str, board: Board, lang: str, icons: dict[str, str]) -> str:
    template = _environment().get_template(name)
    helpers = _helpers(board, lang)
    helpers["icon"] = lambda code: icons.get(code, "")
    return template.render(board=board, lang=lang, statuses=list(icons), **helpers)


def render_markdown(board: Board, lang: str = "nl", max_chars: int = GITHUB_BODY_LIMIT) -> str:
    """GitHub-flavoured Markdown for an issue body, cut at a line boundary (with a note) to fit max_chars."""
    full = _render_template("board.md.j2", board, lang, STATUS_ICONS).rstrip("\n") + "\n"
    if len(full) <= max_chars:
        return full
    lines = full.split("\n")

    def note(omitted: int) -> str:
        return "\n> ⚠️ " + text("board.truncated", lang, max_chars=max_chars, omitted=omitted) + "\n"

    budget = max_chars - len(note(len(lines)))
    kept: list[str] = []
    used = 0
    for line in lines:
        if used + len(line) + 1 > budget:
            break
        kept.append(line)
        used += len(line) + 1
    result = "\n".join(kept) + "\n" + note(len(lines) - len(kept))
    return result[:max_chars]


def render_html(board: Board, lang: str = "nl") -> str:
    """A standalone, accessible HTML page (inline CSS, no external assets)."""
    return _render_template("board.html.j2", board, lang, TEXT_ICONS)


def _chip_dict(chip: IssueChip) -> dict[str, Any]:
    return {
        "key": str(chip.key),
        "repo": chip.key.repo,
        "number": chip.key.number,
        "url": chip.url,
        "state": chip.state,
        "title": chip.title,
        "labels": list(chip.labels),
        "assignees": list(chip.assignees),
        "moved_to": str(chip.moved_to) if chip.moved_to else None,
        "blocked": chip.blocked,
        "stale": chip.stale,
        "updated_at": _iso(chip.updated_at),
        "text_number": chip.text_number,
        "url_number": chip.url_number,
        "line": chip.line,
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _progress_dict(progress: Progress) -> dict[str, Any]:
    return {
        "done": progress.done,
        "total": progress.total,
        "no_issue": progress.no_issue,
        "percent": progress.percent,
    }


def _step_dict(step: StepBoard) -> dict[str, Any]:
    return {
        "number": step.number,
        "action": step.action,
        "description": step.description,
        "line": step.line,
        "status": step.status,
        "reasons": [{"code": reason.code, "params": dict(reason.params)} for reason in step.reasons],
        "issues": [_chip_dict(chip) for chip in step.chips],
    }


def problem_dict(problem: Problem) -> dict[str, Any]:
    return {
        "code": problem.code,
        "severity": problem.severity,
        "message": problem.message,
        "file": problem.file,
        "line": problem.line,
        "step": problem.step,
    }


def board_to_dict(board: Board) -> dict[str, Any]:
    """The board as plain JSON-ready data (schema in the module docstring)."""
    return {
        "schema": SCHEMA_NAME,
        "version": SCHEMA_VERSION,
        "generated_at": board.generated_at.isoformat(),
        "blocked_label": board.blocked_label,
        "stale_days": board.stale_days,
        "progress": _progress_dict(board.progress),
        "journeys": [
            {
                "name": journey.name,
                "source": journey.source,
                "progress": _progress_dict(journey.progress),
                "phases": [
                    {
                        "number": phase.number,
                        "title": phase.title,
                        "line": phase.line,
                        "progress": _progress_dict(phase.progress),
                        "steps": [_step_dict(s) for s in phase.steps],
                    }
                    for phase in journey.phases
                ],
            }
            for journey in board.journeys
        ],
        "problems": [problem_dict(problem) for problem in board.problems],
    }


def render_json(board: Board) -> str:
    return json.dumps(board_to_dict(board), ensure_ascii=False, indent=2) + "\n"


def _chip_text(board: Board, chip: IssueChip, lang: str) -> Text:
    label = Text(board.short(chip.key), style=f"link {chip.url}")
    label.append(f" {text(f'chip.{chip.state}', lang)}", style="dim")
    if chip.blocked:
        label.append(f" [{board.blocked_label}]", style="red")
    return label


def _journey_table(board: Board, index: int, lang: str) -> Table:
    journey = board.journeys[index]
    table = Table(
        title=escape(journey.name),
        caption=escape(_progress_text(journey.progress, lang)),
        show_lines=False,
        expand=False,
    )
    table.add_column(text("board.col.step", lang), no_wrap=True)
    table.add_column(text("board.col.action", lang))
    table.add_column(text("board.col.status", lang), no_wrap=True)
    table.add_column(text("board.col.issues", lang))
    for phase in journey.phases:
        table.add_section()
        table.add_row(
            "",
            Text(_phase_label(phase, lang), style="bold"),
            "",
            Text(_progress_text(phase.progress, lang), style="dim"),
        )
        for step in phase.steps:
            status = Text(
                f"{TEXT_ICONS[step.status]} {text(f'status.{step.status}', lang)}",
                style=_STATUS_STYLES[step.status],
            )
            chips = Text(", ").join(_chip_text(board, chip, lang) for chip in step.chips)
            if not step.chips:
                chips = Text(text("board.no_issues", lang), style="dim")
            table.add_row(step.number, Text(step.action), status, chips)
    return table


def _problem_table(board: Board, lang: str) -> Table:
    table = Table(title=text("board.problems", lang))
    for key in ("board.col.where", "board.col.severity", "board.col.code", "board.col.message"):
        table.add_column(text(key, lang))
    for problem in board.problems:
        where = f"{problem.file}:{problem.line}" if problem.line is not None else problem.file
        table.add_row(
            Text(where),
            text(f"severity.{problem.severity}", lang),
            problem.code,
            Text(problem_message(problem, lang)),
        )
    return table


def render_table(board: Board, lang: str = "nl") -> RenderableType:
    """A rich renderable: one table per journey, then the problems."""
    parts: list[RenderableType] = [_journey_table(board, i, lang) for i in range(len(board.journeys))]
    parts.append(Text(f"{text('board.overall', lang)}: {_progress_text(board.progress, lang)}", style="bold"))
    if board.problems:
        parts.append(_problem_table(board, lang))
    return Group(*parts)


def render_text(renderable: RenderableType, width: int = 120) -> str:
    """Plain text of a rich renderable (for files and tests)."""
    buffer = StringIO()
    Console(file=buffer, width=width, color_system=None, force_terminal=False).print(renderable)
    return buffer.getvalue()


def render_board(board: Board, fmt: Format = "table", lang: str = "nl") -> RenderableType | str:
    """The board in `fmt`: a rich renderable for "table", a string otherwise."""
    if fmt == "table":
        return render_table(board, lang)
    if fmt == "md":
        return render_markdown(board, lang)
    if fmt == "html":
        return render_html(board, lang)
    return render_json(board)
