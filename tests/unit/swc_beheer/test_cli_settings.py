"""Settings that can't silently mislead, through the real CLI: unknown names, missing URLs, missing stores."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from swc_beheer.cli import app

ROOT = Path(__file__).resolve().parents[3]


def invoke(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env=env, catch_exceptions=False)
    return result.exit_code, "".join((result.stdout + result.stderr).split())  # rich wraps; compare unwrapped


def test_misspelt_section_exits_2_naming_the_valid_variable(tmp_path: Path) -> None:
    store = tmp_path / "store.sqlite3"
    env = {"SWC_CATALOG__BASE_URL": "https://catalogus.example.nl", "SWC_STORE__URL": f"sqlite:///{store}"}
    code, text = invoke(env, "sync")
    assert code == 2
    assert "SWC_CATALOG__BASE_URL" in text and "SWC_CATALOGUE__BASE_URL" in text and "Traceback" not in text
    assert not store.exists()


def test_misspelt_section_through_the_console_script(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SWC_")}
    env.update(SWC_CATALOG__BASE_URL="x", SWC_LANGUAGE="en", PYTHONPATH=str(ROOT), COLUMNS="200")
    done = subprocess.run(
        [sys.executable, "-m", "swc_beheer.cli", "sync"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert "did you mean SWC_CATALOGUE__BASE_URL" in " ".join(done.stderr.split())
    assert list(tmp_path.iterdir()) == []  # no data folder, no database


@pytest.mark.parametrize("command", [["sync"], ["run"], ["serve"], ["journey", "refresh"]])
def test_a_missing_remote_url_is_an_error_not_the_sandbox(tmp_path: Path, command: list[str]) -> None:
    store = tmp_path / "data" / "store.sqlite3"
    code, text = invoke({"SWC_STORE__URL": f"sqlite:///{store}", "SWC_LANGUAGE": "en"}, *command)
    assert code == 2, text
    assert "__BASE_URL" in text and "isnotset" in text and "--sandbox" in text
    assert not (tmp_path / "data").exists()


@pytest.mark.parametrize(
    "command",
    [
        ["findings", "list"],
        ["reconcile", "--format", "json"],
        ["journey", "status"],
        ["findings", "accept", "abcdef12", "--reason", "known"],
        ["db", "status"],
    ],
)
def test_read_only_commands_never_create_a_store(tmp_path: Path, command: list[str]) -> None:
    missing = tmp_path / "typo" / "swc.sqlite3"
    code, text = invoke({"SWC_STORE__URL": f"sqlite:///{missing}"}, *command)
    assert code == 2, text
    assert "SWC_STORE__URL" in text and str(missing) in text
    assert not (tmp_path / "typo").exists()


def test_a_database_without_our_tables_is_not_taken_over(tmp_path: Path) -> None:
    import sqlite3

    other = tmp_path / "other.sqlite3"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE notes (text TEXT)")
    code, text = invoke({"SWC_STORE__URL": f"sqlite:///{other}"}, "findings", "list")
    assert code == 2 and "SWC_STORE__URL" in text
    with sqlite3.connect(other) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables == {"notes"}


def test_exit_codes_are_documented_in_the_root_help() -> None:
    result = CliRunner().invoke(app, ["--help"], catch_exceptions=False)
    text = " ".join(result.stdout.split())
    for fragment in ("0 ok", "1 failed, nothing saved", "2 bad settings", "3 partial", "4 busy"):
        assert fragment in text


def test_db_status_of_a_new_store_says_no_full_sync_yet(tmp_path: Path) -> None:
    env = {"SWC_STORE__URL": f"sqlite:///{tmp_path}/new.sqlite3", "SWC_LANGUAGE": "en"}
    assert invoke(env, "db", "upgrade")[0] == 0
    code, text = invoke(env, "db", "status")
    assert code == 0
    assert str(tmp_path / "new.sqlite3") in text
    assert "Nocataloguesynchasfinishedyet" in text and "Nofullsynchascompletedyet" in text
