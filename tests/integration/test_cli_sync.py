"""`swc-beheer sync` and `swc-beheer run` through Typer's CliRunner: exit codes, output, database state."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from sandbox.catalogue import CatalogueState, create_app
from sandbox.server import serve_in_thread
from store import open_store
from store.catalogue_tables import sync_run
from store.runs import run_lock
from swc_beheer.cli import app
from tests.helpers.sync_checks import PASSWORD, USER, Catalogue, tiny_dataset

pytestmark = pytest.mark.integration


@pytest.fixture
def catalogue() -> Iterator[Catalogue]:
    state = CatalogueState(tiny_dataset(seed=4))
    with serve_in_thread(create_app(state, users={USER: PASSWORD})) as server:
        yield Catalogue(state, server.url)


@pytest.fixture
def env(catalogue: Catalogue, store_url: str) -> dict[str, str]:
    return {
        "SWC_STORE__URL": store_url,
        "SWC_CATALOGUE__BASE_URL": catalogue.url,
        "SWC_CATALOGUE__USER": USER,
        "SWC_CATALOGUE__PASSWORD": PASSWORD,
        "SWC_CATALOGUE__PAGE_SIZE": "20",
    }


def invoke(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_sync_prints_a_summary_and_exits_0(env: dict[str, str]) -> None:
    code, out, err = invoke(env, "sync")
    assert code == 0, out + err
    assert "organisaties" in out and "gebruik" in out and "Geslaagd" in out and "Database:" in out
    code, out, _ = invoke({**env, "SWC_LANGUAGE": "en"}, "sync", "--incremental")
    assert code == 0 and "organisations" in out and "incremental" in out and "Succeeded" in out


def test_sync_json_report(env: dict[str, str], catalogue: Catalogue) -> None:
    code, out, _ = invoke(env, "sync", "--json")
    assert code == 0
    report = json.loads(out)
    assert report["status"] == "success" and report["exit_code"] == 0 and report["mode"] == "full"
    assert report["stats"]["usage"]["new"] == len(catalogue.state.ids("gebruik"))
    with open_store(env["SWC_STORE__URL"]).sessions() as session:
        runs = session.execute(sa.select(sync_run.c.source, sync_run.c.status).order_by(sync_run.c.id)).all()
        assert [tuple(r) for r in runs] == [("catalogue", "success"), ("accounts", "success")]
    assert report["accounts"]["status"] == "success" and report["accounts"]["listed"] > 0


def test_held_deletions_exit_3_until_confirmed(env: dict[str, str], catalogue: Catalogue) -> None:
    assert invoke(env, "sync")[0] == 0
    for oid in catalogue.state.ids("gebruik")[:30]:
        catalogue.state.delete("gebruik", oid)
    code, out, _ = invoke(env, "sync")
    assert code == 3 and "--confirm-deletions" in out
    code, out, _ = invoke(env, "sync", "--json", "--confirm-deletions")
    assert code == 0 and json.loads(out)["stats"]["usage"]["deleted"] == 30


def test_bad_credentials_exit_1_without_traceback(env: dict[str, str]) -> None:
    code, out, err = invoke({**env, "SWC_CATALOGUE__PASSWORD": "not-the-password"}, "sync")
    assert code == 1
    assert "401" in out and "SWC_CATALOGUE__PASSWORD" in out and "not-the-password" not in out + err
    assert "Traceback" not in out + err
    text = " ".join(out.split())  # rich wraps long lines
    assert "catalogus: inloggen mislukt (401)" in text and "app-wachtwoord" in text  # Dutch by default
    code, out, _ = invoke({**env, "SWC_CATALOGUE__PASSWORD": "x", "SWC_LANGUAGE": "en"}, "sync", "--json")
    report = json.loads(out)
    assert code == 1 and report["error_key"] == "error.http.401" and report["error_params"]["status"] == 401


def test_a_second_sync_while_one_runs_exits_4(env: dict[str, str]) -> None:
    store = open_store(env["SWC_STORE__URL"])
    with run_lock(store, "catalogue"):
        code, out, err = invoke(env, "sync")
    store.close()
    assert code == 4 and "Traceback" not in out + err
    assert "Fout: Er loopt al een catalogussynchronisatie" in " ".join(err.split())
    store = open_store(env["SWC_STORE__URL"])
    with run_lock(store, "catalogue"):
        code, _, err = invoke({**env, "SWC_LANGUAGE": "en"}, "sync")
    store.close()
    assert code == 4 and "Error: Another catalogue sync is running" in " ".join(err.split())


def test_sync_help_documents_the_exit_codes() -> None:
    result = CliRunner().invoke(app, ["sync", "--help"], catch_exceptions=False)
    assert result.exit_code == 0
    for option in ("--full", "--incremental", "--confirm-deletions", "--json", "--sandbox"):
        assert option in result.stdout


@pytest.mark.slow
def test_run_sandbox_syncs_the_embedded_catalogue(tmp_path: object) -> None:
    """The README's main job: catalogue sync, journey refresh and reconciliation, reports, database path."""
    env = {"SWC_STORE__URL": f"sqlite:///{tmp_path}/demo.sqlite3"}
    code, out, err = invoke(env, "run", "--sandbox")
    assert code == 0, out + err
    flat = out.replace("\n", "")
    assert f"{tmp_path}/demo.sqlite3" in flat
    board = Path(f"{tmp_path}/reports/journey-board.html")
    assert board.is_file() and "1.1" in board.read_text(encoding="utf-8")
    assert (Path(f"{tmp_path}/reports") / "findings.html").is_file()
    store = open_store(env["SWC_STORE__URL"])
    try:
        with store.sessions() as session:
            runs = session.execute(
                sa.select(sync_run.c.source, sync_run.c.status).order_by(sync_run.c.id)
            ).all()
            assert [tuple(r) for r in runs] == [("catalogue", "success"), ("accounts", "success")]  # as admin
            organisations = session.execute(
                sa.text("SELECT count(*) FROM catalogue_organisation")
            ).scalar_one()
            issues = session.execute(sa.text("SELECT count(*) FROM journey_issue")).scalar_one()
            steps = session.execute(sa.text("SELECT count(*) FROM journey_step")).scalar_one()
            findings = session.execute(sa.text("SELECT count(*) FROM finding")).scalar_one()
    finally:
        store.close()
    assert organisations > 340 and issues == 9 and steps == 9 and findings > 0


def test_db_status_shows_the_last_sync(env: dict[str, str]) -> None:
    assert invoke(env, "sync")[0] == 0
    code, out, _ = invoke({**env, "SWC_LANGUAGE": "en"}, "db", "status")
    text = " ".join(out.split())
    assert code == 0 and "Last catalogue sync: run 1 (full), Succeeded" in text
    assert "A full sync has completed" in text
