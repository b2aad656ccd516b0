"""Concept packages (journey step 3.1): per package the registering organisation, its age, and the existing
package it most likely duplicates, with the score.

A concept package is what reconcile's rule calls one (`is_concept_package`: registered by a gemeente). The
registering organisation is the one `geregistreerdDoor` names when it holds a uuid, else the object's
owning organisation (@self.organisation). Candidates for the duplicate are all other packages that are not
concept packages; the score is rapidfuzz's token_sort_ratio over normalised names (0-100).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
from rapidfuzz import fuzz, process

from connectors.catalogue_models import Organisation
from reconcile.model import PackageRef, Snapshot
from reconcile.register import normalise_name
from reconcile.rules.packages import is_concept_package
from reports.common import ReportOptions, labels, t
from reports.model import Cell, Column, KeyFigure, Paragraph, Report, Section, Table
from store.base import Store
from store.report_reads import read_rows

__all__ = ["ConceptPackage", "build_concepts_report", "compute_concepts", "concepts_report"]


@dataclass(frozen=True, slots=True)
class ConceptPackage:
    id: str
    name: str
    registering_org: str | None
    supplier_id: str | None
    created: datetime | None
    duplicate_id: str | None
    score: float | None


@dataclass
class ConceptNumbers:
    concepts: list[ConceptPackage]
    org_names: dict[str, str]
    package_names: dict[str, str]


def compute_concepts(store: Store) -> ConceptNumbers:
    columns = ("id", "name", "supplier_id", "registered_by", "tenant", "remote_created", "first_seen")
    with store.transaction() as session:
        orgs = list(read_rows(session, "organisation", ("id", "name", "type")))
        packages = list(read_rows(session, "package", columns))
    snap = Snapshot(
        organisations={o[0]: Organisation.model_construct(id=o[0], name=o[1], type=o[2]) for o in orgs}
    )
    concept_rows, others = [], {}
    for p in packages:
        ref = PackageRef(p[0], p[1], p[2], p[3], p[5])
        if is_concept_package(ref, snap):
            concept_rows.append(p)
        elif p[1]:
            others[p[0]] = normalise_name(p[1])
    best = _best_matches([normalise_name(str(row[1] or "")) for row in concept_rows], others)
    concepts = [_concept(row, match, snap) for row, match in zip(concept_rows, best, strict=True)]
    concepts.sort(key=lambda c: (c.created is None, c.created or datetime.max, c.name))
    return ConceptNumbers(
        concepts, {o[0]: o[1] or o[0] for o in orgs}, {p[0]: p[1] or p[0] for p in packages}
    )


_CHUNK = 256  # concept names scored at once: 256 x 50,000 packages is 12.8 MB of uint8 scores


def _best_matches(queries: list[str], others: dict[str, str]) -> list[tuple[str, float] | None]:
    """For each name, the best-scoring other package (id, score), all pairs scored on every core."""
    ids, names = list(others), list(others.values())
    found: list[tuple[str, float] | None] = []
    for start in range(0, len(queries), _CHUNK):
        chunk = queries[start : start + _CHUNK]
        if not names:
            found += [None] * len(chunk)
            continue
        scores = process.cdist(chunk, names, scorer=fuzz.token_sort_ratio, dtype=np.uint8, workers=-1)
        for query, row in zip(chunk, scores, strict=True):
            index = int(row.argmax())
            found.append((ids[index], float(row[index])) if query else None)
    return found


def _concept(row: tuple[object, ...], best: tuple[str, float] | None, snap: Snapshot) -> ConceptPackage:
    package_id, name, supplier, registered_by, tenant, created, first_seen = row
    value = str(registered_by or "").strip().lower()
    registering = value if value in snap.organisations else (str(tenant) if tenant else None)
    return ConceptPackage(
        str(package_id),
        str(name or package_id),
        registering,
        str(supplier) if supplier else None,
        created
        if isinstance(created, datetime)
        else first_seen
        if isinstance(first_seen, datetime)
        else None,
        best[0] if best else None,
        best[1] if best else None,
    )


def build_concepts_report(
    store: Store, options: ReportOptions, *, warn_days: int, duplicate_score: float
) -> Report:
    return concepts_report(
        compute_concepts(store), options, warn_days=warn_days, duplicate_score=duplicate_score
    )


def concepts_report(
    numbers: ConceptNumbers, options: ReportOptions, *, warn_days: int, duplicate_score: float
) -> Report:
    lang, links = options.lang, options.links
    ages = [(options.now - c.created).days if c.created else None for c in numbers.concepts]
    rows: list[tuple[Cell, ...]] = [
        (
            links.link("package", c.id, c.name),
            links.link("organisation", c.registering_org, numbers.org_names.get(c.registering_org or "")),
            links.link("organisation", c.supplier_id, numbers.org_names.get(c.supplier_id or "")),
            c.created,
            age,
            links.link("package", c.duplicate_id, numbers.package_names.get(c.duplicate_id or ""))
            if c.duplicate_id
            else "",
            c.score,
        )
        for c, age in zip(numbers.concepts, ages, strict=True)
    ]
    columns = (
        Column("package", t(lang, "col.package"), "link"),
        Column("registering_organisation", t(lang, "col.registering_organisation"), "link"),
        Column("supplier", t(lang, "col.supplier"), "link"),
        Column("created", t(lang, "col.created"), "datetime"),
        Column("age_days", t(lang, "col.age_days"), "int"),
        Column("duplicate", t(lang, "col.duplicate"), "link"),
        Column("score", t(lang, "col.score"), "float"),
    )
    summary = (
        KeyFigure("count", t(lang, "concepts.k.count"), len(rows)),
        KeyFigure(
            "older", t(lang, "concepts.k.older", days=warn_days), sum(1 for a in ages if a and a >= warn_days)
        ),
        KeyFigure(
            "likely_duplicates",
            t(lang, "concepts.k.likely_duplicates", score=duplicate_score),
            sum(1 for c in numbers.concepts if c.score is not None and c.score >= duplicate_score),
        ),
    )
    table = Table("concepts", t(lang, "concepts.table"), columns, rows, empty=t(lang, "none"))
    section = Section("concepts", t(lang, "concepts.list"), (Paragraph(t(lang, "concepts.explain")), table))
    return Report(
        name="concepts",
        lang=lang,
        title=t(lang, "concepts.title"),
        generated_at=options.now,
        summary=summary,
        sections=(section,),
        labels=labels(lang, options.now),
    )
