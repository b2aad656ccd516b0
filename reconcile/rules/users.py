"""Journey step 3.3: users without (a live) organisation, duplicate and invalid e-mail addresses."""

from __future__ import annotations

import re
from collections.abc import Iterator

from reconcile.model import Finding, RuleContext, Snapshot
from reconcile.rules.base import rule

__all__ = [
    "check_without_organisation",
    "check_deleted_organisation",
    "check_duplicate_email",
    "check_invalid_email",
    "is_valid_email",
]

# Pragmatic syntax check: one @, no spaces, a dot in the domain, no empty labels, no leading/trailing dot.
_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)


def is_valid_email(value: str) -> bool:
    local = value.split("@", 1)[0]
    return (
        bool(_EMAIL.match(value))
        and not local.startswith(".")
        and not local.endswith(".")
        and ".." not in local
    )


def _name(ctx: RuleContext, contact_id: str) -> str | None:
    found, _ = ctx.evidence([("contact", contact_id)])
    return found[0].name


@rule("user_without_organisation", step="3.3")
def check_without_organisation(snap: Snapshot, ctx: RuleContext) -> Iterator[Finding]:
    """Users whose organisation field is empty."""
    for contact in snap.contacts.values():
        if not contact.organisation_id:
            yield ctx.finding(
                contact.id, "warning", [("contact", contact.id)],
                name=_name(ctx, contact.id),
            )  # fmt: skip


@rule("user_of_deleted_organisation", step="3.3")
def check_deleted_organisation(snap: Snapshot, ctx: RuleContext) -> Iterator[Finding]:
    """Users whose organisation is deleted in our store or absent from the catalogue."""
    for contact in snap.contacts.values():
        org_id = contact.organisation_id
        if org_id and org_id not in snap.organisations:
            state = "deleted" if snap.is_deleted("organisation", org_id) else "absent"
            yield ctx.finding(
                contact.id, "error", [("contact", contact.id)],
                name=_name(ctx, contact.id), organisation=org_id, state=state,
            )  # fmt: skip


@rule("duplicate_email", step="3.3")
def check_duplicate_email(snap: Snapshot, ctx: RuleContext) -> Iterator[Finding]:
    """E-mail addresses (compared lower-cased) used by more than one user."""
    groups: dict[str, list[str]] = {}
    for contact in snap.contacts.values():
        email = (contact.email or "").strip().lower()
        if email:
            groups.setdefault(email, []).append(contact.id)
    for email, ids in sorted(groups.items()):
        if len(ids) > 1:
            yield ctx.finding(
                email, "warning", [("contact", i) for i in sorted(ids)],
                email=email, users=len(ids),
            )  # fmt: skip


@rule("invalid_email", step="3.3")
def check_invalid_email(snap: Snapshot, ctx: RuleContext) -> Iterator[Finding]:
    """Users whose e-mail address is present but not syntactically valid."""
    for contact in snap.contacts.values():
        email = contact.email
        if email is not None and email.strip() and not is_valid_email(email.strip()):
            yield ctx.finding(
                contact.id, "warning", [("contact", contact.id)],
                name=_name(ctx, contact.id), email=email,
            )  # fmt: skip
