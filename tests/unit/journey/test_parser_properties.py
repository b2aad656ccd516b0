"""Property tests: parse_journey never raises, and everything it reports points inside the file."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from config.settings import DEFAULT_JOURNEY
from journey.models import PROBLEM_SEVERITY
from journey.parser import parse_journey

REPO = "VNG-Realisatie/Softwarecatalogus"
SEED = DEFAULT_JOURNEY.read_text(encoding="utf-8")
SEED_LINES = SEED.split("\n")
PIECES = [
    "|",
    "\n",
    "\r\n",
    "#",
    "[",
    "](",
    ")",
    "#140",
    "-",
    "–",
    "```",
    "## Fase 9: x",
    "\\|",
    "https://github.com/a/b/issues/",
    "ðŸ”¹",
    "\u2028",
    "\x00",
    " ",
    ",",
    "<!--",
    "1.1",
    "Stapnr",
]


def _check(text: str) -> None:
    journey, problems = parse_journey(text, "doc.md", default_repo=REPO)
    total = len(text.split("\n"))
    for problem in problems:
        assert problem.severity == PROBLEM_SEVERITY[problem.code]
        assert problem.line is None or 1 <= problem.line <= total
        assert problem.file == "doc.md"
    for phase in journey.phases:
        assert 1 <= phase.line <= total
        for step in phase.steps:
            assert 1 <= step.line <= total
            for ref in step.refs:
                assert step.line <= ref.line <= total


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_arbitrary_text_never_raises(text: str) -> None:
    _check(text)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(PIECES) | st.text(max_size=5), max_size=60).map("".join))
def test_markdown_like_text_never_raises(text: str) -> None:
    _check(text)


@st.composite
def _mutated_seed(draw: st.DrawFn) -> str:
    lines = list(SEED_LINES)
    for _ in range(draw(st.integers(1, 6))):
        index = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["delete", "duplicate", "cut", "insert", "swap"]))
        if action == "delete" and len(lines) > 1:
            del lines[index]
        elif action == "duplicate":
            lines.insert(index, lines[index])
        elif action == "cut":
            line = lines[index]
            cut = draw(st.integers(0, len(line)))
            lines[index : index + 1] = [line[:cut], line[cut:]]
        elif action == "insert":
            lines.insert(index, draw(st.sampled_from(PIECES) | st.text(max_size=20)))
        else:
            other = draw(st.integers(0, len(lines) - 1))
            lines[index], lines[other] = lines[other], lines[index]
    return "\n".join(lines)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_mutated_seed())
def test_mutated_seed_never_raises(text: str) -> None:
    _check(text)
