"""Reconciliation: match the catalogue to the municipality register, check data-quality rules per journey
step, and keep findings across runs (new -> open -> resolved; accepted findings do not alert)."""

from __future__ import annotations

from reconcile.engine import ReconcileReport, check_rules, enabled_rules, load_snapshot, run_reconcile
from reconcile.lifecycle import (
    FindingNotFound,
    StoredFinding,
    accept_finding,
    list_findings,
    unaccept_finding,
)
from reconcile.matching import CatalogueMatch, Match, match_catalogue, match_organisation
from reconcile.model import CatalogueLinks, Evidence, Finding, RuleContext, Snapshot, fingerprint
from reconcile.rules import RULES

__all__ = [
    "RULES",
    "CatalogueLinks",
    "CatalogueMatch",
    "Evidence",
    "Finding",
    "FindingNotFound",
    "Match",
    "ReconcileReport",
    "RuleContext",
    "Snapshot",
    "StoredFinding",
    "accept_finding",
    "check_rules",
    "enabled_rules",
    "fingerprint",
    "list_findings",
    "load_snapshot",
    "match_catalogue",
    "match_organisation",
    "run_reconcile",
    "unaccept_finding",
]
