"""The real CLI (CliRunner, catch_exceptions=False): reconcile, findings accept/unaccept/list, reference."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reconcile import fingerprint
from reconcile.register import BUNDLED_DIR, REFERENCE_FILES
from store import open_store
from swc_beheer.cli import app
from tests.helpers.records import days_ago, gemeente, supplier, sync_records

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    url = f"sqlite:///{tmp_path}/store.sqlite3"
    monkeypatch.setenv("SWC_STORE__URL", url)
    monkeypatch.setenv("SWC_RECONCILE__REFERENCE_DIR", str(tmp_path / "reference"))
    monkeypatch.chdir(tmp_path)
    store = open_store(url)
    sync_records(
        store, [supplier("s1", "Acme", status="concept", created=days_ago(30)), gemeente("w", "Weesp", 457)]
    )
    store.close()
    return tmp_path


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), catch_exceptions=False)
    return result.exit_code, " ".join(result.output.split())  # rich wraps long lines


def test_reconcile_json_then_accept_and_list(env: Path) -> None:
    code, out = invoke("reconcile", "--format", "json", "--lang", "en")
    assert code == 0, out
    doc = json.loads(out)
    assert {"supplier_concept", "municipality_merged"} <= {f["rule"] for f in doc["findings"]}
    fp = fingerprint("supplier_concept", "s1")
    code, out = invoke("findings", "accept", fp[:10], "--reason", "known")
    assert code == 0 and "Geaccepteerd" in out  # Dutch by default
    code, out = invoke("findings", "list")
    assert code == 0 and "known" in out
    code, out = invoke("findings", "unaccept", fp)
    assert code == 0 and "Acceptatie ingetrokken" in out


def test_reconcile_writes_files(env: Path) -> None:
    for fmt in ("md", "html", "csv", "xlsx"):
        code, out = invoke("reconcile", "--format", fmt, "--out", str(env / "out"))
        assert code == 0, out
    names = {p.name for p in (env / "out").iterdir()}
    assert {"findings.md", "findings.html", "findings.xlsx", "findings-summary.csv", "archive"} <= names
    code, out = invoke("reconcile", "--format", "xlsx")
    assert code == 2 and "--out" in out


def test_findings_list_shows_messages_in_the_users_language_and_refuses_unknown_rules(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "250")  # rich folds long cells at the runner's 80 columns
    invoke("reconcile", "--format", "json")
    code, out = invoke("findings", "list")
    assert code == 0 and re.search(r"Leverancier Acme wacht al \d+ dagen in status Concept\.", out)
    assert "waarschuwing" in out and "nieuw" in out
    code, out = invoke("findings", "list", "--rule", "no_such_rule")
    assert code == 2 and "no_such_rule" in out and "supplier_concept" in out


def test_unknown_fingerprint_is_a_clean_error(env: Path) -> None:
    code, out = invoke("findings", "accept", "ffffffffff", "--reason", "x")
    assert code == 1


def test_reference_show_and_refresh(env: Path) -> None:
    code, out = invoke("reference", "show", "GM0363")
    assert code == 0 and "Amsterdam" in out and "34366966" in out
    code, out = invoke("reference", "show", "Weesp")
    assert code == 0 and "GM0363 Amsterdam" in out and "2022-03-23" in out
    code, _ = invoke("reference", "show", "GM9999")
    assert code == 1
    src = env / "src"
    src.mkdir()
    for name in REFERENCE_FILES:
        shutil.copyfile(BUNDLED_DIR / name, src / name)
    code, out = invoke("reference", "refresh", "--source-dir", str(src))
    assert code == 0 and "342 actieve gemeenten" in out
    (src / "gemeenten.csv").write_text("nonsense\n", encoding="utf-8")
    code, _ = invoke("reference", "refresh", "--source-dir", str(src))
    assert code == 1
    assert (env / "reference" / "gemeenten.csv").stat().st_size > 1000  # the previous copy stays


def test_findings_list_shows_markup_literally(env: Path) -> None:
    invoke("reconcile", "--format", "json")
    fp = fingerprint("supplier_concept", "s1")
    code, _ = invoke("findings", "accept", fp, "--reason", "[bold red]not markup[/]")
    assert code == 0
    code, out = invoke("findings", "list", "--rule", "supplier_concept")
    assert code == 0 and "[bold" in out and "markup[/]" in out


def test_reference_refresh_from_tooi(env: Path) -> None:
    from tests.helpers.tooi_data import tooi_from_bundled

    source = env / "rwc_gemeenten_compleet_4.json"
    source.write_text(json.dumps(tooi_from_bundled()), encoding="utf-8")
    code, out = invoke("reference", "refresh", "--tooi", str(source))
    assert code == 0 and "342 actieve gemeenten" in out, out
    assert "rwc_gemeenten_compleet" in (env / "reference" / "gemeenten.csv").read_text(encoding="utf-8")
    source.write_text("[]", encoding="utf-8")
    code, out = invoke("reference", "refresh", "--tooi", str(source))
    assert code == 1 and "holds no" in out and "Traceback" not in out
