"""`swc-beheer report findings|usage|users|concepts` through the real CLI, on a small hand-made store.

The numbers are literal: Amsterdam uses two packages of one supplier, Utrecht none; one concept package.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from store import open_store
from swc_beheer.cli import app
from tests.helpers.records import Koppeling, Package, Usage, days_ago, gemeente, supplier, sync_records, user

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    url = f"sqlite:///{tmp_path}/store.sqlite3"
    monkeypatch.setenv("SWC_STORE__URL", url)
    monkeypatch.setenv("SWC_REPORTS__OBJECT_URL", "https://swc.example/{schema}/{id}")
    monkeypatch.chdir(tmp_path)
    store = open_store(url)
    sync_records(
        store,
        [
            gemeente("ams", "Amsterdam", 363),
            gemeente("utr", "Utrecht", 344),
            supplier("acme", "=Acme <b>BV</b>"),
            Package(id="p1", name="Zaaksysteem", supplier_id="acme", registered_by="Leverancier"),
            Package(id="p2", name="Burgerzaken", supplier_id="acme", registered_by="Leverancier"),
            Package(id="p3", name="Zaaksysteem", supplier_id="acme", registered_by="Gemeente", tenant="ams",
                    created=days_ago(40)),
            Usage(id="u1", organisation_id="ams", package_id="p1", status="in productie"),
            Usage(id="u2", organisation_id="ams", package_id="p2", status="gepland"),
            Koppeling(id="k1", name="p1-p2", package_a_id="p1", package_b_id="p2"),
            Koppeling(id="k2", name="p1-extern", package_a_id="p1", external_id="e1"),
            user("c1", "ams", email="jan@ams.nl"),
            user("c2", "utr", email="piet@utr.nl", roles=("Gebruik-beheerder",)),
        ],
    )  # fmt: skip
    store.close()
    return tmp_path


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def _table(doc: dict, key: str) -> list[dict]:  # type: ignore[type-arg]
    return next(t for s in doc["sections"] for t in s["tables"] if t["key"] == key)["rows"]  # type: ignore[no-any-return]


def test_usage_json(env: Path) -> None:
    code, out = invoke("report", "usage", "--format", "json", "--lang", "en")
    assert code == 0, out
    doc = json.loads(out)
    assert doc["summary"]["municipalities_covered"]["value"] == 1  # Amsterdam, not Utrecht
    assert doc["summary"]["usages"]["value"] == 2 and doc["summary"]["packages"]["value"] == 3
    packages = [(r["package"]["text"], r["municipalities"]) for r in _table(doc, "packages")]
    assert packages == [("Burgerzaken", 1), ("Zaaksysteem", 1), ("Zaaksysteem", 0)]
    suppliers = _table(doc, "suppliers")
    assert suppliers[0]["customers"] == 1 and suppliers[0]["packages"] == 3
    assert suppliers[0]["supplier"]["url"] == "https://swc.example/organisatie/acme"
    assert {r["kind"]: r["count"] for r in _table(doc, "koppelingen")} == {"internal": 1, "external": 1}
    without = _table(doc, "without_usage")
    assert "GM0344" in {r["code"] for r in without} and "GM0363" not in {r["code"] for r in without}


def test_users_and_concepts(env: Path) -> None:
    code, out = invoke("report", "users", "--format", "md")
    assert code == 0 and "jan@ams.nl" not in out and "•••@ams.nl" in out  # added by this sync: recent, masked
    assert "User c1" not in out and "gebruiker " in out
    code, out = invoke("report", "users", "--format", "json")
    doc = json.loads(out)
    assert [r["organisation"]["text"] for r in _table(doc, "without_admin")] == ["=Acme <b>BV</b>", "Utrecht"]
    code, out = invoke("report", "concepts", "--format", "json")
    rows = _table(json.loads(out), "concepts")
    assert len(rows) == 1 and rows[0]["duplicate"]["text"] == "Zaaksysteem" and rows[0]["score"] == 100.0
    assert rows[0]["registering_organisation"]["text"] == "Amsterdam"


def test_files_are_written_with_stable_names_and_safe_cells(env: Path) -> None:
    code, out = invoke("report", "usage", "--format", "xlsx", "--out", str(env / "out"))
    assert code == 0, out
    book = load_workbook(env / "out" / "usage.xlsx")
    cells = [c.value for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    assert "'=Acme <b>BV</b>" in cells and all(not str(v).startswith("=") for v in cells if v)
    code, out = invoke("report", "findings", "--format", "html", "--out", str(env / "out"))
    assert code == 0 and (env / "out" / "findings.html").is_file()
    assert list((env / "out" / "archive").glob("usage-*.xlsx"))
    for fmt in ("html", "md"):
        code, out = invoke("report", "usage", "--format", fmt)
        assert code == 0 and "<b>BV</b>" not in out  # catalogue markup stays text
    assert "&lt;b&gt;BV&lt;/b&gt;" in invoke("report", "usage", "--format", "html")[1]


@pytest.mark.parametrize(
    "args",
    [
        ("--format", "xlsx"),
        ("--format", "csv"),
        ("--format", "pdf"),
        ("--lang", "de"),
        ("--as-of", "gisteren"),
    ],
)
def test_bad_options_are_usage_errors(env: Path, args: tuple[str, ...]) -> None:
    code, _ = invoke("report", "usage", *args)
    assert code == 2
