"""Referential integrity: usages and koppelingen pointing to missing or deleted packages or organisations."""

from __future__ import annotations

from collections.abc import Iterator

from connectors.catalogue_models import EntityType
from reconcile.model import Finding, RuleContext, Snapshot
from reconcile.rules.base import rule

__all__ = ["check_dangling_reference", "USAGE_REFERENCES", "KOPPELING_REFERENCES"]

# wire field name -> (record attribute, referenced entity type)
USAGE_REFERENCES: dict[str, tuple[str, EntityType]] = {
    "afnemer": ("organisation_id", "organisation"),
    "module": ("package_id", "package"),
}
KOPPELING_REFERENCES: dict[str, tuple[str, EntityType]] = {
    "moduleA": ("package_a_id", "package"),
    "moduleB": ("package_b_id", "package"),
    "gerealiseerdMetIntermediairModule": ("intermediary_id", "package"),
    "aanbieder": ("supplier_id", "organisation"),
}


def _exists(snap: Snapshot, kind: EntityType, record_id: str) -> bool:
    return record_id in (snap.packages if kind == "package" else snap.organisations)


@rule("dangling_reference", step="integrity")
def check_dangling_reference(snap: Snapshot, ctx: RuleContext) -> Iterator[Finding]:
    """One finding per (record, field) whose target is missing or deleted in our store."""
    sources: list[tuple[str, EntityType, dict[str, object], dict[str, tuple[str, EntityType]]]] = [
        ("gebruik", "usage", dict(snap.usages), USAGE_REFERENCES),
        ("koppeling", "koppeling", dict(snap.koppelingen), KOPPELING_REFERENCES),
    ]
    for wire, kind, records, fields in sources:
        for record_id, record in records.items():
            for field_name, (attr, target_kind) in fields.items():
                target = getattr(record, attr)
                if not target or _exists(snap, target_kind, target):
                    continue
                state = "deleted" if snap.is_deleted(target_kind, target) else "missing"
                yield ctx.finding(
                    f"{wire}:{record_id}:{field_name}", "error",
                    [(kind, record_id)], entity=wire, field=field_name, target=target, state=state,
                )  # fmt: skip
