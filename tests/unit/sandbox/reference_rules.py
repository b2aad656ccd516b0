"""A small, independent implementation of the ground-truth rules, to prove the generator plants exactly them.

Deliberately written from the rule definitions (sandbox/datagen.py docstring), not from the generator.
"""

from __future__ import annotations

import csv
import json
import re
from itertools import combinations
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz

from sandbox.datagen import Dataset
from sandbox.datagen_base import ADMIN_ROLE, NAME_SIMILARITY_LIMIT, normalise_name

DATA = Path(__file__).resolve().parents[3] / "sandbox" / "data"
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _rows(name: str) -> list[dict[str, str]]:
    with open(DATA / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(line for line in handle if not line.startswith("#")))


def _list(value: Any) -> list[str]:
    if isinstance(value, str):
        value = json.loads(value)
    return list(value or [])


def _type(org: dict[str, Any]) -> str:
    value = org.get("type")
    if isinstance(value, list):
        value = value[0] if value else None
    return str(value or "").casefold()


def _code(org: dict[str, Any]) -> str | None:
    return f"GM{int(org['cbsCode']):04d}" if org.get("cbsCode") is not None else None


def compute(dataset: Dataset) -> set[tuple[str, str]]:
    """Every (rule, subject) the data exhibits."""
    objects = dataset.objects
    orgs = {o["id"]: o for o in objects["organisatie"]}
    contacts = objects["contactpersoon"]
    modules = {m["id"]: m for m in objects["module"]}
    rows = _rows("gemeenten_tooi_v4_with_oin.csv")
    active = {r["cbs_code"] for r in rows if not r["einddatum"]}
    ended = {r["cbs_code"] for r in rows if r["einddatum"]}
    found: set[tuple[str, str]] = set()

    for oid, org in orgs.items():
        kind, status = _type(org), str(org.get("status", "")).casefold()
        if kind == "leverancier" and status == "concept":
            found.add(("supplier_concept", oid))
        if kind == "gemeente" and _code(org) in ended:
            found.add(("municipality_merged", oid))
        if kind == "samenwerking":
            members = _list(org.get("deelnemers"))
            if not members:
                found.add(("cooperation_without_members", oid))
            for member_id in members:
                member = orgs.get(member_id)
                if (
                    member is None
                    or str(member.get("status", "")).casefold() != "actief"
                    or _code(member) in ended
                ):
                    found.add(("cooperation_member_inactive", f"{oid}:{member_id}"))

    # municipality_missing: by cbsCode, else by normalised name
    names = {normalise_name(r["naam_voorkeur"]): r["cbs_code"] for r in rows if not r["einddatum"]}
    present = set()
    for org in orgs.values():
        if _type(org) == "gemeente":
            present.add(_code(org) or names.get(normalise_name(org["naam"])))
    found.update(("municipality_missing", code) for code in active - present)

    # duplicates: same KvK, same cbsCode, near-identical normalised name (two gemeenten with different
    # known cbsCodes are different municipalities, never duplicates)
    org_list = sorted(orgs.values(), key=lambda o: o["id"])
    keys = {o["id"]: normalise_name(o["naam"]) for o in org_list}
    for a, b in combinations(org_list, 2):
        same_kvk = a.get("kvkNummer") and a.get("kvkNummer") == b.get("kvkNummer")
        same_cbs = _code(a) and _code(a) == _code(b)
        both_coded = _code(a) and _code(b) and _code(a) != _code(b)
        similar = not both_coded and fuzz.ratio(keys[a["id"]], keys[b["id"]]) >= NAME_SIMILARITY_LIMIT
        if same_kvk or same_cbs or similar:
            found.add(("duplicate_organisation", f"{a['id']}|{b['id']}"))

    users: dict[str, list[dict[str, Any]]] = {oid: [] for oid in orgs}
    emails: dict[str, list[str]] = {}
    for contact in contacts:
        org_id = contact.get("organisatie")
        if not org_id:
            found.add(("user_without_organisation", contact["id"]))
        elif org_id not in orgs:
            found.add(("user_of_deleted_organisation", contact["id"]))
        else:
            users[org_id].append(contact)
        address = contact.get("e-mailadres") or ""
        emails.setdefault(address.lower(), []).append(contact["id"])
        if not EMAIL.match(address):
            found.add(("invalid_email", contact["id"]))
    found.update(("duplicate_email", e) for e, ids in emails.items() if len(ids) > 1)
    for oid, staff in users.items():
        if not staff:
            found.add(("organisation_without_users", oid))
        elif not any(ADMIN_ROLE in _list(c.get("rollen")) for c in staff):
            found.add(("organisation_without_admin", oid))

    for mid, module in modules.items():
        if module.get("geregistreerdDoor") == "Gemeente":
            found.add(("concept_package", mid))
    for usage in objects["gebruik"]:
        if usage.get("module") not in modules:
            found.add(("dangling_reference", f"gebruik:{usage['id']}:module"))
        if usage.get("afnemer") not in orgs:
            found.add(("dangling_reference", f"gebruik:{usage['id']}:afnemer"))
    for koppeling in objects["koppeling"]:
        for field in ("moduleA", "moduleB"):
            if koppeling.get(field) and koppeling[field] not in modules:
                found.add(("dangling_reference", f"koppeling:{koppeling['id']}:{field}"))
    return found
