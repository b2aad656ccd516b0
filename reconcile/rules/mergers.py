"""Journey steps 1.4 and 2.1: ended municipalities (with a merge plan) and duplicate organisations."""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import combinations
from typing import Any

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from connectors.catalogue_models import EntityType, Organisation
from reconcile.matching import Match
from reconcile.model import Finding, RuleContext, Snapshot
from reconcile.register import normalise_name
from reconcile.rules.base import INACTIVE, rule

__all__ = [
    "check_municipality_merged",
    "check_duplicate_organisation",
    "build_merge_plan",
    "comparable_name",
    "near_identical",
]

ENDED = ("merged", "split", "renamed")
_LEGAL = re.compile(r"\s+(software bv|bv|nv|vof|cv|ict|groep|group|holding|nederland|solutions)$")


def build_merge_plan(org: Organisation, match: Match, snap: Snapshot, ctx: RuleContext) -> dict[str, Any]:
    """What has to move to the surviving organisation(s): usages, koppelingen, users, memberships (counts)."""
    by_code = ctx.matching.by_code()
    successors = [
        {"code": m.code, "name": m.name, "organisations": sorted(by_code.get(m.code, []))}
        for m in match.successors
    ]
    usages = [u for u in snap.usages.values() if u.organisation_id == org.id]
    koppelingen = {k for u in usages for k in u.koppelingen if k in snap.koppelingen}
    users = [c.id for c in snap.contacts.values() if c.organisation_id == org.id]
    memberships = {o.id for o in snap.organisations.values() if org.id in o.members} | set(org.memberships)
    return {
        "successors": successors,
        "successor_missing": [s["code"] for s in successors if not s["organisations"]],
        "usages": [u.id for u in usages],
        "koppelingen": sorted(koppelingen),
        "users": users,
        "memberships": sorted(memberships),
    }


@rule("municipality_merged", step="2.1")
def check_municipality_merged(snap: Snapshot, ctx: RuleContext) -> Iterator[Finding]:
    """Gemeenten still active in the catalogue whose code ended (herindeling), each with a merge plan."""
    for org_id, match in ctx.matching.matches.items():
        org = snap.organisations[org_id]
        if match.verdict not in ENDED or not match.successors or org.status in INACTIVE:
            continue
        plan = build_merge_plan(org, match, snap, ctx)
        evidence: list[tuple[EntityType, str]] = [("organisation", org_id)]
        evidence += [("organisation", o) for s in plan["successors"] for o in s["organisations"]]
        evidence += [("usage", u) for u in plan["usages"]] + [("contact", c) for c in plan["users"]]
        yield ctx.finding(
            org_id, "error", evidence,
            name=org.name, code=match.code, verdict=match.verdict,
            date=match.effective.isoformat() if match.effective else None,
            successors=plan["successors"], successor_missing=plan["successor_missing"],
            moves={key: len(plan[key]) for key in ("usages", "koppelingen", "users", "memberships")},
        )  # fmt: skip


def comparable_name(name: str | None) -> str:
    """A name for near-duplicate comparison: normalised, a trailing legal form (B.V., Groep...) dropped."""
    return _LEGAL.sub("", normalise_name(name or "")).strip()


def near_identical(a: str, b: str) -> bool:
    """At most one typo (OSA edit) per ten characters: Centric ~ Cnetric, not Lindevorm ~ Lindegemivorm."""
    return OSA.distance(a, b) <= max(1, min(len(a), len(b)) // 10)


def _pairs_by_key(orgs: list[Organisation], key: str) -> Iterator[tuple[str, str]]:
    groups: dict[Any, list[str]] = {}
    for org in orgs:
        value = getattr(org, key)
        if value not in (None, ""):
            groups.setdefault(value if key != "kvk" else re.sub(r"\D", "", str(value)).zfill(8), []).append(
                org.id
            )
    for ids in groups.values():
        yield from combinations(sorted(ids), 2)


def _pairs_by_name(orgs: list[Organisation], ctx: RuleContext) -> Iterator[tuple[str, str, float]]:
    """Same-type pairs scoring at least duplicate_name_score whose names are also near_identical."""
    codes = {org_id: m.code for org_id, m in ctx.matching.matches.items()}
    by_type: dict[str | None, list[Organisation]] = {}
    for org in orgs:
        by_type.setdefault(org.type, []).append(org)
    cutoff = ctx.settings.duplicate_name_score
    for group in by_type.values():
        names = [comparable_name(o.name) for o in group]
        for i, name in enumerate(names):
            if not name:
                continue
            for _, score, j in process.extract(
                name, names, scorer=fuzz.ratio, score_cutoff=cutoff, limit=None
            ):
                a, b = group[i], group[j]
                if j <= i or not near_identical(name, names[j]):
                    continue
                if codes.get(a.id) and codes.get(b.id) and codes[a.id] != codes[b.id]:
                    continue  # the register tells them apart (Bergen (NH) / Bergen (L))
                first, second = sorted((a.id, b.id))
                yield first, second, float(score)


@rule("duplicate_organisation", step="1.4")
def check_duplicate_organisation(snap: Snapshot, ctx: RuleContext) -> Iterator[Finding]:
    """Pairs of live organisations with the same KvK, the same cbsCode, or near-identical names."""
    orgs = [o for o in snap.organisations.values() if o.status not in INACTIVE]
    reasons: dict[tuple[str, str], dict[str, Any]] = {}
    for pair in _pairs_by_key(orgs, "kvk"):
        reasons.setdefault(pair, {})["kvk"] = snap.organisations[pair[0]].kvk
    for pair in _pairs_by_key([o for o in orgs if o.type == "gemeente"], "cbs_code"):
        reasons.setdefault(pair, {})["cbs_code"] = snap.organisations[pair[0]].cbs_code
    for a, b, score in _pairs_by_name(orgs, ctx):
        reasons.setdefault((a, b), {})["score"] = round(score, 1)
    for (a, b), why in sorted(reasons.items()):
        yield ctx.finding(
            f"{a}|{b}",
            "warning",
            [("organisation", a), ("organisation", b)],
            name=snap.organisations[a].name,
            other=snap.organisations[b].name,
            **why,
        )
