"""Journey steps 1.1, 1.2 and 1.5: suppliers awaiting approval, missing municipalities, users and admins."""

from __future__ import annotations

from collections.abc import Iterator

from connectors.catalogue_models import EntityType
from reconcile.model import Finding, RuleContext, Snapshot
from reconcile.rules.base import INACTIVE, rule, users_by_organisation

__all__ = [
    "check_supplier_concept",
    "check_municipality_missing",
    "check_without_users",
    "check_without_admin",
]

ADMIN_ROLE = "organisatie-beheerder"


@rule("supplier_concept", step="1.1")
def check_supplier_concept(snap: Snapshot, ctx: RuleContext) -> Iterator[Finding]:
    """Suppliers still in status Concept, with the days they have been waiting."""
    for org in snap.organisations.values():
        if org.type != "leverancier" or org.status != "concept":
            continue
        days = ctx.days_since(org.created)
        late = days is not None and days >= ctx.settings.concept_supplier_warn_days
        yield ctx.finding(
            org.id, "warning" if late else "info",
            [("organisation", org.id)], name=org.name, days=days,
        )  # fmt: skip


@rule("municipality_missing", step="1.2")
def check_municipality_missing(snap: Snapshot, ctx: RuleContext) -> Iterator[Finding]:
    """Active gemeenten and Caribbean public bodies that no catalogue organisation stands for."""
    for match in ctx.matching.missing:
        muni = match.municipality
        assert muni is not None
        caribbean = muni.kind == "openbaar_lichaam"
        yield ctx.finding(
            muni.code, "warning" if caribbean else "error",
            code=muni.code, name=muni.name, kind=muni.kind,
        )  # fmt: skip


def _candidates(snap: Snapshot) -> Iterator[str]:
    for org in snap.organisations.values():
        if org.status not in INACTIVE:
            yield org.id


@rule("organisation_without_users", step="1.5")
def check_without_users(snap: Snapshot, ctx: RuleContext) -> Iterator[Finding]:
    """Organisations (not deactivated or merged) without a single user."""
    users = users_by_organisation(snap)
    for org_id in _candidates(snap):
        if not users.get(org_id):
            org = snap.organisations[org_id]
            yield ctx.finding(
                org_id, "warning", [("organisation", org_id)],
                name=org.name, type=org.type,
            )  # fmt: skip


@rule("organisation_without_admin", step="1.5")
def check_without_admin(snap: Snapshot, ctx: RuleContext) -> Iterator[Finding]:
    """Organisations with users, none of whom has the role Organisatie-beheerder."""
    users = users_by_organisation(snap)
    for org_id in _candidates(snap):
        members = users.get(org_id)
        if members and not any(ADMIN_ROLE in (r.casefold() for r in c.roles) for c in members):
            org = snap.organisations[org_id]
            evidence: list[tuple[EntityType, str]] = [("organisation", org_id)]
            evidence += [("contact", c.id) for c in members]
            yield ctx.finding(
                org_id, "warning", evidence,
                name=org.name, users=len(members),
            )  # fmt: skip
