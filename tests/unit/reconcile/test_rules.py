"""Each rule on hand-made records: it finds the planted problem, with the agreed rule id and subject."""

from __future__ import annotations

from typing import Any

import pytest

from reconcile.engine import check_rules, enabled_rules
from reconcile.model import Finding, Snapshot, fingerprint
from reconcile.rules import RULES
from tests.helpers.records import (
    Koppeling,
    Package,
    Usage,
    coop,
    days_ago,
    gemeente,
    supplier,
    user,
)

GEM = "4bfb4c05-0c9d-4138-b0d2-90a09374caf4"


def run(
    make_ctx: Any,
    records: list[Any],
    rules: list[str],
    deleted: dict[str, set[str]] | None = None,
    **settings: Any,
) -> list[Finding]:
    snap = Snapshot.of(records, deleted)
    return check_rules(snap, make_ctx(snap, **settings), rules)


def subjects(findings: list[Finding]) -> set[str]:
    return {f.subject for f in findings}


def test_every_rule_has_a_known_step() -> None:
    assert {r.step for r in RULES.values()} <= {
        "1.1",
        "1.2",
        "1.3",
        "1.4",
        "1.5",
        "2.1",
        "3.1",
        "3.3",
        "integrity",
    }


def test_fingerprint_is_stable_sha1_of_rule_and_subject(make_ctx: Any) -> None:
    found = run(
        make_ctx, [supplier("s1", "Acme", status="concept", created=days_ago(3))], ["supplier_concept"]
    )
    assert found[0].fingerprint == fingerprint("supplier_concept", "s1") and len(found[0].fingerprint) == 40


def test_supplier_concept_warns_after_threshold(make_ctx: Any) -> None:
    records = [
        supplier("old", "Old BV", status="concept", created=days_ago(30)),
        supplier("young", "Young BV", status="concept", created=days_ago(2)),
        supplier("ok", "Ok BV", status="actief", created=days_ago(300)),
    ]
    found = {
        f.subject: f for f in run(make_ctx, records, ["supplier_concept"], concept_supplier_warn_days=14)
    }
    assert set(found) == {"old", "young"}
    assert (found["old"].severity, found["old"].params["days"]) == ("warning", 30)
    assert found["young"].severity == "info"
    assert found["old"].evidence[0].url == "https://swc.example/api/objects/voorzieningen/organisatie/old"


def test_municipality_missing_includes_caribbean(make_ctx: Any, register: Any) -> None:
    records = [gemeente("a", "Amsterdam", 363), gemeente("b", "Openbaar Lichaam Bonaire")]
    found = subjects(run(make_ctx, records, ["municipality_missing"]))
    assert "GM0363" not in found and "col01" not in found
    assert {"GM0518", "col02", "col03"} <= found
    assert "GM0457" not in found  # Weesp ended


def test_cooperation_members(make_ctx: Any) -> None:
    records = [
        coop("c1", "Samen", ("live", "gone", "off", "weesp", "merged")),
        coop("c2", "Leeg", ()),
        gemeente("live", "Amsterdam", 363),
        gemeente("off", "Utrecht", 344, status="deactief"),
        gemeente("weesp", "Weesp", 457),
        gemeente("merged", "Haarlem", 392, status="samengevoegd"),
    ]
    found = run(
        make_ctx,
        records,
        ["cooperation_member_inactive", "cooperation_without_members"],
        {"organisation": {"gone"}},
    )
    by_rule = {(f.rule, f.subject): f.params.get("reason") for f in found}
    assert by_rule == {
        ("cooperation_member_inactive", "c1:gone"): "deleted",
        ("cooperation_member_inactive", "c1:off"): "deactivated",
        ("cooperation_member_inactive", "c1:weesp"): "merged",
        ("cooperation_member_inactive", "c1:merged"): "merged",
        ("cooperation_without_members", "c2"): None,
    }


def test_municipality_merged_with_merge_plan(make_ctx: Any) -> None:
    records = [
        gemeente("weesp", "Weesp", 457),
        gemeente("ams", "Amsterdam", 363),
        gemeente("haaren", "Haaren", 788),
        coop("c1", "Samen", ("weesp", "ams")),
        user("u1", "weesp"),
        user("u2", "weesp"),
        Package(id="p1", name="Zaaksysteem"),
        Usage(id="g1", organisation_id="weesp", package_id="p1", koppelingen=("k1",)),
        Usage(id="g2", organisation_id="weesp", package_id="p1"),
        Koppeling(id="k1", package_a_id="p1"),
    ]
    found = {f.subject: f for f in run(make_ctx, records, ["municipality_merged"])}
    assert set(found) == {"weesp", "haaren"}
    weesp = found["weesp"].params
    assert (weesp["code"], weesp["date"], weesp["verdict"]) == ("GM0457", "2022-03-24", "merged")
    assert weesp["successors"] == [{"code": "GM0363", "name": "Amsterdam", "organisations": ["ams"]}]
    assert weesp["moves"] == {"usages": 2, "koppelingen": 1, "users": 2, "memberships": 1}
    assert weesp["successor_missing"] == []
    haaren = found["haaren"].params
    assert haaren["verdict"] == "split" and haaren["successor_missing"] == [
        "GM0757",
        "GM0824",
        "GM0855",
        "GM0865",
    ]
    assert found["weesp"].step == "2.1" and found["weesp"].severity == "error"


def test_merged_but_already_deactivated_is_quiet(make_ctx: Any) -> None:
    records = [gemeente("weesp", "Weesp", 457, status="samengevoegd")]
    assert run(make_ctx, records, ["municipality_merged"]) == []


def test_duplicate_organisations(make_ctx: Any) -> None:
    records = [
        supplier("s1", "Centric BV", kvk="12345678"),
        supplier("s2", "Totally Different", kvk="12345678"),
        supplier("s3", "PinkRoccade Local Government"),
        supplier("s4", "Pinkroccade Local Governmnet"),
        gemeente("g1", "Amsterdam", 363),
        gemeente("g2", "Gemeente Amsterdam", 363),
        gemeente("b1", "Bergen (NH)", 373),
        gemeente("b2", "Bergen (L)", 893),
    ]
    found = {f.subject: f.params for f in run(make_ctx, records, ["duplicate_organisation"])}
    assert set(found) == {"s1|s2", "s3|s4", "g1|g2"}
    assert found["s1|s2"]["kvk"] == "12345678"
    assert found["g1|g2"]["cbs_code"] == 363
    assert found["s3|s4"]["score"] >= 92


def test_organisations_without_users_or_admin(make_ctx: Any) -> None:
    records = [
        supplier("none", "Zonder"),
        supplier("noadmin", "Geen beheerder"),
        supplier("fine", "Prima"),
        supplier("gone", "Weg", status="deactief"),
        user("u1", "noadmin", roles=("Aanbod-beheerder",)),
        user("u2", "fine", roles=("Aanbod-beheerder", "Organisatie-beheerder")),
    ]
    found = {
        (f.rule, f.subject)
        for f in run(make_ctx, records, ["organisation_without_users", "organisation_without_admin"])
    }
    assert found == {("organisation_without_users", "none"), ("organisation_without_admin", "noadmin")}


def test_concept_packages_with_likely_duplicates(make_ctx: Any) -> None:
    records = [
        gemeente(GEM, "Amsterdam", 363),
        supplier("s", "Acme"),
        Package(
            id="p1", name="Zaaksysteem Pro", supplier_id="s", registered_by="Gemeente", created=days_ago(40)
        ),
        Package(id="p2", name="ZaakSysteem-Pro", supplier_id="s", registered_by="Leverancier"),
        Package(id="p3", name="Iets", supplier_id="s", registered_by=GEM.upper(), created=days_ago(1)),
        Package(id="p4", name="Ander", supplier_id="s", registered_by="Leverancier"),
    ]
    found = {f.subject: f for f in run(make_ctx, records, ["concept_package"])}
    assert set(found) == {"p1", "p3"}
    assert found["p1"].severity == "warning" and found["p1"].params["duplicates"] == 1
    assert [e.id for e in found["p1"].evidence][:2] == ["p1", "p2"]
    assert found["p3"].severity == "info"


def test_users(make_ctx: Any) -> None:
    records = [
        supplier("s", "Acme"),
        user("lonely", None),
        user("orphan", "deleted-org"),
        user("ghost", "never-existed"),
        user("d1", "s", email="Jan@Example.nl"),
        user("d2", "s", email="jan@example.nl "),
        user("bad", "s", email="jan(at)example.nl"),
        user("bad2", "s", email="jan@@example.nl"),
        user("empty", "s", email=""),
    ]
    rules = ["user_without_organisation", "user_of_deleted_organisation", "duplicate_email", "invalid_email"]
    found = {(f.rule, f.subject) for f in run(make_ctx, records, rules, {"organisation": {"deleted-org"}})}
    assert found == {
        ("user_without_organisation", "lonely"),
        ("user_of_deleted_organisation", "orphan"),
        ("user_of_deleted_organisation", "ghost"),
        ("duplicate_email", "jan@example.nl"),
        ("invalid_email", "bad"),
        ("invalid_email", "bad2"),
    }


@pytest.mark.parametrize("email", ["a@b.nl", "jan.de.vries@gemeente-x.nl", "x+y@sub.domain.org"])
def test_valid_emails_pass(make_ctx: Any, email: str) -> None:
    assert run(make_ctx, [supplier("s", "A"), user("u", "s", email=email)], ["invalid_email"]) == []


def test_dangling_references(make_ctx: Any) -> None:
    records = [
        gemeente("g", "Amsterdam", 363),
        Package(id="p", name="P"),
        Usage(id="u1", organisation_id="g", package_id="p"),
        Usage(id="u2", organisation_id="gone-org", package_id="gone-pkg"),
        Koppeling(id="k1", package_a_id="p", package_b_id="missing-pkg"),
    ]
    found = {
        f.subject: f.params["state"]
        for f in run(make_ctx, records, ["dangling_reference"], {"package": {"gone-pkg"}})
    }
    assert found == {
        "gebruik:u2:afnemer": "missing",
        "gebruik:u2:module": "deleted",
        "koppeling:k1:moduleB": "missing",
    }


def test_evidence_is_capped(make_ctx: Any) -> None:
    records = [supplier("s", "A"), *(user(f"u{i}", "s", roles=()) for i in range(30))]
    (found,) = run(make_ctx, records, ["organisation_without_admin"], evidence_cap=5)
    assert len(found.evidence) == 5 and found.evidence_total == 31


def test_disabled_rules_and_unknown_names() -> None:
    from config.errors import SwcError
    from config.settings import ReconcileSettings

    assert "invalid_email" not in enabled_rules(ReconcileSettings(disabled_rules=["invalid_email"]))
    with pytest.raises(SwcError, match="no_such_rule"):
        enabled_rules(ReconcileSettings(disabled_rules=["no_such_rule"]))


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("Gemibeukzorg Groep", "Gemibekuzorg Groep", True),  # one swap
        ("Lindevorm B.V.", "Lindeevorm B.V.", True),  # one doubled letter
        ("Lindeevorm Nederland", "Lindegemivorm Nederland", False),  # three letters apart, score 87
        ("Gemeente Utrecht", "Utrecht", True),
    ],
)
def test_near_identical_names(make_ctx: Any, a: str, b: str, same: bool) -> None:
    found = run(make_ctx, [supplier("x", a), supplier("y", b)], ["duplicate_organisation"])
    assert bool(found) is same
