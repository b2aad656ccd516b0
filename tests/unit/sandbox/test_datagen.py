"""The data generator: determinism, exact ground truth, natural-data invariants, the data file format."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from sandbox.datagen import RULES, Dataset, SandboxDataError, generate
from sandbox.datagen_base import ADMIN_ROLE
from tests.unit.sandbox.reference_rules import compute

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


@pytest.fixture(scope="module")
def tiny() -> Dataset:
    return generate(size="tiny")


@pytest.fixture(scope="module")
def full() -> Dataset:
    return generate()


def test_same_arguments_give_identical_bytes(tiny: Dataset) -> None:
    assert generate(size="tiny").to_json() == tiny.to_json()
    assert generate(size="tiny", seed=7).to_json() != tiny.to_json()


@pytest.mark.parametrize("which", ["tiny", "full"])
def test_ground_truth_is_exactly_what_the_data_shows(which: str, request: pytest.FixtureRequest) -> None:
    dataset: Dataset = request.getfixturevalue(which)
    truth = {(entry["rule"], entry["subject"]) for entry in dataset.ground_truth}
    assert len(truth) == len(dataset.ground_truth)  # no duplicate entries
    assert compute(dataset) == truth


def test_every_rule_is_planted(tiny: Dataset, full: Dataset) -> None:
    for dataset in (tiny, full):
        assert set(RULES) == {entry["rule"] for entry in dataset.ground_truth}


def test_ground_truth_is_well_formed(full: Dataset) -> None:
    all_ids = {o["id"] for items in full.objects.values() for o in items}
    for entry in full.ground_truth:
        assert set(entry) == {"rule", "subject", "ids", "detail"}
        assert all(UUID.match(i) for i in entry["ids"]) and isinstance(entry["detail"], dict)
        rule, subject = entry["rule"], entry["subject"]
        if rule == "municipality_missing":
            assert re.fullmatch(r"GM\d{4}", subject) and entry["ids"] == []
        elif rule == "duplicate_organisation":
            a, b = subject.split("|")
            assert a < b and entry["ids"] == [a, b] and {a, b} <= all_ids
        elif rule == "cooperation_member_inactive":
            coop, member = subject.split(":")
            assert entry["ids"] == [coop, member] and coop in all_ids
        elif rule == "dangling_reference":
            entity, uuid, field = subject.split(":")
            assert entity in ("gebruik", "koppeling") and uuid in all_ids and entry["ids"][1] not in all_ids
            assert field in ("module", "afnemer", "moduleA", "moduleB")
        elif rule == "duplicate_email":
            assert subject == subject.lower() and "@" in subject and len(entry["ids"]) == 2
        else:
            assert UUID.match(subject) and subject in all_ids
    merged = [e for e in full.ground_truth if e["rule"] == "municipality_merged"]
    weesp = next(e for e in merged if e["detail"]["code"] == "GM0457")
    assert weesp["detail"]["successors"] == ["GM0363"] and weesp["detail"]["date"] == "2022-03-24"
    ages = [
        e["detail"]["age_days_at_generation"] for e in full.ground_truth if e["rule"] == "supplier_concept"
    ]
    assert min(ages) < 14 < max(ages)
    concept = [e for e in full.ground_truth if e["rule"] == "concept_package"]
    assert any("likely_duplicate_of" in e["detail"] for e in concept)


def test_scale_one_resembles_the_catalogue(full: Dataset) -> None:
    counts = full.counts()
    assert 3500 <= counts["contactpersoon"] <= 4500 and 4500 <= counts["module"] <= 5500
    assert 36000 <= counts["gebruik"] <= 44000 and 3000 <= counts["koppeling"] <= 4000
    kinds = Counter(
        o["type"] if isinstance(o["type"], str) else o["type"][0] for o in full.objects["organisatie"]
    )
    assert (
        540 <= kinds["Leverancier"] <= 680 and 36 <= kinds["Samenwerking"] <= 60 and kinds["Community"] >= 3
    )
    gemeenten = [o for o in full.objects["organisatie"] if "Gemeente" in (o["type"], *o["type"])]
    coded = {o["cbsCode"] for o in gemeenten if "cbsCode" in o}
    assert len(coded) == 342 - 3 + 6  # active minus missing, plus the planted merged ones


def _natural(dataset: Dataset) -> tuple[set[str], set[str]]:
    planted = {i for entry in dataset.ground_truth for i in entry["ids"]}
    quirky = {q["id"] for q in dataset.quirks}
    return planted, quirky


def test_natural_invariants(full: Dataset) -> None:
    planted, _ = _natural(full)
    orgs = {o["id"]: o for o in full.objects["organisatie"]}
    contacts = full.objects["contactpersoon"]
    # membership lists are mutually consistent
    for org in orgs.values():
        members = org.get("deelnemers", [])
        members = json.loads(members) if isinstance(members, str) else members
        for member in members:
            if member in orgs:
                assert org["id"] in orgs[member].get("deelnames", [])
        for coop in org.get("deelnames", []):
            assert org["id"] in orgs[coop]["deelnemers"]
    # inverse contact lists match contact.organisatie
    for contact in contacts:
        org = orgs.get(contact.get("organisatie") or "")
        if org is not None:
            listed = org["contactpersonen"]
            assert contact["id"] in (json.loads(listed) if isinstance(listed, str) else listed)
    # natural organisations are active and have an admin; natural contacts have valid unique e-mail
    for oid, org in orgs.items():
        if oid not in planted:
            assert str(org["status"]).casefold() == "actief"
    admins = {c.get("organisatie") for c in contacts if ADMIN_ROLE in c["rollen"]}
    assert all(oid in admins for oid in orgs if oid not in planted)
    kvks = Counter(o["kvkNummer"] for o in orgs.values() if o.get("kvkNummer"))
    assert all(re.fullmatch(r"\d{8}", k) for k in kvks)
    # modules of suppliers are registered by the supplier, relations resolve
    modules = {m["id"]: m for m in full.objects["module"]}
    for module in modules.values():
        if module["id"] not in planted:
            assert module["geregistreerdDoor"] == "Leverancier" and module["aanbieder"] in orgs
    for usage in full.objects["gebruik"]:
        if usage["id"] not in planted:
            assert usage["afnemer"] in orgs and usage["module"] in modules


def test_quirks_are_natural_and_documented(full: Dataset) -> None:
    planted, quirky = _natural(full)
    assert quirky and not quirky & planted
    assert {q["kind"] for q in full.quirks} == {"type_list", "status_lowercase", "relation_json_string"}


def test_save_and_load_round_trip(tiny: Dataset, tmp_path: Path) -> None:
    path = tmp_path / "data.json"
    tiny.save(path)
    assert path.read_text(encoding="utf-8") == tiny.to_json()
    loaded = Dataset.load(path)
    assert loaded.objects == json.loads(tiny.to_json())["objects"]
    assert loaded.ground_truth == tiny.ground_truth and loaded.meta["size"] == "tiny"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('{"format": "swc-sandbox/1",\n "objects": {]}', "data.json:2:"),
        ('{"format": "other", "objects": {}}', "format"),
        ('{"format": "swc-sandbox/1", "objects": {"onbekend": []}}', "unknown schema 'onbekend'"),
        ('{"format": "swc-sandbox/1", "objects": {"module": [{"naam": "x"}]}}', "objects.module[0]"),
        ("[]", "top level"),
    ],
)
def test_bad_data_files_name_the_problem(tmp_path: Path, text: str, fragment: str) -> None:
    path = tmp_path / "data.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SandboxDataError, match=re.escape(fragment)):
        Dataset.load(path)


def test_missing_file_is_a_data_error(tmp_path: Path) -> None:
    with pytest.raises(SandboxDataError, match="cannot read"):
        Dataset.load(tmp_path / "nope.json")


def test_hand_written_minimal_file_is_accepted() -> None:
    data: dict[str, Any] = {
        "format": "swc-sandbox/1",
        "objects": {"organisatie": [{"id": "4bfb4c05-0c9d-4138-b0d2-90a09374caf4", "naam": "Groningen"}]},
    }
    assert Dataset.from_json(json.dumps(data)).counts() == {"organisatie": 1}
