"""The sandbox is announced on every output unless asked for; `run` never exits 1 once it saved."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from store import open_store
from swc_beheer.cli import app

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def invoke(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, " ".join(result.stderr.split())


def test_sandbox_from_settings_is_announced_on_stderr_and_in_json(tmp_path: Path) -> None:
    env = {"SWC_STORE__URL": f"sqlite:///{tmp_path}/s.sqlite3", "SWC_CATALOGUE__BASE_URL": "sandbox"}
    code, out, err = invoke(env, "sync", "--json")
    assert code == 0, err
    assert json.loads(out)["sandbox"] is True
    assert "SANDBOX" in err and "SWC_CATALOGUE__BASE_URL=sandbox" in err
    code, out, err = invoke({"SWC_STORE__URL": env["SWC_STORE__URL"]}, "sync", "--json", "--sandbox")
    assert code == 0 and json.loads(out)["sandbox"] is True and "SANDBOX" not in err  # asked for: no notice


def test_run_that_saved_its_sync_and_findings_exits_3_when_a_report_cannot_be_written(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    env = {"SWC_STORE__URL": f"sqlite:///{tmp_path}/run.sqlite3", "SWC_LANGUAGE": "en"}
    code, out, err = invoke(env, "run", "--sandbox", "--reports", str(blocker / "reports"))
    assert code == 3, out + err
    assert "Reports not written" in " ".join(out.split()) and "SANDBOX" not in err
    store = open_store(env["SWC_STORE__URL"])
    try:
        with store.engine.connect() as conn:
            statuses = (
                conn.exec_driver_sql("SELECT status FROM sync_run WHERE source = 'catalogue'").scalars().all()
            )
            findings = conn.exec_driver_sql("SELECT count(*) FROM finding").scalar_one()
    finally:
        store.close()
    assert statuses == ["success"] and findings > 0


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_journey_refresh_against_the_github_sandbox_says_so(tmp_path: Path, lang: str) -> None:
    env = {
        "SWC_STORE__URL": f"sqlite:///{tmp_path}/j.sqlite3",
        "SWC_GITHUB__BASE_URL": "sandbox",
        "SWC_LANGUAGE": lang,
    }
    code, _, err = invoke(env, "journey", "refresh")
    assert code == 0, err
    assert "SANDBOX" in err and "SWC_GITHUB__BASE_URL=sandbox" in err and "GitHub" in err
