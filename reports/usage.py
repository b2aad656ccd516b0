"""The usage report (journey step 3.2, issue #75): how much of the country uses the catalogue, and for what.

`compute_usage` turns the store's rows (now, or as of a date) into `UsageNumbers`; `usage_report` lays
them out as a `Report`. Definitions, also in docs/reporting.md:

- a current municipality is a gemeente of the register that exists on the as-of date (no openbare lichamen);
  it *has an application landscape* when a catalogue organisation matched to it (reconcile's matching:
  cbsCode, KvK, name) is the afnemer of at least one live gebruik;
- a package's municipalities are the distinct organisations of type gemeente with a gebruik of it;
- a supplier's customers are the distinct afnemers of gebruik of the supplier's packages;
- a koppeling is extern when it names a buitengemeentelijke voorziening, else intern.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from connectors.catalogue_models import Organisation
from reconcile.matching import match_catalogue
from reconcile.register import Register
from reports.accounts import AccountFigures, compute_accounts, usage_figures, usage_section
from reports.common import ReportOptions, labels, of_total, percent, t
from reports.growth import Growth, growth_section
from reports.model import Chart, Column, Figure, KeyFigure, Link, Report, Section, Series, Table
from store.base import Session, Store
from store.report_reads import UsageAggregates, read_rows, usage_aggregates

__all__ = ["MunicipalityUse", "UsageNumbers", "build_usage_report", "compute_usage", "usage_report"]


ORG_COLUMNS = ("id", "name", "type", "status", "cbs_code", "kvk")


@dataclass(frozen=True)
class MunicipalityUse:
    code: str
    name: str
    province: str
    org_ids: tuple[str, ...]
    usages: int

    @property
    def covered(self) -> bool:
        return self.usages > 0


@dataclass
class UsageNumbers:
    """Everything the usage report shows, as numbers (tests and the reporting views compare these)."""

    as_of: date
    municipalities: list[MunicipalityUse]
    org_names: dict[str, str]
    org_type_status: Counter[tuple[str, str]]
    supplier_customers: dict[str, int]
    supplier_packages: dict[str, int]
    package_municipalities: dict[str, int]
    package_usages: dict[str, int]
    package_names: dict[str, str]
    package_supplier: dict[str, str | None]
    usage_status: Counter[str]
    koppelingen: Counter[str]
    totals: dict[str, int] = field(default_factory=dict)
    usages_per_organisation: Counter[str] = field(default_factory=Counter)
    growth: Growth | None = None
    accounts: AccountFigures | None = None  # the Nextcloud accounts, now (not as of a date)

    @property
    def covered(self) -> int:
        return sum(1 for m in self.municipalities if m.covered)

    def by_province(self) -> list[tuple[str, int, int]]:
        """(province, current municipalities, with gebruik), by province name."""
        found: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for muni in self.municipalities:
            found[muni.province][0] += 1
            found[muni.province][1] += int(muni.covered)
        return [(p, total, covered) for p, (total, covered) in sorted(found.items())]


def compute_usage(store: Store, register: Register, *, as_of: datetime | None, today: date) -> UsageNumbers:
    """The usage numbers of the store now (as_of None: counted by the database) or as the store knew them
    at `as_of` (every object in its version of then, counted here)."""
    with store.transaction() as session:
        orgs = list(
            read_rows(
                session, "organisation", ("id", "name", "type", "status", "cbs_code", "kvk"), as_of=as_of
            )
        )
        packages = list(read_rows(session, "package", ("id", "name", "supplier_id"), as_of=as_of))
        counts = (
            usage_aggregates(session) if as_of is None else _aggregate_as_of(session, as_of, orgs, packages)
        )
    when = as_of.date() if as_of else today
    per_org = Counter(counts.per_organisation)
    koppelingen = Counter(counts.koppelingen)
    return UsageNumbers(
        as_of=when,
        municipalities=_municipalities(orgs, register, when, per_org),
        org_names={row[0]: row[1] or row[0] for row in orgs},
        org_type_status=Counter((row[2] or "", row[3] or "") for row in orgs),
        supplier_customers=counts.supplier_customers,
        supplier_packages=dict(Counter(p[2] for p in packages if p[2])),
        package_municipalities=counts.package_municipalities,
        package_usages=counts.package_usages,
        package_names={p[0]: p[1] or p[0] for p in packages},
        package_supplier={p[0]: p[2] for p in packages},
        usage_status=Counter(counts.status),
        koppelingen=koppelingen,
        totals={
            "organisation": len(orgs),
            "contact": counts.contacts,
            "package": len(packages),
            "usage": counts.usages,
            "koppeling": sum(koppelingen.values()),
        },
        usages_per_organisation=per_org,
    )


def _aggregate_as_of(
    session: Session, as_of: datetime, orgs: list[tuple[Any, ...]], packages: list[tuple[Any, ...]]
) -> UsageAggregates:
    """The same counts as the database gives for now, from the objects as they were at `as_of`."""
    usages = list(read_rows(session, "usage", ("organisation_id", "package_id", "status"), as_of=as_of))
    org_type = {row[0]: row[2] or "" for row in orgs}
    supplier_of = {p[0]: p[2] for p in packages}
    municipalities: dict[str, set[str]] = defaultdict(set)
    customers: dict[str, set[str]] = defaultdict(set)
    for org_id, package_id, _ in usages:
        if package_id and org_id:
            if org_type.get(org_id) == "gemeente":
                municipalities[package_id].add(org_id)
            if supplier_of.get(package_id):
                customers[supplier_of[package_id]].add(org_id)
    koppelingen = Counter(
        "extern" if external else "intern"
        for (external,) in read_rows(session, "koppeling", ("external_id",), as_of=as_of)
    )
    return UsageAggregates(
        per_organisation=dict(Counter(u[0] for u in usages if u[0])),
        status=dict(Counter(u[2] or "" for u in usages)),
        package_usages=dict(Counter(u[1] for u in usages if u[1])),
        package_municipalities={p: len(o) for p, o in municipalities.items()},
        supplier_customers={s: len(o) for s, o in customers.items()},
        koppelingen=dict(koppelingen),
        contacts=sum(1 for _ in read_rows(session, "contact", ("id",), as_of=as_of)),
        usages=len(usages),
    )


def _municipalities(
    orgs: list[tuple[Any, ...]], register: Register, when: date, per_org: Counter[str]
) -> list[MunicipalityUse]:
    gemeenten = [
        Organisation.model_construct(id=r[0], name=r[1], type=r[2], status=r[3], cbs_code=r[4], kvk=r[5])
        for r in orgs
        if r[2] == "gemeente"
    ]
    by_code = match_catalogue(gemeenten, register, when).by_code()
    return [
        MunicipalityUse(
            m.code,
            m.name,
            m.province or "?",
            tuple(sorted(by_code.get(m.code, []))),
            sum(per_org.get(org_id, 0) for org_id in by_code.get(m.code, [])),
        )
        for m in register.active(when)
    ]


# ---------------------------------------------------------------- layout


def build_usage_report(
    store: Store, register: Register, options: ReportOptions, *, as_of: datetime | None = None
) -> Report:
    """Compute and lay out the usage report (growth per month included)."""
    from reports.growth import compute_growth

    numbers = compute_usage(store, register, as_of=as_of, today=options.now.date())
    numbers.growth = compute_growth(store, until=as_of or options.now)
    if as_of is None:  # the accounts keep no activity history: their figures are today's only
        numbers.accounts = compute_accounts(store, options)
    return usage_report(numbers, options, as_of=as_of)


def usage_report(numbers: UsageNumbers, options: ReportOptions, *, as_of: datetime | None = None) -> Report:
    lang = options.lang
    sections = [
        _coverage(numbers, options),
        _organisations(numbers, lang),
        _suppliers(numbers, options),
        _packages(numbers, options),
        _koppelingen(numbers, lang),
        usage_section(numbers.accounts, lang),
    ]
    if numbers.growth is not None:
        sections.append(growth_section(numbers.growth, lang))
    return Report(
        name="usage",
        lang=lang,
        title=t(lang, "usage.title"),
        subtitle=t(lang, "as_of", date=numbers.as_of.isoformat()),
        generated_at=options.now,
        summary=_summary(numbers, lang),
        sections=tuple(sections),
        labels=labels(lang, options.now),
        as_of=as_of,
    )


def _summary(numbers: UsageNumbers, lang: str) -> tuple[KeyFigure, ...]:
    total = len(numbers.municipalities)
    return (
        KeyFigure(
            "municipalities_covered",
            t(lang, "usage.k.covered"),
            numbers.covered,
            of_total(lang, numbers.covered, total),
        ),
        KeyFigure("organisations", t(lang, "usage.k.organisations"), numbers.totals["organisation"]),
        KeyFigure("users", t(lang, "usage.k.users"), numbers.totals["contact"]),
        KeyFigure("packages", t(lang, "usage.k.packages"), numbers.totals["package"]),
        KeyFigure("usages", t(lang, "usage.k.usages"), numbers.totals["usage"]),
        KeyFigure("koppelingen", t(lang, "usage.k.koppelingen"), numbers.totals["koppeling"]),
        *usage_figures(numbers.accounts, lang),
    )


def _coverage(numbers: UsageNumbers, options: ReportOptions) -> Section:
    lang = options.lang
    rows = [(p, total, covered, percent(covered, total)) for p, total, covered in numbers.by_province()]
    table = Table(
        "coverage_by_province",
        t(lang, "usage.coverage_by_province"),
        (
            Column("province", t(lang, "col.province")),
            Column("municipalities", t(lang, "col.municipalities"), "int"),
            Column("with_usage", t(lang, "col.with_usage"), "int"),
            Column("percent", t(lang, "col.percent"), "percent"),
        ),
        rows,
    )
    chart = Chart(
        "coverage",
        t(lang, "usage.coverage_chart"),
        "barh",
        tuple(r[0] for r in rows),
        (Series(t(lang, "col.percent"), tuple(r[3] for r in rows)),),
        t(
            lang,
            "usage.coverage_desc",
            covered=numbers.covered,
            total=len(numbers.municipalities),
            best=max(rows, key=lambda r: r[3])[0] if rows else "-",
            worst=min(rows, key=lambda r: r[3])[0] if rows else "-",
        ),
        value_label="%",
    )
    missing = [m for m in numbers.municipalities if not m.covered]
    without = Table(
        "without_usage",
        t(lang, "usage.without_usage"),
        (
            Column("code", t(lang, "col.code")),
            Column("name", t(lang, "col.municipality")),
            Column("province", t(lang, "col.province")),
            Column("organisation", t(lang, "col.organisation"), "link"),
        ),
        [(m.code, m.name, m.province, _org_cell(m, numbers, options)) for m in missing],
        empty=t(lang, "none"),
    )
    return Section("coverage", t(lang, "usage.coverage"), (Figure(chart, table), without))


def _org_cell(muni: MunicipalityUse, numbers: UsageNumbers, options: ReportOptions) -> Link:
    if not muni.org_ids:
        return Link(t(options.lang, "usage.not_in_catalogue"))
    org_id = muni.org_ids[0]
    return options.links.link("organisation", org_id, numbers.org_names.get(org_id))


def _organisations(numbers: UsageNumbers, lang: str) -> Section:
    rows = sorted(
        ((k[0] or "?", k[1] or "?", n) for k, n in numbers.org_type_status.items()),
        key=lambda r: (-r[2], r[0], r[1]),
    )
    by_type: Counter[str] = Counter()
    for kind, _, count in rows:
        by_type[kind] += count
    table = Table(
        "organisations",
        t(lang, "usage.organisations_table"),
        (
            Column("type", t(lang, "col.type")),
            Column("status", t(lang, "col.status")),
            Column("count", t(lang, "col.count"), "int"),
        ),
        rows,
    )
    top = by_type.most_common()
    chart = Chart(
        "organisation_types",
        t(lang, "usage.organisations_chart"),
        "bar",
        tuple(k for k, _ in top),
        (Series(t(lang, "col.count"), tuple(float(n) for _, n in top)),),
        t(lang, "usage.organisations_desc", parts=", ".join(f"{k}: {n}" for k, n in top)),
    )
    return Section("organisations", t(lang, "usage.organisations"), (Figure(chart, table),))


def _suppliers(numbers: UsageNumbers, options: ReportOptions) -> Section:
    lang = options.lang
    ranked = sorted(
        numbers.supplier_packages,
        key=lambda s: (-numbers.supplier_customers.get(s, 0), numbers.org_names.get(s, s)),
    )
    top = ranked[: options.top]
    rows = [
        (
            options.links.link("organisation", s, numbers.org_names.get(s)),
            numbers.supplier_customers.get(s, 0),
            numbers.supplier_packages.get(s, 0),
        )
        for s in top
    ]
    table = Table(
        "suppliers",
        t(lang, "usage.suppliers_table"),
        (
            Column("supplier", t(lang, "col.supplier"), "link"),
            Column("customers", t(lang, "col.customers"), "int"),
            Column("packages", t(lang, "col.packages"), "int"),
        ),
        rows,
        note=t(lang, "top_of", shown=len(top), total=len(ranked)),
    )
    chart = Chart(
        "suppliers",
        t(lang, "usage.suppliers_chart", top=len(top)),
        "barh",
        tuple(str(r[0]) for r in rows),
        (Series(t(lang, "col.customers"), tuple(float(r[1]) for r in rows)),),
        _ranking_text(lang, [(str(r[0]), r[1]) for r in rows]),
        value_label=t(lang, "col.customers"),
    )
    return Section("suppliers", t(lang, "usage.suppliers"), (Figure(chart, table),))


def _ranking_text(lang: str, ranked: list[tuple[str, int]]) -> str:
    if not ranked:
        return t(lang, "none")
    head = ", ".join(f"{name} ({count})" for name, count in ranked[:5])
    return t(lang, "ranking_desc", count=len(ranked), head=head)


def _packages(numbers: UsageNumbers, options: ReportOptions) -> Section:
    lang = options.lang
    ranked = sorted(
        numbers.package_names,
        key=lambda p: (
            -numbers.package_municipalities.get(p, 0),
            -numbers.package_usages.get(p, 0),
            numbers.package_names[p],
        ),
    )
    top = ranked[: options.top]
    rows = [
        (
            options.links.link("package", p, numbers.package_names[p]),
            _supplier_name(numbers, numbers.package_supplier.get(p)),
            numbers.package_municipalities.get(p, 0),
            numbers.package_usages.get(p, 0),
        )
        for p in top
    ]
    table = Table(
        "packages",
        t(lang, "usage.packages_table"),
        (
            Column("package", t(lang, "col.package"), "link"),
            Column("supplier", t(lang, "col.supplier")),
            Column("municipalities", t(lang, "col.municipalities"), "int"),
            Column("usages", t(lang, "col.usages"), "int"),
        ),
        rows,
        note=t(lang, "top_of", shown=len(top), total=len(ranked)),
    )
    chart = Chart(
        "packages",
        t(lang, "usage.packages_chart", top=len(top)),
        "barh",
        tuple(str(r[0]) for r in rows),
        (Series(t(lang, "col.municipalities"), tuple(float(r[2]) for r in rows)),),
        _ranking_text(lang, [(str(r[0]), int(r[2])) for r in rows]),
        value_label=t(lang, "col.municipalities"),
    )
    return Section(
        "packages", t(lang, "usage.packages"), (Figure(chart, table), _status_figure(numbers, lang))
    )


def _supplier_name(numbers: UsageNumbers, supplier: str | None) -> str:
    return numbers.org_names.get(supplier, supplier) if supplier else ""


def _status_figure(numbers: UsageNumbers, lang: str) -> Figure:
    total = sum(numbers.usage_status.values())
    items = numbers.usage_status.most_common()
    rows = [(s or t(lang, "unknown"), n, percent(n, total)) for s, n in items]
    table = Table(
        "usage_status",
        t(lang, "usage.status_table"),
        (
            Column("status", t(lang, "col.status")),
            Column("count", t(lang, "col.count"), "int"),
            Column("percent", t(lang, "col.percent"), "percent"),
        ),
        rows,
    )
    chart = Chart(
        "usage_status",
        t(lang, "usage.status_chart"),
        "bar",
        tuple(str(r[0]) for r in rows),
        (Series(t(lang, "col.count"), tuple(float(r[1]) for r in rows)),),
        t(lang, "usage.status_desc", parts=", ".join(f"{r[0]}: {r[1]}" for r in rows)),
    )
    return Figure(chart, table)


def _koppelingen(numbers: UsageNumbers, lang: str) -> Section:
    total = sum(numbers.koppelingen.values())
    rows = [
        (
            t(lang, f"usage.{kind}"),
            numbers.koppelingen.get(kind, 0),
            percent(numbers.koppelingen.get(kind, 0), total),
        )
        for kind in ("intern", "extern")
    ]
    table = Table(
        "koppelingen",
        t(lang, "usage.koppelingen_table"),
        (
            Column("kind", t(lang, "col.kind")),
            Column("count", t(lang, "col.count"), "int"),
            Column("percent", t(lang, "col.percent"), "percent"),
        ),
        rows,
    )
    chart = Chart(
        "koppelingen",
        t(lang, "usage.koppelingen_chart"),
        "bar",
        tuple(r[0] for r in rows),
        (Series(t(lang, "col.count"), tuple(float(r[1]) for r in rows)),),
        t(lang, "usage.koppelingen_desc", intern=rows[0][1], extern=rows[1][1]),
    )
    return Section("koppelingen", t(lang, "usage.koppelingen"), (Figure(chart, table),))
