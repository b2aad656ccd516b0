"""Findings, evidence, the catalogue snapshot the rules read, and the context they get (plain values)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import Any, Literal, Protocol

from config.settings import ReconcileSettings
from connectors.catalogue_models import Contact, EntityType, Koppeling, Organisation, Package, Usage
from reconcile.matching import CatalogueMatch, match_catalogue
from reconcile.register import Register

__all__ = [
    "Severity",
    "SEVERITIES",
    "Evidence",
    "Finding",
    "fingerprint",
    "Snapshot",
    "CatalogueLinks",
    "RuleContext",
    "Rule",
    "RuleCheck",
    "UsageLike",
    "KoppelingLike",
    "UsageRef",
    "KoppelingRef",
    "ContactLike",
    "PackageLike",
    "ContactRef",
    "PackageRef",
]

Severity = Literal["info", "warning", "error"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")


def fingerprint(rule: str, subject: str) -> str:
    """Stable identity of a finding across runs: sha1 of rule and subject."""
    return hashlib.sha1(f"{rule}\x1f{subject}".encode()).hexdigest()


@dataclass(frozen=True)
class Evidence:
    """One catalogue object a finding points at."""

    kind: EntityType
    id: str
    name: str | None = None
    url: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {"kind": self.kind, "id": self.id, "name": self.name, "url": self.url}


@dataclass(frozen=True)
class Finding:
    """A data-quality problem: what (rule), about whom (subject), where in the journey (step), and proof."""

    rule: str
    subject: str
    step: str
    severity: Severity
    params: Mapping[str, Any] = field(default_factory=dict)  # message parameters (JSON-able)
    evidence: tuple[Evidence, ...] = ()
    evidence_total: int = 0  # before the cap

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.rule, self.subject)


class UsageLike(Protocol):
    """What the rules read of a usage (a full Usage record or a lean UsageRef)."""

    @property
    def id(self) -> str: ...
    @property
    def organisation_id(self) -> str | None: ...
    @property
    def package_id(self) -> str | None: ...
    @property
    def koppelingen(self) -> tuple[str, ...]: ...


class KoppelingLike(Protocol):
    """What the rules read of a koppeling (a full Koppeling record or a lean KoppelingRef)."""

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str | None: ...
    @property
    def package_a_id(self) -> str | None: ...
    @property
    def package_b_id(self) -> str | None: ...
    @property
    def intermediary_id(self) -> str | None: ...
    @property
    def supplier_id(self) -> str | None: ...


class ContactLike(Protocol):
    """What the rules read of a contact (a full Contact record or a lean ContactRef)."""

    @property
    def id(self) -> str: ...
    @property
    def first_name(self) -> str | None: ...
    @property
    def infix(self) -> str | None: ...
    @property
    def last_name(self) -> str | None: ...
    @property
    def email(self) -> str | None: ...
    @property
    def organisation_id(self) -> str | None: ...
    @property
    def roles(self) -> tuple[str, ...]: ...


class PackageLike(Protocol):
    """What the rules read of a package (a full Package record or a lean PackageRef)."""

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str | None: ...
    @property
    def supplier_id(self) -> str | None: ...
    @property
    def registered_by(self) -> str | None: ...
    @property
    def created(self) -> datetime | None: ...


@dataclass(frozen=True, slots=True)
class ContactRef:
    """The fields of a contact the rules need."""

    id: str
    first_name: str | None
    infix: str | None
    last_name: str | None
    email: str | None
    organisation_id: str | None
    roles: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PackageRef:
    """The fields of a package the rules need."""

    id: str
    name: str | None
    supplier_id: str | None
    registered_by: str | None
    created: datetime | None


@dataclass(frozen=True, slots=True)
class UsageRef:
    """The fields of a usage the rules need; usages are the bulk of the catalogue, so kept lean."""

    id: str
    organisation_id: str | None
    package_id: str | None
    koppelingen: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class KoppelingRef:
    """The fields of a koppeling the rules need."""

    id: str
    name: str | None
    package_a_id: str | None
    package_b_id: str | None
    intermediary_id: str | None
    supplier_id: str | None


@dataclass
class Snapshot:
    """Live catalogue records by id, plus the ids of records deleted in our store, per entity type."""

    organisations: dict[str, Organisation] = field(default_factory=dict)
    contacts: dict[str, ContactLike] = field(default_factory=dict)
    packages: dict[str, PackageLike] = field(default_factory=dict)
    usages: dict[str, UsageLike] = field(default_factory=dict)
    koppelingen: dict[str, KoppelingLike] = field(default_factory=dict)
    deleted: dict[str, set[str]] = field(default_factory=dict)  # entity type -> ids deleted in the store

    @classmethod
    def of(cls, records: Iterable[Any], deleted: Mapping[str, Iterable[str]] | None = None) -> Snapshot:
        """Build from a mixed list of records (tests); `deleted` maps entity type -> deleted ids."""
        snap = cls(deleted={k: set(v) for k, v in (deleted or {}).items()})
        for record in records:
            snap.add(record)
        return snap

    def add(self, record: Any) -> None:
        targets: dict[type, dict[str, Any]] = {
            Organisation: self.organisations, Contact: self.contacts, Package: self.packages,
            Usage: self.usages, Koppeling: self.koppelingen,
        }  # fmt: skip
        targets[type(record)][record.id] = record

    def is_deleted(self, entity: str, record_id: str) -> bool:
        return record_id in self.deleted.get(entity, set())

    def gemeenten(self) -> list[Organisation]:
        return [o for o in self.organisations.values() if o.type == "gemeente"]


@dataclass(frozen=True)
class CatalogueLinks:
    """Builds `{base_url}{api_prefix}/objects/{register}/{schema}/{id}` links to catalogue objects."""

    base_url: str
    api_prefix: str
    register: str
    schemas: Mapping[str, str]

    def url(self, kind: str, record_id: str) -> str:
        schema = self.schemas.get(kind, kind)
        return f"{self.base_url.rstrip('/')}{self.api_prefix}/objects/{self.register}/{schema}/{record_id}"


@dataclass
class RuleContext:
    """What rules get besides the snapshot: register, thresholds, clock and link builder."""

    register: Register
    settings: ReconcileSettings
    now: datetime  # aware UTC
    links: CatalogueLinks | None = None
    snapshot: Snapshot = field(default_factory=Snapshot)
    rule: Rule | None = None  # the rule being run (see `running`)

    @property
    def today(self) -> date:
        return self.now.date()

    @cached_property
    def matching(self) -> CatalogueMatch:
        """The register match of every live gemeente organisation (computed once per run)."""
        return match_catalogue(self.snapshot.gemeenten(), self.register, self.today)

    def days_since(self, when: datetime | None) -> int | None:
        return None if when is None else max(0, (self.now - when).days)

    def _name(self, kind: EntityType, record_id: str) -> str | None:
        tables: dict[str, dict[str, Any]] = {
            "organisation": self.snapshot.organisations, "contact": self.snapshot.contacts,
            "package": self.snapshot.packages, "usage": self.snapshot.usages,
            "koppeling": self.snapshot.koppelingen,
        }  # fmt: skip
        record = tables[kind].get(record_id)
        if record is None:
            return None
        if kind == "contact":
            parts = (record.first_name, record.infix, record.last_name)
            return " ".join(p for p in parts if p) or record.email
        return getattr(record, "name", None)

    def evidence(self, items: Iterable[tuple[EntityType, str]]) -> tuple[tuple[Evidence, ...], int]:
        """Evidence for (kind, id) pairs, capped at settings.evidence_cap; also returns the full count."""
        listed = list(dict.fromkeys(items))
        capped = listed[: self.settings.evidence_cap]
        links = self.links
        out = tuple(
            Evidence(kind, rid, self._name(kind, rid), links.url(kind, rid) if links else None)
            for kind, rid in capped
        )
        return out, len(listed)

    @contextmanager
    def running(self, rule: Rule) -> Iterator[None]:
        """While inside, `finding` names `rule` and its journey step."""
        previous, self.rule = self.rule, rule
        try:
            yield
        finally:
            self.rule = previous

    def finding(
        self,
        subject: str,
        severity: Severity,
        evidence: Iterable[tuple[EntityType, str]] = (),
        **params: Any,
    ) -> Finding:
        """A finding of the running rule (its id and step) about `subject`; `params` feed the message."""
        if self.rule is None:
            raise RuntimeError("RuleContext.finding called outside a rule; run rules with Rule.findings")
        found, total = self.evidence(evidence)
        return Finding(self.rule.id, subject, self.rule.step, severity, params, found, total)


RuleCheck = Callable[[Snapshot, RuleContext], Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    """A registered rule: its id (the finding's `rule`), journey step and check function."""

    id: str
    step: str
    check: RuleCheck

    def findings(self, snapshot: Snapshot, ctx: RuleContext) -> list[Finding]:
        """Run the check; the findings it builds with `ctx.finding` carry this rule's id and step."""
        with ctx.running(self):
            return list(self.check(snapshot, ctx))
