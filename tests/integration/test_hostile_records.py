"""Each hostile value of issue 10 served over HTTP by the sandbox, through `swc-beheer sync` into SQLite
and PostgreSQL, then `reconcile` in every report format: the run goes on, the bad record is skipped and
reported with its id, the others are stored."""

from __future__ import annotations

import json
import random
import string
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.hostile import run_pipeline
from tests.helpers.sync_checks import tiny_dataset

pytestmark = pytest.mark.integration


def _deep(levels: int) -> Any:
    value: Any = "bodem"
    for _ in range(levels - 1):
        value = [value]
    return value


# (key, value) planted in one organisation; True: the record is skipped, with this text in its reason
HOSTILE: dict[str, tuple[str, Any, str | None]] = {
    "deep_500": ("extra", _deep(500), "nested deeper than 64 levels"),
    "cbs_10e30": ("cbsCode", 10**30, "outside the signed 64-bit range"),
    "huge_number": ("extra", 10**400, "outside the signed 64-bit range"),
    "bad_utf8": ("naam", "Gemeente \udcff\udcfe", "text is not valid Unicode"),
    "lone_surrogate": ("naam", "Gemeente \ud800", "text is not valid Unicode"),
    "long_text": ("naam", "x" * ((1 << 20) + 1), "text longer than 1048576 characters"),
    "name_wrong_type": ("naam", {"nl": "Gemeente"}, "naam: expected text, got dict"),
    "nul_in_name": ("naam", "Gemeente\x00Nul", None),
    "control_in_name": ("naam", "Gemeente\x07Bel\x1b", None),
}


def test_each_hostile_value_is_isolated(store_url: str, tmp_path: Path) -> None:
    dataset = tiny_dataset(seed=10, gemeenten=len(HOSTILE) + 2, usages=10)
    planted: dict[str, str] = {}
    for (name, (key, value, _)), org in zip(HOSTILE.items(), dataset["organisatie"], strict=False):
        org[key] = value
        planted[name] = org["id"]
    good = [o["id"] for o in dataset["organisatie"] if o["id"] not in planted.values()]

    outcome = run_pipeline(dataset, store_url, tmp_path)

    assert outcome.sync_code == 3, outcome.sync_output  # partial: saved, with skipped records
    for name, (_, _, reason) in HOSTILE.items():
        oid = planted[name]
        if reason is None:
            assert oid in outcome.stored and oid not in outcome.skipped, name
        else:
            assert oid not in outcome.stored, name
            assert reason in outcome.skipped[oid], (name, outcome.skipped.get(oid))
    assert set(good) <= set(outcome.stored)
    assert len(outcome.skipped) == sum(1 for _, _, r in HOSTILE.values() if r)
    # NUL is dropped from typed text on both databases; other control characters are kept in the store
    assert outcome.stored[planted["nul_in_name"]]["name"] == "GemeenteNul"
    assert outcome.stored[planted["control_in_name"]]["name"] == "Gemeente\x07Bel\x1b"
    # the raw JSON keeps NUL on SQLite and holds U+FFFD in its place on PostgreSQL (jsonb cannot hold it)
    raw = outcome.stored[planted["nul_in_name"]]["raw"]
    raw = json.loads(raw) if isinstance(raw, str) else raw
    expected = "Gemeente\x00Nul" if store_url.startswith("sqlite") else "Gemeente\ufffdNul"
    assert raw["naam"] == expected
    # the XLSX opens (its XML has no control characters) and the report shows them as control pictures
    with zipfile.ZipFile(outcome.reports["xlsx"]) as book:
        assert book.testzip() is None


def test_no_row_value_in_the_skipped_reasons(store_url: str, tmp_path: Path) -> None:
    dataset = tiny_dataset(seed=11, gemeenten=4, usages=5)
    secret = "geheim-adres@example.org"
    dataset["organisatie"][0]["naam"] = {"adres": secret}
    dataset["organisatie"][1]["e-mailadres"] = secret + "\udcff"
    outcome = run_pipeline(dataset, store_url, tmp_path)
    assert outcome.sync_code == 3
    assert secret not in outcome.sync_output and all(secret not in r for r in outcome.skipped.values())


def test_a_value_the_database_cannot_index_skips_only_its_record(store_url: str, tmp_path: Path) -> None:
    dataset = tiny_dataset(seed=13, gemeenten=4, usages=5)
    rng = random.Random(13)  # incompressible text: PostgreSQL cannot fit it in an index row (~2.7 kB)
    org = dataset["organisatie"][0]
    org["kvkNummer"] = "".join(rng.choice(string.digits) for _ in range(40_000))  # kvk is indexed
    outcome = run_pipeline(dataset, store_url, tmp_path)
    others = {o["id"] for o in dataset["organisatie"][1:]}
    assert others <= set(outcome.stored)
    if store_url.startswith("sqlite"):  # SQLite has no such limit
        assert outcome.sync_code == 0 and org["id"] in outcome.stored
    else:
        assert outcome.sync_code == 3 and org["id"] not in outcome.stored
        assert outcome.skipped[org["id"]].startswith("could not be stored (")


def test_a_stored_record_turned_hostile_keeps_its_last_version(store_url: str, tmp_path: Path) -> None:
    dataset = tiny_dataset(seed=14, gemeenten=4, usages=5)
    org = dataset["organisatie"][0]
    first = run_pipeline(dataset, store_url, tmp_path / "1")
    assert first.sync_code == 0 and first.stored[org["id"]]["name"] == org["naam"]
    good_name = org["naam"]
    org["naam"] = "Gemeente \udcff"  # invalid UTF-8 on the wire now
    second = run_pipeline(dataset, store_url, tmp_path / "2")  # a full run, deletions confirmed
    assert second.sync_code == 3 and "text is not valid Unicode" in second.skipped[org["id"]]
    assert second.stored[org["id"]]["name"] == good_name  # listed but unreadable: kept, not deleted
