"""parse_journey on the shipped seed document and on synthetic documents, one per pitfall."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.settings import DEFAULT_JOURNEY
from connectors.github_models import IssueKey
from journey.errors import JourneyParseError
from journey.models import Problem
from journey.parser import load_journey, parse_journey

REPO = "VNG-Realisatie/Softwarecatalogus"


def _parse(text: str, **kwargs: object) -> tuple[object, list[Problem]]:
    return parse_journey(text, "doc.md", default_repo=REPO, **kwargs)  # type: ignore[arg-type]


def _codes(problems: list[Problem]) -> list[tuple[str, int | None]]:
    return [(p.code, p.line) for p in problems]


def _table(*rows: str, header: str = "| Stapnr | Actie | Beschrijving | Gerelateerd issue |") -> str:
    return "\n".join(["## Fase 1: Test", "", header, "|---|---|---|---|", *rows, ""])


@pytest.fixture(scope="module")
def seed() -> tuple[object, list[Problem]]:
    return load_journey(DEFAULT_JOURNEY, default_repo=REPO)


def test_seed_has_nine_steps_in_three_phases(seed: tuple) -> None:
    journey, _ = seed
    assert [phase.number for phase in journey.phases] == [1, 2, 3]
    assert [step.number for step in journey.steps] == [
        "1.1",
        "1.2",
        "1.3",
        "1.4",
        "1.5",
        "2.1",
        "3.1",
        "3.2",
        "2.3",
    ]
    assert journey.name == "Klantreis functioneel beheer > GEMMA Softwarecatalogus"
    assert journey.phases[0].title == "Registratie organisaties en gebruikers"


def test_seed_split_row_keeps_both_issues_with_their_lines(seed: tuple) -> None:
    journey, _ = seed
    step = {s.number: s for s in journey.steps}["1.2"]
    assert [(ref.key.number, ref.line) for ref in step.refs] == [(142, 12), (143, 13)]
    assert step.line == 12


def test_seed_link_mismatch_uses_text_number_and_records_both(seed: tuple) -> None:
    journey, problems = seed
    ref = journey.steps[0].refs[0]
    assert (ref.key, ref.text_number, ref.url_number, ref.line) == (
        IssueKey(repo=REPO, number=140),
        140,
        75,
        11,
    )
    mismatch = [p for p in problems if p.code == "link_mismatch"]
    assert [(p.line, p.severity, p.step) for p in mismatch] == [(11, "error", "1.1")]


def test_seed_prefer_url_uses_the_href() -> None:
    journey, _ = load_journey(DEFAULT_JOURNEY, default_repo=REPO, prefer="url")
    assert journey.steps[0].refs[0].key.number == 75


def test_seed_problems(seed: tuple) -> None:
    _, problems = seed
    found = {(p.code, p.line, p.step) for p in problems}
    assert ("step_outside_phase", 33, "2.3") in found
    assert ("issue_in_several_steps", 24, "2.1") in found
    assert ("step_without_issues", 14, "1.3") in found
    assert {p.line for p in problems if p.code == "bad_encoding_repaired"} == {1, 7, 20, 27}
    several = next(p for p in problems if p.code == "issue_in_several_steps")
    assert "1.4, 2.1" in several.message and "#141" in several.message
    assert not [p for p in problems if p.code in {"unparsable_row", "broken_link", "duplicate_step"}]


def test_seed_counts_ten_references(seed: tuple) -> None:
    journey, _ = seed
    assert sum(len(step.refs) for step in journey.steps) == 10
    assert {s.number: len(s.refs) for s in journey.steps}["1.3"] == 0


def test_columns_found_by_header_name_in_any_order() -> None:
    text = _table(
        "| [#7](https://github.com/VNG-Realisatie/Softwarecatalogus/issues/7) | Beschrijf | 1.1 | Doe iets |",
        header="| Issues | Description | Step | Action |",
    )
    journey, problems = _parse(text)
    step = journey.steps[0]
    assert (step.number, step.action, step.description, step.refs[0].key.number) == (
        "1.1",
        "Doe iets",
        "Beschrijf",
        7,
    )
    assert not [p for p in problems if p.severity != "info"]


def test_continuation_line_after_open_row() -> None:
    text = _table("| 1.1 | A | B | #1", ", #2 |", "| 1.2 | C | D | #3 |")
    journey, _ = _parse(text)
    assert [[r.key.number for r in s.refs] for s in journey.steps] == [[1, 2], [3]]
    assert [r.line for r in journey.steps[0].refs] == [5, 6]


def test_issue_cell_continued_in_a_row_without_step_number() -> None:
    text = _table("| 1.1 | A | B | #1 |", "| | | | #2 |", "#4, #5 |")
    journey, problems = _parse(text)
    assert [r.key.number for r in journey.steps[0].refs] == [1, 2, 4, 5]
    assert not [p for p in problems if p.code == "unparsable_row"]


def test_placeholders_and_empty_cells_mean_no_issue() -> None:
    rows = [f"| 1.{i} | A | B | {cell} |" for i, cell in enumerate(["", "–", "-", "—", "n.v.t."], start=1)]
    journey, problems = _parse(_table(*rows))
    assert all(not step.refs for step in journey.steps)
    assert {p.code for p in problems} == {"step_without_issues"}


def test_several_reference_styles_in_one_cell() -> None:
    cell = "#1, other/repo#2 https://github.com/VNG-Realisatie/Softwarecatalogus/issues/3 en [#4](https://github.com/a/b/issues/4)"
    journey, problems = _parse(_table(f"| 1.1 | A | B | {cell} |"))
    keys = [str(r.key) for r in journey.steps[0].refs]
    assert keys == [f"{REPO}#1", "other/repo#2", f"{REPO}#3", "a/b#4"]
    assert sorted(p.code for p in problems if p.code == "other_repository") == ["other_repository"] * 2


def test_broken_links_are_errors_with_line() -> None:
    text = _table(
        "| 1.1 | A | B | [#12](https://github.com/x/y/issues/) |",
        "| 1.2 | A | B | [#13](https://example.com/ticket/13) |",
        "| 1.3 | A | B | [#14]() |",
    )
    journey, problems = _parse(text)
    broken = [(p.line, p.step, p.severity) for p in problems if p.code == "broken_link"]
    assert broken == [(5, "1.1", "error"), (6, "1.2", "error"), (7, "1.3", "error")]
    # a GitHub repository link with a number in the text still names the issue
    assert [str(r.key) for r in journey.steps[0].refs] == ["x/y#12"]
    assert journey.steps[1].refs == () and journey.steps[2].refs == ()


def test_duplicate_step_and_no_step_number() -> None:
    text = _table("| 1.1 | A | B | #1 |", "| 1.1 | C | D | #2 |", "| x | E | F | #3 |")
    _, problems = _parse(text)
    assert ("duplicate_step", 6) in _codes(problems)
    assert ("unparsable_row", 7) in _codes(problems)
    assert next(p for p in problems if p.code == "unparsable_row").severity == "warning"


def test_text_without_reference_in_issue_cell_is_a_warning() -> None:
    _, problems = _parse(_table("| 1.1 | A | B | volgt nog |"))
    assert [(p.code, p.line, p.severity) for p in problems if p.code == "unparsable_row"] == [
        ("unparsable_row", 5, "warning")
    ]


def test_no_steps_is_an_error() -> None:
    _, problems = _parse("# Title\n\nJust text.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n")
    assert [(p.code, p.severity) for p in problems] == [("no_steps", "error")]


def test_phases_without_fase_numbering_are_sequential() -> None:
    text = (
        "# Doc\n\n## Intake\n\n| Step | Action | Issues |\n|---|---|---|\n| 1 | A | #1 |\n\n"
        "## Delivery\n\n| Step | Action | Issues |\n|---|---|---|\n| 2 | B | #2 |\n"
    )
    journey, problems = _parse(text)
    assert [(p.number, p.title, p.line) for p in journey.phases] == [(1, "Intake", 3), (2, "Delivery", 9)]
    assert not [p for p in problems if p.severity == "error"]


def test_tables_in_code_blocks_are_ignored() -> None:
    text = _table("| 1.1 | A | B | #1 |") + "\n```\n| Stapnr | Actie |\n|---|---|\n| 9.9 | X |\n```\n"
    journey, _ = _parse(text)
    assert [s.number for s in journey.steps] == ["1.1"]


def test_crlf_and_damaged_encoding_keep_line_numbers() -> None:
    text = (
        "# TÃ©st\r\n\r\n## Fase 2: Ã‰Ã©n\r\n\r\n"
        "| Stap | Actie | Issue |\r\n|---|---|---|\r\n| 2.1 | CafÃ© | #5 |\r\n"
    )
    journey, problems = _parse(text)
    assert journey.phases[0].title == "Één"
    assert journey.steps[0].action == "Café" and journey.steps[0].line == 7
    assert {p.line for p in problems if p.code == "bad_encoding_repaired"} == {1, 3, 7}


def test_same_issue_twice_in_one_step_counts_once() -> None:
    journey, problems = _parse(_table("| 1.1 | A | B | #1, #1 |"))
    assert len(journey.steps[0].refs) == 1
    assert "issue_in_several_steps" not in {p.code for p in problems}


def test_load_journey_missing_file_names_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope.md"
    with pytest.raises(JourneyParseError) as caught:
        load_journey(missing, default_repo=REPO)
    assert str(missing) in caught.value.message


def test_load_journey_reads_invalid_utf8(tmp_path: Path) -> None:
    path = tmp_path / "bad.md"
    path.write_bytes(_table("| 1.1 | A\xff | B | #1 |").encode("latin-1"))
    journey, _ = load_journey(path, default_repo=REPO)
    assert journey.steps[0].refs[0].key.number == 1
    assert journey.source == str(path)


# --- the documentation repository's other journey pages (tests/data/journeys, counted by hand) -----------

PAGES = Path(__file__).resolve().parents[2] / "data" / "journeys"


@pytest.mark.parametrize(
    ("page", "name", "phases", "duplicates"),
    [
        (
            "F004-applicatiebeheer.md",
            "F004 - Applicatiebeheer",
            [
                (1, "Voor Gemeenten", 8),
                (2, "Voor Samenwerkingen & Communities", 4),
                (3, "Voor Leveranciers", 6),
                (4, "Voor Functioneel Beheer", 2),
            ],
            12,  # 4.1 and 4.2 four times, 4.3 and 4.4 three times, 4.5 and 4.6 twice
        ),
        (
            "F006-inzichten-en-aanbevelingen.md",
            "F006 - Inzichten en Aanbevelingen",
            [(1, "Voor Gemeenten", 7), (2, "Voor Leveranciers", 2), (3, "Voor Functioneel Beheer", 2)],
            4,  # 6.1 and 6.2 three times each
        ),
    ],
)
def test_documentation_pages_parse_per_role_section(
    page: str, name: str, phases: list[tuple[int, str, int]], duplicates: int
) -> None:
    journey, problems = load_journey(PAGES / page, default_repo=REPO)
    assert journey.name == name
    assert [(p.number, p.title, len(p.steps)) for p in journey.phases] == phases
    steps = sum(count for _, _, count in phases)
    assert all(not step.refs for step in journey.steps)  # the issues are listed apart, not per step
    codes = [problem.code for problem in problems]
    assert codes.count("step_without_issues") == steps
    assert codes.count("duplicate_step") == duplicates
    assert set(codes) == {"step_without_issues", "duplicate_step"}
