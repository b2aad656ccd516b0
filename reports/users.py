"""The user overview (journey step 3.3): users per organisation and role, organisations without an
Organisatie-beheerder, recently added users. Names and e-mail addresses are masked unless the setting
SWC_REPORTS__SHOW_PERSONAL_DATA allows them. Account activity (never used, disabled, no contactpersoon)
comes from the Nextcloud accounts (reports/accounts.py), "not available" until they are synchronised.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from reports.accounts import AccountFigures, compute_accounts, users_figures, users_section
from reports.common import ReportOptions, labels, mask_email, mask_name, t
from reports.model import Cell, Chart, Column, Figure, KeyFigure, Report, Section, Series, Table
from store.base import Store
from store.report_reads import read_rows

__all__ = ["ADMIN_ROLE", "UserNumbers", "build_users_report", "compute_users", "users_report"]

ADMIN_ROLE = "organisatie-beheerder"  # compared case-insensitively, as reconcile's rule does


@dataclass(frozen=True, slots=True)
class UserRow:
    id: str
    name: str | None
    email: str | None
    organisation_id: str | None
    roles: tuple[str, ...]
    added: datetime | None


@dataclass
class UserNumbers:
    users: list[UserRow]
    org_names: dict[str, str]
    org_types: dict[str, str]
    accounts: AccountFigures | None = None  # the Nextcloud accounts behind the contactpersonen

    def users_per_org(self) -> Counter[str]:
        return Counter(u.organisation_id for u in self.users if u.organisation_id)

    def role_counts(self) -> Counter[str]:
        return Counter(role for u in self.users for role in (u.roles or ("",)))

    def without_admin(self) -> list[str]:
        """Live organisations none of whose users has the role Organisatie-beheerder, by name."""
        admins = {u.organisation_id for u in self.users if any(r.casefold() == ADMIN_ROLE for r in u.roles)}
        return sorted(
            (o for o in self.org_names if o not in admins), key=lambda o: self.org_names[o].casefold()
        )

    def recent(self, since: datetime) -> list[UserRow]:
        found = [u for u in self.users if u.added is not None and u.added >= since]
        return sorted(found, key=lambda u: u.added or since, reverse=True)


def _name(first: Any, infix: Any, last: Any) -> str | None:
    return " ".join(p for p in (first, infix, last) if p) or None


def compute_users(store: Store) -> UserNumbers:
    columns = (
        "id",
        "first_name",
        "infix",
        "last_name",
        "email",
        "organisation_id",
        "roles",
        "remote_created",
        "first_seen",
    )
    with store.transaction() as session:
        users = [
            UserRow(r[0], _name(r[1], r[2], r[3]), r[4], r[5], tuple(r[6]), r[7] or r[8])
            for r in read_rows(session, "contact", columns)
        ]
        orgs = list(read_rows(session, "organisation", ("id", "name", "type")))
    return UserNumbers(users, {o[0]: o[1] or o[0] for o in orgs}, {o[0]: o[2] or "" for o in orgs})


def build_users_report(store: Store, options: ReportOptions) -> Report:
    numbers = compute_users(store)
    numbers.accounts = compute_accounts(store, options)
    return users_report(numbers, options)


def users_report(numbers: UserNumbers, options: ReportOptions) -> Report:
    lang = options.lang
    since = options.now - timedelta(days=options.recent_days)
    recent = numbers.recent(since)
    without = numbers.without_admin()
    per_org = numbers.users_per_org()
    summary = (
        KeyFigure("users", t(lang, "users.k.users"), len(numbers.users)),
        KeyFigure("organisations", t(lang, "users.k.organisations"), len(per_org)),
        KeyFigure("without_admin", t(lang, "users.k.without_admin"), len(without)),
        KeyFigure("recent", t(lang, "users.k.recent"), len(recent)),
        *users_figures(numbers.accounts, lang),
    )
    sections = (
        _roles(numbers, lang),
        _per_org(numbers, options),
        _without_admin(numbers, without, options),
        _recent(numbers, recent, options),
        users_section(numbers.accounts, options, numbers.org_names),
    )
    return Report(
        name="users",
        lang=lang,
        title=t(lang, "users.title"),
        generated_at=options.now,
        summary=summary,
        summary_text=() if options.show_personal_data else (t(lang, "users.masked"),),
        sections=sections,
        labels=labels(lang, options.now),
    )


def _role_label(role: str, lang: str) -> str:
    return role or t(lang, "users.no_role")


def _roles(numbers: UserNumbers, lang: str) -> Section:
    counts = numbers.role_counts().most_common()
    rows = [(_role_label(role, lang), count) for role, count in counts]
    table = Table(
        "roles",
        t(lang, "users.roles_table"),
        (Column("role", t(lang, "col.role")), Column("users", t(lang, "col.users"), "int")),
        rows,
    )
    chart = Chart(
        "roles",
        t(lang, "users.roles_chart"),
        "bar",
        tuple(r[0] for r in rows),
        (Series(t(lang, "col.users"), tuple(float(r[1]) for r in rows)),),
        t(lang, "users.roles_desc", parts=", ".join(f"{r[0]}: {r[1]}" for r in rows)),
    )
    return Section("roles", t(lang, "users.roles"), (Figure(chart, table),))


def _per_org(numbers: UserNumbers, options: ReportOptions) -> Section:
    lang = options.lang
    roles = [role for role, _ in numbers.role_counts().most_common() if role]
    per_role: dict[str, Counter[str]] = {}
    for user in numbers.users:
        if user.organisation_id:
            per_role.setdefault(user.organisation_id, Counter()).update(set(user.roles))
    per_org = numbers.users_per_org()
    ordered = sorted(per_org, key=lambda o: (-per_org[o], (numbers.org_names.get(o) or o).casefold()))
    columns = (
        Column("organisation", t(lang, "col.organisation"), "link"),
        Column("type", t(lang, "col.type")),
        Column("users", t(lang, "col.users"), "int"),
        *(Column(f"role_{i}", role, "int") for i, role in enumerate(roles, 1)),
    )
    rows: list[tuple[Cell, ...]] = [
        (
            options.links.link("organisation", o, numbers.org_names.get(o)),
            numbers.org_types.get(o, ""),
            per_org[o],
            *(per_role.get(o, Counter())[role] for role in roles),
        )
        for o in ordered
    ]
    table = Table("per_organisation", t(lang, "users.per_org_table"), columns, rows, empty=t(lang, "none"))
    return Section("per-organisation", t(lang, "users.per_org"), (table,))


def _without_admin(numbers: UserNumbers, without: list[str], options: ReportOptions) -> Section:
    lang = options.lang
    per_org = numbers.users_per_org()
    rows = [
        (
            options.links.link("organisation", o, numbers.org_names[o]),
            numbers.org_types.get(o, ""),
            per_org[o],
        )
        for o in without
    ]
    columns = (
        Column("organisation", t(lang, "col.organisation"), "link"),
        Column("type", t(lang, "col.type")),
        Column("users", t(lang, "col.users"), "int"),
    )
    table = Table("without_admin", t(lang, "users.without_admin_table"), columns, rows, empty=t(lang, "none"))
    return Section("without-admin", t(lang, "users.without_admin"), (table,))


def _recent(numbers: UserNumbers, recent: list[UserRow], options: ReportOptions) -> Section:
    lang, show = options.lang, options.show_personal_data
    rows = [
        (
            options.links.link("contact", u.id, mask_name(lang, u.id, u.name, show)),
            mask_email(u.email, show),
            options.links.link(
                "organisation", u.organisation_id, numbers.org_names.get(u.organisation_id or "")
            ),
            ", ".join(u.roles),
            u.added,
        )
        for u in recent
    ]
    columns = (
        Column("name", t(lang, "col.name"), "link"),
        Column("email", t(lang, "col.email")),
        Column("organisation", t(lang, "col.organisation"), "link"),
        Column("roles", t(lang, "col.roles")),
        Column("added", t(lang, "col.added"), "datetime"),
    )
    title = t(lang, "users.recent_table", days=options.recent_days)
    return Section(
        "recent", t(lang, "users.recent"), (Table("recent", title, columns, rows, empty=t(lang, "none")),)
    )
