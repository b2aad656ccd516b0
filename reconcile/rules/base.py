"""The rule registry: each rule is a function (snapshot, context) -> findings, registered under its id."""

from __future__ import annotations

from collections.abc import Callable

from reconcile.model import ContactLike, Rule, RuleCheck, Snapshot

__all__ = ["Rule", "RuleCheck", "RULES", "rule", "INACTIVE", "users_by_organisation"]

RULES: dict[str, Rule] = {}


def rule(rule_id: str, *, step: str) -> Callable[[RuleCheck], RuleCheck]:
    """Register `check` under `rule_id` at journey step `step`; ids are unique.

    The check builds its findings with `ctx.finding(subject, severity, ...)`, which takes the rule id and
    the step from here: a rule states them once.
    """

    def register(check: RuleCheck) -> RuleCheck:
        if rule_id in RULES:
            raise RuntimeError(f"rule {rule_id!r} registered twice")
        RULES[rule_id] = Rule(rule_id, step, check)
        return check

    return register


INACTIVE = frozenset({"deactief", "samengevoegd"})  # organisation statuses that no longer take part


def users_by_organisation(snapshot: Snapshot) -> dict[str, list[ContactLike]]:
    """Live contacts grouped by their organisation id."""
    found: dict[str, list[ContactLike]] = {}
    for contact in snapshot.contacts.values():
        if contact.organisation_id:
            found.setdefault(contact.organisation_id, []).append(contact)
    return found
