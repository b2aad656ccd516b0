"""Journey step 3.1: concept packages (registered by a gemeente) awaiting review, with likely duplicates."""

from __future__ import annotations

import re
from collections.abc import Iterator

from rapidfuzz import fuzz

from reconcile.model import Finding, PackageLike, RuleContext, Snapshot
from reconcile.register import normalise_name
from reconcile.rules.base import rule

__all__ = ["check_concept_package", "is_concept_package"]

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)


def is_concept_package(package: PackageLike, snap: Snapshot) -> bool:
    """Registered by a gemeente: `geregistreerdDoor` is "Gemeente", or (S6) the uuid of a gemeente."""
    value = (package.registered_by or "").strip()
    if _UUID.match(value):
        org = snap.organisations.get(value.lower())
        return org is not None and org.type == "gemeente"
    return value.casefold() == "gemeente"


@rule("concept_package", step="3.1")
def check_concept_package(snap: Snapshot, ctx: RuleContext) -> Iterator[Finding]:
    """Concept packages with their age and likely duplicates among the same supplier's packages."""
    by_supplier: dict[str, list[PackageLike]] = {}
    for package in snap.packages.values():
        if package.supplier_id:
            by_supplier.setdefault(package.supplier_id, []).append(package)
    for package in snap.packages.values():
        if not is_concept_package(package, snap):
            continue
        days = ctx.days_since(package.created)
        late = days is not None and days >= ctx.settings.concept_package_warn_days
        name = normalise_name(package.name or "")
        likely = [
            other.id for other in by_supplier.get(package.supplier_id or "", [])
            if other.id != package.id and name
            and fuzz.ratio(name, normalise_name(other.name or "")) >= ctx.settings.duplicate_name_score
        ]  # fmt: skip
        evidence = [("package", package.id), *(("package", p) for p in likely)]
        if package.supplier_id:
            evidence.append(("organisation", package.supplier_id))
        yield ctx.finding(
            package.id, "warning" if late else "info", evidence,  # type: ignore[arg-type]
            name=package.name, days=days, duplicates=len(likely),
        )  # fmt: skip
