"""The journey document as data: Journey, Phase, Step, IssueRef and the Problems found while parsing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from connectors.github_models import IssueKey

__all__ = [
    "Journey",
    "Phase",
    "Step",
    "IssueRef",
    "Problem",
    "ProblemCode",
    "Severity",
    "PROBLEM_SEVERITY",
]

Severity = Literal["error", "warning", "info"]
ProblemCode = Literal[
    "link_mismatch",
    "step_outside_phase",
    "duplicate_step",
    "broken_link",
    "no_steps",
    "issue_in_several_steps",
    "step_without_issues",
    "other_repository",
    "unparsable_row",
    "bad_encoding_repaired",
]

# One severity per code: `journey check` fails (exit 1) when any error is found.
PROBLEM_SEVERITY: dict[str, Severity] = {
    "link_mismatch": "error",
    "step_outside_phase": "error",
    "duplicate_step": "error",
    "broken_link": "error",
    "no_steps": "error",
    "issue_in_several_steps": "info",
    "step_without_issues": "info",
    "other_repository": "info",
    "unparsable_row": "warning",
    "bad_encoding_repaired": "info",
}


@dataclass(frozen=True)
class IssueRef:
    """One issue reference in a step's issue cell.

    `key` is the issue the step means: the link text's number by default (see parse_journey's `prefer`).
    `text_number` is the number written in the link text or short reference (`#140`, `owner/repo#140`),
    `url_number` the number in the URL; either is None when absent. `line` is the 1-based line of the
    original file, `raw` the reference as written.
    """

    key: IssueKey
    text_number: int | None
    url_number: int | None
    line: int
    raw: str

    @property
    def mismatch(self) -> bool:
        return (
            self.text_number is not None
            and self.url_number is not None
            and self.text_number != self.url_number
        )


@dataclass(frozen=True)
class Step:
    """One table row: step number as written ("1.2"), action, description, issue references, row line."""

    number: str
    action: str
    description: str
    refs: tuple[IssueRef, ...]
    line: int


@dataclass(frozen=True)
class Phase:
    """A heading that holds steps. `explicit_number` is True when the heading says "Fase N"/"Phase N"."""

    number: int
    title: str
    line: int
    steps: tuple[Step, ...]
    explicit_number: bool = False


@dataclass(frozen=True)
class Journey:
    """A parsed journey document: its name (first H1 or the file name), source path and phases."""

    name: str
    source: str
    phases: tuple[Phase, ...]

    @property
    def steps(self) -> tuple[Step, ...]:
        return tuple(step for phase in self.phases for step in phase.steps)


@dataclass(frozen=True)
class Problem:
    """Something in a journey document worth knowing: `file:line: severity code message`.

    `message` is English (for logs and CI); `params` carry the values so renderers can show the
    message in another language from the message catalogue (journey/messages/).
    """

    code: ProblemCode
    severity: Severity
    message: str
    file: str
    line: int | None = None
    step: str | None = None
    params: tuple[tuple[str, str], ...] = field(default=())

    def format(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: {self.severity} {self.code} {self.message}"
