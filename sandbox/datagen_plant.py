"""Planted problems for the sandbox data generator; each one writes exactly one ground-truth entry.

Planted objects are built so that they show only their own problem: planted organisations get users
with an Organisatie-beheerder, planted contacts never carry the admin role, and natural organisations
picked for a role are marked so no second plant or quirk lands on them.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sandbox.datagen_base import END, MERGED_CODES, REF_NOW, bare_name, iso_stamp, slugify
from sandbox.datagen_build import Generator

__all__ = ["plant_before_contacts", "plant_after_contacts", "plant_final"]


def _typo(rng: Any, word: str) -> str:
    """A one-letter slip inside ``word`` (swap, drop or double), never at the first letter."""
    if len(word) < 5:
        return word + word[-1]
    i = rng.randint(1, len(word) - 3)
    kind = rng.choice(("swap", "drop", "double"))
    if kind == "swap" and word[i] != word[i + 1]:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    return word[:i] + word[i] + word[i:]


def _merged(g: Generator) -> list[dict[str, Any]]:

    merged = []
    for code in MERGED_CODES:
        row = g.ended[code]
        g.gate.force(row["naam_voorkeur"])
        org = g.org(
            row["naam_voorkeur"],
            "Gemeente",
            website=f"https://www.{slugify(row['naam_voorkeur'])}.nl",
            cbsCode=int(row["gemeentecode"]),
            kvkNummer=row["kvk"],
            beschrijvingKort=f"Gemeente {row['naam_voorkeur']} ({row['provincie']})",
        )
        g.kvks.add(row["kvk"])
        g.special.add(org["id"])
        g.staff(org, g.rng.randint(2, 4))
        ended = datetime.strptime(row["einddatum"], "%Y-%m-%d") + timedelta(days=1)
        g.truth_entry(
            "municipality_merged",
            org["id"],
            [org["id"]],
            code=code,
            name=row["naam_voorkeur"],
            successors=row["opvolger_codes"].split(";"),
            date=ended.strftime("%Y-%m-%d"),
            kind=row["opgeheven_via"],
        )
        merged.append(org)
    return merged


def _concept_suppliers(g: Generator) -> None:
    for i in range(15):
        days = g.rng.randint(1, 12) if i % 3 == 0 else g.rng.randint(20, 300)
        created = REF_NOW - timedelta(days=days, seconds=g.rng.randint(0, 86_000))
        updated = min(created + timedelta(hours=g.rng.randint(0, 30)), END)
        org = g.supplier(g.brand(), status="Concept", created=(created, max(created, updated)))
        g.special.add(org["id"])
        g.staff(org, g.rng.randint(1, 2))
        g.truth_entry(
            "supplier_concept",
            org["id"],
            [org["id"]],
            created=iso_stamp(created),
            age_days_at_generation=(REF_NOW - created).days,
        )


def _cooperations(g: Generator, merged: list[dict[str, Any]]) -> None:
    pool = [o for o in g.gemeenten if "cbsCode" in o]
    for _ in range(3):
        coop = g.coop(members=[])
        g.special.add(coop["id"])
        g.staff(coop, g.rng.randint(1, 2))
        g.truth_entry("cooperation_without_members", coop["id"], [coop["id"]])
    deactief = []
    for _ in range(2):
        sub = g.coop(members=g.rng.sample(pool, 3), status="Deactief")
        g.special.add(sub["id"])
        g.staff(sub, 1)
        deactief.append(sub)
    inactive: list[tuple[dict[str, Any] | None, str]] = [
        (merged[0], "merged"),
        (None, "deleted"),
        (None, "deleted"),
        (deactief[0], "deactief"),
        (deactief[1], "deactief"),
    ]
    for member, reason in inactive:
        coop = g.coop(members=g.rng.sample(pool, g.rng.randint(2, 4)))
        g.special.add(coop["id"])
        g.staff(coop, g.rng.randint(1, 2))
        member_id = member["id"] if member else g.uid()
        coop["deelnemers"].insert(g.rng.randint(0, len(coop["deelnemers"])), member_id)
        if member:
            member.setdefault("deelnames", []).append(coop["id"])
        g.truth_entry(
            "cooperation_member_inactive", f"{coop['id']}:{member_id}", [coop["id"], member_id], reason=reason
        )


def _duplicates(g: Generator) -> None:
    gemeenten = [o for o in g.gemeenten if "cbsCode" in o]
    for reason in ("kvk", "kvk", "cbsCode", "cbsCode", "name", "name", "typo", "typo"):
        if reason in ("kvk", "typo"):
            twin = g.pick(g.suppliers, 1)[0]
            brand, legal = twin["naam"].split(" ", 1)[0], twin["naam"].partition(" ")[2]
            if reason == "kvk":
                dup = g.supplier(g.brand(), kvk=twin["kvkNummer"])
            else:
                typo = _typo(g.rng, brand)
                g.gate.force(typo)
                dup = g.supplier(typo, legal=legal)
        else:
            twin = g.pick(gemeenten, 1)[0]
            bare = bare_name(twin["naam"])
            if reason == "cbsCode":
                dup = g.org(twin["naam"], "Gemeente", website=twin["website"], cbsCode=twin["cbsCode"])
            else:
                dup = g.org(
                    bare if twin["naam"].startswith("Gemeente ") else f"Gemeente {bare}",
                    "Gemeente",
                    website=twin["website"],
                )
        g.special.add(dup["id"])
        g.staff(dup, g.rng.randint(1, 2))
        pair = sorted((twin["id"], dup["id"]))
        g.truth_entry(
            "duplicate_organisation", "|".join(pair), pair, reason=reason, names=[twin["naam"], dup["naam"]]
        )


def plant_before_contacts(g: Generator) -> tuple[set[str], set[str]]:
    """Planted organisations; returns the natural org ids to leave without users / without an admin."""
    merged = _merged(g)
    g.merged = merged
    _concept_suppliers(g)
    _cooperations(g, merged)
    _duplicates(g)
    gemeenten = [o for o in g.gemeenten if "cbsCode" in o]
    for org in [*g.pick(g.suppliers, 3), *g.pick(gemeenten, 2), *g.pick(g.communities, 1)]:
        g.no_users.add(org["id"])
        g.truth_entry("organisation_without_users", org["id"], [org["id"]], type=org["type"])
    for org in [*g.pick(g.suppliers, 3), *g.pick(gemeenten, 2), *g.pick(g.coops, 1)]:
        g.no_admin.add(org["id"])
        g.truth_entry("organisation_without_admin", org["id"], [org["id"]], type=org["type"])
    return g.no_users, g.no_admin


def _host_orgs(g: Generator) -> list[dict[str, Any]]:
    return [o for o in [*g.gemeenten, *g.suppliers] if o["id"] not in g.no_users and g.org_contacts[o["id"]]]


def plant_after_contacts(g: Generator) -> None:
    """Planted contacts: without organisation, of a deleted organisation, duplicate and invalid e-mail."""
    for i in range(4):
        contact = g.contact(None, ["Gebruik-beheerder"], with_org_key=i % 2 == 0)
        g.truth_entry("user_without_organisation", contact["id"], [contact["id"]])
    deleted = [g.uid(), g.uid()]
    for i in range(4):
        contact = g.contact(None, ["Aanbod-beheerder"], org_id=deleted[i % 2])
        g.truth_entry(
            "user_of_deleted_organisation", contact["id"], [contact["id"]], organisation=deleted[i % 2]
        )
    hosts = _host_orgs(g)
    naturals = [c for o in hosts for c in g.org_contacts[o["id"]]]
    for _ in range(4):
        original = g.rng.choice(naturals)
        local, _, domain = original["e-mailadres"].partition("@")
        shouted = local[:1].upper() + local[1:] + "@" + domain.capitalize()
        copy = g.contact(g.rng.choice(hosts), ["Gebruik-beheerder"], email=shouted)
        ids = sorted((original["id"], copy["id"]))
        g.truth_entry("duplicate_email", original["e-mailadres"].lower(), ids)
    for pattern in ("{l}.{d}", "{f} {l}@{d}", "{l}@@{d}", "@{d}", "{l}@"):
        host = g.rng.choice(hosts)
        first, _, last = g.person()
        domain = host["e-mailadres"].split("@", 1)[1]
        address = pattern.format(l=f"{slugify(first)}.{slugify(last)}", f=first, d=domain)
        contact = g.contact(host, ["Gebruik-beheerder"], email=address)
        g.truth_entry("invalid_email", contact["id"], [contact["id"]], email=address)


def _concept_packages(g: Generator) -> None:
    hosts = [o for o in g.gemeenten if o["id"] not in g.no_users and g.org_contacts[o["id"]]]
    supplier_ids = {s["id"] for s in g.suppliers}
    offered = [
        m for m in g.modules if m.get("aanbieder") in supplier_ids and m["geregistreerdDoor"] == "Leverancier"
    ]
    by_id = {o["id"]: o for o in g.orgs}
    total = 12 if g.size == "tiny" else 30
    for i in range(total):
        gemeente = g.rng.choice(hosts)
        detail: dict[str, Any] = {"registered_by_organisation": gemeente["id"]}
        supplier: dict[str, Any] | None
        if i % 3 == 0:
            original = g.rng.choice(offered)
            words = original["naam"].split(" ")
            variant = g.rng.choice(("typo", "lower", "concat"))
            if variant == "typo":
                naam = " ".join([_typo(g.rng, words[0]), *words[1:]])
            elif variant == "lower":
                naam = original["naam"].lower()
            else:
                naam = "".join(words)
            supplier = by_id[original["aanbieder"]]
            detail["likely_duplicate_of"] = original["id"]
        else:
            domain = g.rng.choice(
                (
                    "Parkeervergunning",
                    "Hondenbelasting",
                    "Marktplaatsen",
                    "Evenementen",
                    "Sportaccommodaties",
                    "Bibliotheekkoppeling",
                    "Raadsvragen",
                    "Kermis",
                )
            )
            naam = f"{domain}-applicatie {bare_name(gemeente['naam'])}"
            supplier = g.rng.choice(g.suppliers) if g.rng.random() < 0.5 else None
        package = g.module(naam, supplier, registered_by="Gemeente", tenant=gemeente)
        g.usage(gemeente, package["id"], status=g.rng.choice(("Verwerving", "In productie")))
        g.truth_entry("concept_package", package["id"], [package["id"]], **detail)


def _dangling(g: Generator) -> None:
    naturals = g.usages[: g.natural_usage_count]
    gemeente_ids = {o["id"] for o in g.gemeenten}
    by_id = {o["id"]: o for o in g.orgs}
    supplier_modules = [m for m in g.modules if m["geregistreerdDoor"] == "Leverancier"]
    for _ in range(3):
        gemeente = by_id[g.rng.choice([u for u in naturals if u["afnemer"] in gemeente_ids])["afnemer"]]
        missing = g.uid()
        usage = g.usage(gemeente, missing)
        g.truth_entry(
            "dangling_reference", f"gebruik:{usage['id']}:module", [usage["id"], missing], missing=missing
        )
    for _ in range(2):
        missing = g.uid()
        usage = g.usage(None, g.rng.choice(supplier_modules)["id"], tenant=missing)
        g.truth_entry(
            "dangling_reference", f"gebruik:{usage['id']}:afnemer", [usage["id"], missing], missing=missing
        )
    for field in ("moduleA", "moduleA", "moduleB"):
        gebruik = g.rng.choice([u for u in naturals if u["afnemer"] in gemeente_ids])
        missing = g.uid()
        tenant = by_id[gebruik["afnemer"]]
        if field == "moduleA":
            koppeling = g.koppeling(gebruik, gebruik["module"], tenant=tenant, module_a=missing)
        else:
            koppeling = g.koppeling(gebruik, missing, tenant=tenant)
        g.truth_entry(
            "dangling_reference",
            f"koppeling:{koppeling['id']}:{field}",
            [koppeling["id"], missing],
            missing=missing,
        )


def _merged_usage(g: Generator) -> None:
    supplier_modules = [m for m in g.modules if m["geregistreerdDoor"] == "Leverancier"]
    for org in g.merged:
        picked = g.rng.sample(supplier_modules, g.rng.randint(5, 20))
        usages = [g.usage(org, m["id"]) for m in picked]
        for _ in range(g.rng.randint(1, 3)):
            gebruik = g.rng.choice(usages)
            others = [u["module"] for u in usages if u["module"] != gebruik["module"]]
            g.koppeling(gebruik, g.rng.choice(others), tenant=org)


def _quirks(g: Generator) -> None:
    def note(schema: str, obj: dict[str, Any], kind: str) -> None:
        g.quirks.append({"schema": schema, "id": obj["id"], "kind": kind})

    for org in [*g.pick(g.suppliers, 4), *g.pick([o for o in g.gemeenten if "cbsCode" in o], 2)]:
        org["type"] = [org["type"]]
        note("organisatie", org, "type_list")
    for org in g.pick(g.suppliers, 5):
        org["status"] = org["status"].lower()
        note("organisatie", org, "status_lowercase")
    for org in g.pick([o for o in g.gemeenten if o.get("contactpersonen")], 3):
        org["contactpersonen"] = json.dumps(org["contactpersonen"])
        note("organisatie", org, "relation_json_string")
    naturals = g.usages[: g.natural_usage_count]
    for usage in g.rng.sample(naturals, min(20, len(naturals))):
        if "deelnemers" not in usage and usage["status"] != usage["status"].lower():
            usage["status"] = usage["status"].lower()
            note("gebruik", usage, "status_lowercase")
    with_members = [u for u in naturals if u.get("deelnemers")]
    for usage in g.rng.sample(with_members, min(10, len(with_members))):
        usage["deelnemers"] = json.dumps(usage["deelnemers"])
        note("gebruik", usage, "relation_json_string")
    modules = [m for m in g.modules if m["geregistreerdDoor"] == "Leverancier"]
    for module in g.rng.sample(modules, min(5, len(modules))):
        module["cloudDienstverleningsmodel"] = json.dumps(module["cloudDienstverleningsmodel"])
        note("module", module, "relation_json_string")


def plant_final(g: Generator) -> None:
    """Planted modules, usages and koppelingen, then the natural format quirks."""
    _merged_usage(g)
    _concept_packages(g)
    _dangling(g)
    _quirks(g)
