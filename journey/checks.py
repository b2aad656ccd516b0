"""Checks over a parsed journey: no steps, duplicate steps, steps outside their phase, issue placement."""

from __future__ import annotations

from connectors.github_models import IssueKey
from journey.models import IssueRef, Journey, Step
from journey.report import ProblemReport

__all__ = ["check_journey"]


def check_journey(journey: Journey, report: ProblemReport) -> None:
    """Add the document-wide problems of `journey` to `report`."""
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


def _check_refs(steps: tuple[Step, ...], report: ProblemReport) -> None:
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
            if not places or places[-1][0] is not step:  # a step's refs come together: once per step
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
