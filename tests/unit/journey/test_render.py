"""Board renderers: Markdown within GitHub's limit, JSON against its schema, HTML escaped, rich table."""

from __future__ import annotations

import json
import re
import string
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest

from config.settings import DEFAULT_JOURNEY
from connectors.github_models import IssueInfo, IssueKey
from journey.messages import LANGUAGES, catalogue
from journey.parser import load_journey, parse_journey
from journey.render import render_board, render_markdown, render_text
from journey.rollup import Board, build_board

REPO = "VNG-Realisatie/Softwarecatalogus"
NOW = datetime(2025, 10, 1, tzinfo=UTC)
SCHEMA = Path(__file__).resolve().parents[3] / "journey" / "templates" / "board.schema.json"


def _seed_board() -> Board:
    parsed = load_journey(DEFAULT_JOURNEY, default_repo=REPO)
    issues = {
        IssueKey(repo=REPO, number=140): IssueInfo(
            key=IssueKey(repo=REPO, number=140),
            state="closed",
            state_reason="completed",
            title="Concept orgs",
        ),
        IssueKey(repo=REPO, number=11): IssueInfo(
            key=IssueKey(repo=REPO, number=11), state="open", labels=("blocked",), updated_at=NOW
        ),
    }
    return build_board([parsed], issues, now=NOW, default_repo=REPO)


def _hostile_board(repeat: int = 1) -> Board:
    rows = [
        f'| 1.{i} | <script>alert(1)</script> a\\|b & "c" | <img src=x onerror=y> | #{i} |'
        for i in range(1, repeat + 1)
    ]
    text = "\n".join(
        [
            "# <b>Evil</b> journey",
            "## Fase 1: <i>x</i>",
            "| Stap | Actie | Beschrijving | Issues |",
            "|---|---|---|---|",
            *rows,
        ]
    )
    parsed = parse_journey(text, "evil.md", default_repo=REPO)
    issues = {
        IssueKey(repo=REPO, number=1): IssueInfo(
            key=IssueKey(repo=REPO, number=1),
            state="open",
            title="<script>t()</script>",
            labels=("<b>l</b>",),
            html_url="javascript:alert(1)",
        )
    }
    return build_board([parsed], issues, now=NOW, default_repo=REPO)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_markdown_lists_phases_steps_and_issue_links(lang: str) -> None:
    md = render_board(_seed_board(), "md", lang)
    assert isinstance(md, str)
    assert md.count("\n### ") == 3
    assert f"[#140](https://github.com/{REPO}/issues/140)" in md
    assert len(re.findall(r"^\| (\d+\.\d+) \|", md, re.M)) == 9
    assert "link_mismatch" in md and "step_outside_phase" in md
    assert catalogue(lang)["status.blocked"] in md


def test_markdown_escapes_table_breaking_text() -> None:
    md = render_markdown(_hostile_board(), "en")
    row = next(line for line in md.splitlines() if line.startswith("| 1.1 "))
    assert "a\\|b" in row and "&lt;script&gt;" in row
    assert "<script>" not in md and "<b>" not in md and "<i>" not in md
    assert "javascript:" not in md


@pytest.mark.parametrize("limit", [1500, 4000, 65536])
def test_markdown_stays_within_limit_with_a_note(limit: int) -> None:
    board = _hostile_board(repeat=400)
    full = render_markdown(board, "nl", max_chars=10**9)
    assert len(full) > limit
    cut = render_markdown(board, "nl", max_chars=limit)
    assert len(cut) <= limit
    assert "65536" not in cut or limit == 65536
    assert str(limit) in cut.splitlines()[-1]
    assert cut.splitlines()[-1].startswith("> ")
    kept = cut.split("\n> ")[0].rstrip("\n")
    assert full.startswith(kept)


def test_markdown_not_cut_when_it_fits() -> None:
    md = render_markdown(_seed_board(), "en")
    assert "> ⚠️" not in md


def test_json_matches_schema_and_content() -> None:
    data = json.loads(render_board(_seed_board(), "json"))  # type: ignore[arg-type]
    jsonschema.validate(data, json.loads(SCHEMA.read_text(encoding="utf-8")))
    steps = [s for p in data["journeys"][0]["phases"] for s in p["steps"]]
    first = steps[0]
    assert (
        first["number"],
        first["status"],
        first["issues"][0]["text_number"],
        first["issues"][0]["url_number"],
    ) == ("1.1", "attention", 140, 75)
    assert {s["number"]: s["status"] for s in steps}["3.1"] == "blocked"
    assert data["generated_at"] == NOW.isoformat()


def test_json_is_language_neutral() -> None:
    board = _seed_board()
    assert render_board(board, "json", "nl") == render_board(board, "json", "en")


def test_html_escapes_text_and_refuses_script_urls() -> None:
    html = render_board(_hostile_board(), "html", "en")
    assert isinstance(html, str)
    assert "<script>" not in html and "<img" not in html and "<b>l</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="javascript:' not in html


def test_html_is_accessible_and_standalone() -> None:
    html = render_board(_seed_board(), "html", "nl")
    assert isinstance(html, str)
    assert '<html lang="nl">' in html and 'name="viewport"' in html
    assert "<progress" in html and 'aria-labelledby="' in html
    assert html.count("<h3") == 3 and html.count('class="step s-') == 9
    assert not re.search(r'(src|href)="(https?:)?//(?!github\.com)', html)
    assert "<link" not in html and "<script" not in html
    assert catalogue("nl")["status.attention"] in html  # the status in words, not only colour


def test_table_renders_in_both_languages() -> None:
    board = _seed_board()
    nl = render_text(render_board(board, "table", "nl"))  # type: ignore[arg-type]
    en = render_text(render_board(board, "table", "en"))  # type: ignore[arg-type]
    assert "Fase 1" in nl and "Phase 1" in en
    assert catalogue("en")["status.no_issue"] in en


def test_catalogues_have_the_same_keys_and_placeholders() -> None:
    nl, en = catalogue("nl"), catalogue("en")
    assert set(nl) == set(en)
    fields = string.Formatter()
    for key in en:
        names = lambda s: {f for _, f, _, _ in fields.parse(s) if f}  # noqa: E731
        assert names(nl[key]) == names(en[key]), key
