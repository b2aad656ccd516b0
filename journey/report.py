"""ProblemReport: collects the Problems found in one journey document, each with its English message."""

from __future__ import annotations

from dataclasses import dataclass, field

from journey.messages import text as message_text
from journey.models import PROBLEM_SEVERITY, Problem, ProblemCode

__all__ = ["ProblemReport"]


@dataclass
class ProblemReport:
    """Collects problems for one document; `default_repo` is what a bare `#N` refers to."""

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
