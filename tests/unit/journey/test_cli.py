"""`swc-beheer journey check` exit codes and output; `journey status` through its library function and CLI."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from config.settings import DEFAULT_JOURNEY, load_settings
from connectors.github_models import IssueInfo, IssueKey
from store import open_store
from swc_beheer.cli import app
from swc_beheer.journey_jobs import build_status_board

REPO = "VNG-Realisatie/Softwarecatalogus"
CLEAN = "## Fase 1: Test\n\n| Stap | Actie | Issue |\n|---|---|---|\n| 1.1 | Doe | #5 |\n"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_check_seed_exits_1_and_prints_file_line(runner: CliRunner) -> None:
    result = runner.invoke(
        app, ["journey", "check", str(DEFAULT_JOURNEY), "--lang", "en"], catch_exceptions=False
    )
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert (
        f"{DEFAULT_JOURNEY}:11: error link_mismatch "
        "link text says #140 but the URL points to issue 75; using #140" in lines
    )
    assert any(line.startswith(f"{DEFAULT_JOURNEY}:33: error step_outside_phase ") for line in lines)


def test_check_clean_document_exits_0(runner: CliRunner, tmp_path: Path) -> None:
    path = _write(tmp_path, "ok.md", CLEAN)
    result = runner.invoke(app, ["journey", "check", str(path)], catch_exceptions=False)
    assert result.exit_code == 0
    assert result.stdout == ""


def test_check_warnings_and_infos_do_not_fail(runner: CliRunner, tmp_path: Path) -> None:
    path = _write(tmp_path, "warn.md", CLEAN + "| 1.2 | Later | volgt nog |\n| 1.3 | Leeg | – |\n")
    result = runner.invoke(app, ["journey", "check", str(path)], catch_exceptions=False)
    assert result.exit_code == 0
    assert f"{path}:6: warning unparsable_row" in result.stdout
    assert f"{path}:7: info step_without_issues" in result.stdout


def test_check_several_files_fails_if_one_has_an_error(runner: CliRunner, tmp_path: Path) -> None:
    good = _write(tmp_path, "ok.md", CLEAN)
    bad = _write(tmp_path, "bad.md", "# nothing here\n")
    result = runner.invoke(app, ["journey", "check", str(good), str(bad)], catch_exceptions=False)
    assert result.exit_code == 1
    assert result.stdout.startswith(f"{bad}: error no_steps")


def test_check_json(runner: CliRunner) -> None:
    result = runner.invoke(app, ["journey", "check", str(DEFAULT_JOURNEY), "--json"], catch_exceptions=False)
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["summary"]["error"] == 2
    assert {(p["code"], p["line"]) for p in data["problems"]} >= {
        ("link_mismatch", 11),
        ("step_outside_phase", 33),
    }


def test_check_default_repo_option_and_env(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path, "other.md", CLEAN.replace("#5", "other/repo#5"))
    result = runner.invoke(app, ["journey", "check", str(path), "--default-repo", "other/repo"])
    assert "other_repository" not in result.stdout
    monkeypatch.setenv("SWC_GITHUB__REPO", "other/repo")
    assert "other_repository" not in runner.invoke(app, ["journey", "check", str(path)]).stdout
    monkeypatch.delenv("SWC_GITHUB__REPO")
    assert "other_repository" in runner.invoke(app, ["journey", "check", str(path)]).stdout


def test_check_missing_file_is_a_clear_error(runner: CliRunner, tmp_path: Path) -> None:
    missing = tmp_path / "missing.md"
    result = runner.invoke(app, ["journey", "check", str(missing)])
    assert result.exit_code == 1
    assert str(missing) in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("en", "is 16777217 bytes; the limit is 16777216 bytes"),
        ("nl", "is 16777217 bytes; de grens is 16777216 bytes"),
    ],
)
def test_check_refuses_a_file_over_the_size_limit(
    runner: CliRunner, tmp_path: Path, lang: str, said: str
) -> None:
    big = tmp_path / "dump.md"
    with big.open("wb") as handle:
        handle.truncate(16 * 1024 * 1024 + 1)  # sparse: only its size matters
    clean = _write(tmp_path, "ok.md", CLEAN)
    result = runner.invoke(app, ["journey", "check", str(clean), str(big), "--lang", lang])
    assert result.exit_code == 1  # as for a missing file: an expected failure, not a crash
    stderr = "".join(result.stderr.split())  # rich wraps long lines wherever it likes
    assert str(big) in stderr and "".join(said.split()) in stderr and "Traceback" not in result.output
    assert str(clean) not in stderr


def test_build_status_board_with_stub_issue_states(tmp_path: Path) -> None:
    settings = load_settings(
        journey={"paths": [str(DEFAULT_JOURNEY)]}, store={"url": f"sqlite:///{tmp_path}/s.db"}
    )
    key = IssueKey(repo=REPO.lower(), number=62)
    issues = {key: IssueInfo(key=key, state="closed", state_reason="completed")}
    board = build_status_board(settings, issues=issues, now=datetime(2025, 1, 1, tzinfo=UTC))
    statuses = {s.number: s.status for p in board.journeys[0].phases for s in p.steps}
    assert statuses["2.3"] == "done" and statuses["1.3"] == "no_issue" and statuses["1.4"] == "attention"
    assert not (tmp_path / "s.db").exists()  # with a mapping given, the store is not touched


def test_status_cli_writes_the_board_from_an_empty_store(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SWC_STORE__URL", f"sqlite:///{tmp_path}/store.sqlite3")
    open_store(f"sqlite:///{tmp_path}/store.sqlite3").close()  # read-only commands need an existing store
    out = tmp_path / "board.json"
    result = runner.invoke(
        app, ["journey", "status", "--format", "json", "--out", str(out)], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    steps = [s for p in data["journeys"][0]["phases"] for s in p["steps"]]
    assert len(steps) == 9
    assert {s["status"] for s in steps} == {"attention", "no_issue"}  # nothing fetched yet


def test_status_cli_table_in_english(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SWC_STORE__URL", f"sqlite:///{tmp_path}/store.sqlite3")
    open_store(f"sqlite:///{tmp_path}/store.sqlite3").close()  # read-only commands need an existing store
    result = runner.invoke(app, ["journey", "status", "--lang", "en"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "Phase 3" in result.stdout


def test_status_to_an_unwritable_path_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SWC_STORE__URL", f"sqlite:///{tmp_path}/s.sqlite3")
    open_store(f"sqlite:///{tmp_path}/s.sqlite3").close()  # read-only commands need an existing store
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    result = CliRunner().invoke(app, ["journey", "status", "--format", "md", "--out", str(blocker / "x.md")])
    assert result.exit_code == 1
    assert "Cannot write" in result.output and "x.md" in result.output
    assert "Traceback" not in result.output


def test_status_on_a_missing_store_is_a_settings_error_and_creates_nothing(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "no" / "such" / "store.sqlite3"
    monkeypatch.setenv("SWC_STORE__URL", f"sqlite:///{missing}")
    result = runner.invoke(app, ["journey", "status", "--lang", "en"])
    assert result.exit_code == 2
    flat = "".join(result.stderr.split())  # rich wraps long paths
    assert "SWC_STORE__URL" in flat and str(missing) in flat and "Traceback" not in flat
    assert not (tmp_path / "no").exists()
