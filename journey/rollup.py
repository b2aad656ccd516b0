"""Step and phase status from issue states: pure (no I/O, `now` is passed in).

Issue chip state (one per referenced issue):

* ``unknown``: no IssueInfo in the mapping (not fetched yet) or one without a state;
* ``moved`` / ``deleted`` / ``missing``: the fetch said so (transferred, 410, 404 or no access);
* ``closed`` (closed as completed, or closed without a reason: issues closed before GitHub kept reasons),
  ``not_planned``, ``duplicate``: closed with that reason;
* ``in_progress``: open and *started*: it has an assignee, a closing pull request, a human comment,
  a completed sub-issue, or a project status other than a not-started column (Todo, Backlog, …);
* ``open``: open and not started.

An open issue is *blocked* when it carries the blocked label (case-insensitive), and *stale* when its
last activity (``updated_at``, else ``created_at``) is more than ``stale_days`` before ``now``.

Step status, the first rule that applies wins (attention > blocked > stale > done > in_progress >
not_started):

1. ``no_issue``: the step references no issue.
2. ``attention``: an issue is unknown, moved, deleted, missing, not planned or duplicate, or the
   journey document has a link_mismatch or broken_link problem on the step.
3. ``blocked``: an open issue is blocked.
4. ``stale``: the step has open issues and every one of them is stale.
5. ``done``: every issue is closed as completed.
6. ``in_progress``: some issues are closed as completed, or an open issue is started.
7. ``not_started``: everything else (all issues open, none started).

Progress: done steps / steps with issues, per phase, per journey and overall; ``no_issue`` steps are
left out of both numbers (counted separately) because there is nothing to finish. With no steps with
issues the percentage is None.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from connectors.github_models import IssueInfo, IssueKey
from journey.models import IssueRef, Journey, Phase, Problem, Step

__all__ = [
    "Board",
    "ChipState",
    "IssueChip",
    "JourneyBoard",
    "PhaseBoard",
    "Progress",
    "Reason",
    "StepBoard",
    "StepStatus",
    "STEP_STATUSES",
    "build_board",
    "rollup_step",
]

StepStatus = Literal["done", "in_progress", "not_started", "blocked", "attention", "no_issue", "stale"]
ChipState = Literal[
    "open", "in_progress", "closed", "not_planned", "duplicate", "moved", "deleted", "missing", "unknown"
]
STEP_STATUSES: tuple[StepStatus, ...] = (
    "attention",
    "blocked",
    "stale",
    "done",
    "in_progress",
    "not_started",
    "no_issue",
)
_ATTENTION_STATES = frozenset({"unknown", "moved", "deleted", "missing", "not_planned", "duplicate"})
_ATTENTION_PROBLEMS = frozenset({"link_mismatch", "broken_link"})
_NOT_STARTED_COLUMNS = frozenset(
    {"todo", "to do", "backlog", "new", "no status", "te doen", "nieuw", "triage"}
)


@dataclass(frozen=True)
class Reason:
    """Why a step has its status: a message-catalogue code (`reason.<code>`) and its values."""

    code: str
    params: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class IssueChip:
    """One referenced issue as shown on the board."""

    key: IssueKey
    url: str
    state: ChipState
    title: str | None = None
    labels: tuple[str, ...] = ()
    assignees: tuple[str, ...] = ()
    moved_to: IssueKey | None = None
    blocked: bool = False
    stale: bool = False
    updated_at: datetime | None = None
    text_number: int | None = None
    url_number: int | None = None
    line: int | None = None


@dataclass(frozen=True)
class Progress:
    """Done steps out of steps with issues; `no_issue` counts the steps left out."""

    done: int = 0
    total: int = 0
    no_issue: int = 0

    @property
    def percent(self) -> int | None:
        return None if self.total == 0 else round(100 * self.done / self.total)

    def __add__(self, other: Progress) -> Progress:
        return Progress(self.done + other.done, self.total + other.total, self.no_issue + other.no_issue)


@dataclass(frozen=True)
class StepBoard:
    number: str
    action: str
    description: str
    line: int
    status: StepStatus
    reasons: tuple[Reason, ...]
    chips: tuple[IssueChip, ...]


@dataclass(frozen=True)
class PhaseBoard:
    number: int
    title: str
    line: int
    steps: tuple[StepBoard, ...]
    progress: Progress


@dataclass(frozen=True)
class JourneyBoard:
    name: str
    source: str
    phases: tuple[PhaseBoard, ...]
    progress: Progress


@dataclass(frozen=True)
class Board:
    """The status board of one or more journeys at `generated_at`, with the documents' problems."""

    journeys: tuple[JourneyBoard, ...]
    generated_at: datetime
    problems: tuple[Problem, ...]
    progress: Progress
    blocked_label: str
    stale_days: int
    default_repo: str = ""

    def short(self, key: IssueKey) -> str:
        """`#N` for the default repository, `owner/name#N` otherwise."""
        return f"#{key.number}" if key.repo.lower() == self.default_repo.lower() else str(key)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _started(info: IssueInfo) -> bool:
    return bool(
        info.assignees
        or info.closing_pull_requests
        or info.comments
        or info.sub_issues_completed > 0
        or (info.project_status and info.project_status.strip().lower() not in _NOT_STARTED_COLUMNS)
    )


def _state(info: IssueInfo | None) -> ChipState:
    if info is None:
        return "unknown"
    if info.fetch_state in ("moved", "deleted", "missing"):
        return info.fetch_state
    if info.state == "closed":
        if info.state_reason == "not_planned":
            return "not_planned"
        return "duplicate" if info.state_reason == "duplicate" else "closed"
    if info.state == "open":
        return "in_progress" if _started(info) else "open"
    return "unknown"


def build_chip(
    ref: IssueRef, info: IssueInfo | None, *, blocked_label: str, stale_before: datetime
) -> IssueChip:
    """The chip for one reference, given what is known about its issue."""
    state = _state(info)
    if info is None:
        return IssueChip(
            ref.key, ref.key.url, state, text_number=ref.text_number, url_number=ref.url_number, line=ref.line
        )
    is_open = state in ("open", "in_progress")
    activity = info.updated_at or info.created_at
    return IssueChip(
        key=ref.key,
        url=info.html_url or ref.key.url,
        state=state,
        title=info.title,
        labels=info.labels,
        assignees=info.assignees,
        moved_to=info.moved_to,
        blocked=is_open and blocked_label.lower() in {label.lower() for label in info.labels},
        stale=is_open and activity is not None and _aware(activity) < stale_before,
        updated_at=activity,
        text_number=ref.text_number,
        url_number=ref.url_number,
        line=ref.line,
    )


def _attention_reason(chip: IssueChip, label: Callable[[IssueKey], str]) -> Reason:
    code = "not_fetched" if chip.state == "unknown" else chip.state
    params: tuple[tuple[str, str], ...] = (("issue", label(chip.key)),)
    if chip.moved_to is not None:
        params += (("moved_to", str(chip.moved_to)),)
    return Reason(code, params)


def rollup_step(
    chips: Sequence[IssueChip],
    step_problems: Sequence[Problem],
    *,
    blocked_label: str = "blocked",
    label: Callable[[IssueKey], str] = str,
) -> tuple[StepStatus, tuple[Reason, ...]]:
    """A step's status and the reasons behind it (see the module docstring for the rules).

    `label` spells an issue in the reasons (e.g. `#N` for the default repository).
    """
    if not chips:
        return "no_issue", ()
    reasons = [_attention_reason(chip, label) for chip in chips if chip.state in _ATTENTION_STATES]
    for problem in step_problems:
        if problem.code in _ATTENTION_PROBLEMS:
            reasons.append(Reason(problem.code, problem.params))
    open_chips = [chip for chip in chips if chip.state in ("open", "in_progress")]
    reasons += [
        Reason("blocked", (("issue", label(c.key)), ("label", blocked_label)))
        for c in open_chips
        if c.blocked
    ]
    reasons += [
        Reason("stale", (("issue", label(c.key)), ("since", _date(c.updated_at))))
        for c in open_chips
        if c.stale
    ]
    if any(chip.state in _ATTENTION_STATES for chip in chips) or any(
        problem.code in _ATTENTION_PROBLEMS for problem in step_problems
    ):
        return "attention", tuple(reasons)
    if any(chip.blocked for chip in open_chips):
        return "blocked", tuple(reasons)
    if open_chips and all(chip.stale for chip in open_chips):
        return "stale", tuple(reasons)
    if all(chip.state == "closed" for chip in chips):
        return "done", tuple(reasons)
    if any(chip.state in ("closed", "in_progress") for chip in chips):
        return "in_progress", tuple(reasons)
    return "not_started", tuple(reasons)


def _date(moment: datetime | None) -> str:
    return moment.date().isoformat() if moment is not None else ""


def _progress(steps: Sequence[StepBoard]) -> Progress:
    with_issues = [step for step in steps if step.status != "no_issue"]
    return Progress(
        done=sum(1 for step in with_issues if step.status == "done"),
        total=len(with_issues),
        no_issue=len(steps) - len(with_issues),
    )


@dataclass(frozen=True)
class _Context:
    issues: Mapping[IssueKey, IssueInfo]
    problems: Sequence[Problem]
    blocked_label: str
    stale_before: datetime
    default_repo: str

    def label(self, key: IssueKey) -> str:
        return f"#{key.number}" if key.repo.lower() == self.default_repo.lower() else str(key)


def _step_board(step: Step, source: str, context: _Context) -> StepBoard:
    chips = tuple(
        build_chip(
            ref,
            context.issues.get(ref.key.normalised()),
            blocked_label=context.blocked_label,
            stale_before=context.stale_before,
        )
        for ref in step.refs
    )
    problems = [p for p in context.problems if p.file == source and p.step == step.number]
    status, reasons = rollup_step(chips, problems, blocked_label=context.blocked_label, label=context.label)
    return StepBoard(step.number, step.action, step.description, step.line, status, reasons, chips)


def _phase_board(phase: Phase, source: str, context: _Context) -> PhaseBoard:
    steps = tuple(_step_board(step, source, context) for step in phase.steps)
    return PhaseBoard(phase.number, phase.title, phase.line, steps, _progress(steps))


def build_board(
    journeys: Sequence[tuple[Journey, Sequence[Problem]]],
    issues: Mapping[IssueKey, IssueInfo],
    *,
    now: datetime,
    blocked_label: str = "blocked",
    stale_days: int = 60,
    default_repo: str = "",
) -> Board:
    """The board for parsed journeys (with their problems) and the known issue states.

    `issues` may be keyed by any spelling of the repository: keys are normalised here. Issues of
    `default_repo` are shown as `#N`, others as `owner/name#N`.
    """
    now = _aware(now)
    all_problems = tuple(problem for _, problems in journeys for problem in problems)
    context = _Context(
        issues={key.normalised(): info for key, info in issues.items()},
        problems=all_problems,
        blocked_label=blocked_label,
        stale_before=now - timedelta(days=stale_days),
        default_repo=default_repo,
    )
    boards: list[JourneyBoard] = []
    for journey, _ in journeys:
        phases = tuple(_phase_board(phase, journey.source, context) for phase in journey.phases)
        progress = sum((phase.progress for phase in phases), Progress())
        boards.append(JourneyBoard(journey.name, journey.source, phases, progress))
    return Board(
        journeys=tuple(boards),
        generated_at=now,
        problems=all_problems,
        progress=sum((board.progress for board in boards), Progress()),
        blocked_label=blocked_label,
        stale_days=stale_days,
        default_repo=default_repo,
    )
