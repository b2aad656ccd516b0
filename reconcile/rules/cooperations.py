"""Journey step 1.3: cooperations whose members left (deleted, deactivated, merged) or with no members."""

from __future__ import annotations

from collections.abc import Iterator

from reconcile.model import Finding, RuleContext, Snapshot
from reconcile.rules.base import INACTIVE, rule

__all__ = ["check_member_inactive", "check_without_members", "member_problem"]

ENDED = ("merged", "split", "renamed")


def _cooperations(snap: Snapshot) -> Iterator[str]:
    for org in snap.organisations.values():
        if org.type == "samenwerking" and org.status not in INACTIVE:
            yield org.id


def member_problem(member_id: str, snap: Snapshot, ctx: RuleContext) -> str | None:
    """Why a member should no longer be in a cooperation: deleted | deactivated | merged, else None."""
    member = snap.organisations.get(member_id)
    if member is None:
        return "deleted"
    if member.status == "deactief":
        return "deactivated"
    if member.status == "samengevoegd" or member.merged_into:
        return "merged"
    match = ctx.matching.matches.get(member_id)
    if match is not None and match.verdict in ENDED and match.successors:
        return "merged"
    return None


@rule("cooperation_member_inactive", step="1.3")
def check_member_inactive(snap: Snapshot, ctx: RuleContext) -> Iterator[Finding]:
    """One finding per (cooperation, member) whose member is deleted, deactivated or merged."""
    for coop_id in _cooperations(snap):
        coop = snap.organisations[coop_id]
        for member_id in dict.fromkeys(coop.members):
            reason = member_problem(member_id, snap, ctx)
            if reason is None:
                continue
            member = snap.organisations.get(member_id)
            yield ctx.finding(
                f"{coop_id}:{member_id}", "warning",
                [("organisation", coop_id), ("organisation", member_id)],
                name=coop.name, member=member.name if member else member_id, reason=reason,
            )  # fmt: skip


@rule("cooperation_without_members", step="1.3")
def check_without_members(snap: Snapshot, ctx: RuleContext) -> Iterator[Finding]:
    """Cooperations that list no members at all."""
    for coop_id in _cooperations(snap):
        coop = snap.organisations[coop_id]
        if not coop.members:
            yield ctx.finding(
                coop_id,
                "warning",
                [("organisation", coop_id)],
                name=coop.name,
            )
