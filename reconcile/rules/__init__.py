"""Data-quality rules, one module per journey-step family; importing this package registers them all."""

from __future__ import annotations

from reconcile.rules import cooperations, integrity, mergers, packages, registration, users
from reconcile.rules.base import RULES, Rule, RuleCheck, rule

__all__ = ["RULES", "Rule", "RuleCheck", "rule", "RULE_MODULES"]

RULE_MODULES = (registration, cooperations, mergers, packages, users, integrity)
