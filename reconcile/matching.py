"""Match catalogue organisations of type gemeente to the municipality register, and give each a verdict.

Keys, strongest first: cbsCode (zero-padded), KvK, normalised name (official, preferred, aliases; active and
ended). rapidfuzz only SUGGESTS candidates for names that match nothing; it never decides.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Literal

from rapidfuzz import fuzz, process

from connectors.catalogue_models import Organisation
from reconcile.register import Municipality, Register, normalise_name

__all__ = [
    "Verdict",
    "Match",
    "CatalogueMatch",
    "match_organisation",
    "match_catalogue",
    "normalise_name",
    "suggest",
    "NOT_A_MUNICIPALITY",
]

Verdict = Literal[
    "active",
    "merged",
    "split",
    "renamed",
    "future",
    "missing",
    "duplicate",
    "not_a_municipality",
    "unmatched",
]
Method = Literal["cbs_code", "kvk", "name"]
# Words that mark an organisation as something other than a gemeente (province, water board, cooperation...)
NOT_A_MUNICIPALITY = re.compile(
    r"\b(provincie|waterschap|hoogheemraadschap|wetterskip|omgevingsdienst|veiligheidsregio|ggd|"
    r"samenwerking\w*|gemeenschappelijke regeling|regio|dienst|belastingen|shared service|ssc|"
    r"rijksdienst|college financieel toezicht)\b"
)


@dataclass(frozen=True)
class Match:
    """The outcome for one catalogue organisation (or, for `missing`, one register entry)."""

    verdict: Verdict
    org_id: str | None = None
    org_name: str | None = None
    municipality: Municipality | None = None
    method: Method | None = None
    successors: tuple[Municipality, ...] = ()  # current successors (merged, split, renamed)
    effective: date | None = None  # when the herindeling took effect
    name_mismatch: bool = False  # matched by code/KvK but the name is none of the register's names
    also: tuple[Municipality, ...] = ()  # other register entries with the same name (e.g. active and ended)
    suggestions: tuple[tuple[str, str, float], ...] = ()  # (code, name, score) for a human to check

    @property
    def code(self) -> str | None:
        return self.municipality.code if self.municipality else None


@dataclass
class CatalogueMatch:
    """All organisations matched, plus the register entries nobody matched and codes matched twice."""

    matches: dict[str, Match]  # org id -> match
    missing: list[Match]  # active register entries without a catalogue organisation
    duplicates: dict[str, list[str]] = field(default_factory=dict)  # active code -> org ids (2 or more)

    def by_code(self) -> dict[str, list[str]]:
        """Register code -> catalogue organisation ids matched to it."""
        found: dict[str, list[str]] = {}
        for org_id, match in self.matches.items():
            if match.code:
                found.setdefault(match.code, []).append(org_id)
        return found


def suggest(
    name: str, register: Register, *, limit: int = 5, cutoff: float = 70.0
) -> tuple[tuple[str, str, float], ...]:
    """Fuzzy candidates for a name (never an automatic match)."""
    names = register.names()
    found = process.extract(
        normalise_name(name), list(names), scorer=fuzz.token_set_ratio, limit=limit * 4, score_cutoff=cutoff
    )
    out: list[tuple[str, str, float]] = []
    for key, score, _ in found:
        for code in names[key]:
            muni = register.by_code(code)
            if muni and all(code != seen for seen, _, _ in out):
                out.append((code, muni.name, round(float(score), 1)))
    return tuple(out[:limit])


def _find(
    org: Organisation, register: Register, as_of: date
) -> tuple[Municipality | None, Method | None, list[Municipality]]:
    by_name = register.by_name(org.name) if org.name else []
    if org.cbs_code is not None and (muni := register.by_code(org.cbs_code)) is not None:
        return muni, "cbs_code", by_name
    if org.kvk and (muni := register.by_kvk(org.kvk)) is not None:
        return muni, "kvk", by_name
    if by_name:
        # prefer an entry that exists on as_of; report the others in `also`
        by_name.sort(key=lambda m: (not m.is_active(as_of), m.code))
        return by_name[0], "name", by_name
    return None, None, []


def match_organisation(org: Organisation, register: Register, as_of: date) -> Match:
    """The verdict for one catalogue organisation (meant for type gemeente)."""
    muni, method, by_name = _find(org, register, as_of)
    base = Match("unmatched", org_id=org.id, org_name=org.name)
    if muni is None:
        if org.name and NOT_A_MUNICIPALITY.search(normalise_name(org.name)):
            return replace(base, verdict="not_a_municipality")
        return replace(base, suggestions=suggest(org.name or "", register))
    mismatch = bool(org.name) and muni.code not in {m.code for m in by_name}
    found = replace(
        base,
        municipality=muni,
        method=method,
        name_mismatch=mismatch,
        also=tuple(m for m in by_name if m.code != muni.code),
    )
    if muni.is_active(as_of):
        return replace(found, verdict="renamed" if mismatch and method != "name" else "active")
    if muni.begin is not None and muni.begin > as_of:
        return replace(found, verdict="future")
    direct = register.successors(muni.code)
    if len(direct) > 1:
        verdict: Verdict = "split"
    elif muni.ended_via == "Herschikking":
        verdict = "renamed"
    else:
        verdict = "merged"
    successors = register.current_successors(muni.code, as_of)
    return replace(found, verdict=verdict, successors=successors, effective=muni.ended_on)


def match_catalogue(orgs: Iterable[Organisation], register: Register, as_of: date) -> CatalogueMatch:
    """Match every organisation; list active register entries (incl. Caribbean) nobody matched."""
    matches = {org.id: match_organisation(org, register, as_of) for org in orgs}
    result = CatalogueMatch(matches=matches, missing=[])
    for code, org_ids in result.by_code().items():
        muni = register.by_code(code)
        if muni is not None and muni.is_active(as_of) and len(org_ids) > 1:
            result.duplicates[code] = sorted(org_ids)
    covered = set(result.by_code())
    result.missing = [
        Match("missing", municipality=m)
        for m in register.active(as_of, caribbean=True)
        if m.code not in covered
    ]
    return result
