"""The Nextcloud accounts behind the contactpersonen in the usage (3.2) and users (3.3) reports.

Activity lives on the accounts, not in OpenRegister: who logged in within the last N days (per organisation
type), who never did, which accounts are disabled, and which have no contactpersoon. Before the first accounts
sync (or when it never saw an account, e.g. without admin rights) the figures say "not available" instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from reports.common import ReportOptions, mask_email, mask_name, not_available, t
from reports.model import Cell, Chart, Column, Figure, KeyFigure, Paragraph, Section, Series, Table
from store.accounts import (
    AccountLink,
    AccountTotals,
    count_account_totals,
    count_active_by_organisation_type,
    load_accounts_without_contact,
    load_disabled_accounts,
    load_never_logged_in,
)
from store.base import Store

__all__ = [
    "AccountFigures", "compute_accounts", "usage_figures", "usage_section", "users_figures", "users_section",
]  # fmt: skip


@dataclass(frozen=True)
class AccountFigures:
    totals: AccountTotals
    active_days: int
    active_by_type: dict[str | None, int]
    never: list[AccountLink]
    disabled: list[AccountLink]
    without_contact: list[AccountLink]

    @property
    def active(self) -> int:
        return sum(self.active_by_type.values())


def compute_accounts(store: Store, options: ReportOptions) -> AccountFigures | None:
    """The account figures now; None before any account was synced."""
    with store.sessions() as session:
        totals = count_account_totals(session)
        if totals.live == 0:
            return None
        since = options.now - timedelta(days=options.active_days)
        return AccountFigures(
            totals=totals,
            active_days=options.active_days,
            active_by_type=count_active_by_organisation_type(session, since=since),
            never=load_never_logged_in(session),
            disabled=load_disabled_accounts(session),
            without_contact=load_accounts_without_contact(session),
        )


def usage_figures(figures: AccountFigures | None, lang: str) -> tuple[KeyFigure, KeyFigure]:
    if figures is None:
        return (
            not_available(lang, "active_users", "usage.k.active_users"),
            not_available(lang, "never_logged_in", "usage.k.never_logged_in"),
        )
    detail = t(lang, "accounts.within_days", days=figures.active_days)
    return (
        KeyFigure("active_users", t(lang, "usage.k.active_users"), figures.active, detail),
        KeyFigure("never_logged_in", t(lang, "usage.k.never_logged_in"), figures.totals.never_logged_in),
    )


def _type_label(lang: str, kind: str | None) -> str:
    return kind if kind else t(lang, "accounts.no_contact")


def usage_section(figures: AccountFigures | None, lang: str) -> Section:
    """Active users per organisation type, with a chart; accounts that never logged in."""
    if figures is None:
        return Section("users", t(lang, "usage.users"), (Paragraph(t(lang, "usage.users_not_available")),))
    ranked = sorted(figures.active_by_type.items(), key=lambda item: (-item[1], item[0] or "~"))
    rows = [(_type_label(lang, kind), count) for kind, count in ranked]
    columns = (
        Column("organisation_type", t(lang, "col.organisation_type")),
        Column("active_users", t(lang, "col.active_users"), "int"),
    )
    title = t(lang, "accounts.active_table", days=figures.active_days)
    table = Table("active_users", title, columns, rows, empty=t(lang, "none"))
    parts = ", ".join(f"{label}: {count}" for label, count in rows)
    chart = Chart(
        "active_users",
        title,
        "bar",
        tuple(label for label, _ in rows),
        (Series(t(lang, "col.active_users"), tuple(float(count) for _, count in rows)),),
        t(lang, "accounts.active_desc", days=figures.active_days, parts=parts or t(lang, "none")),
    )
    totals = figures.totals
    counts = {"never": totals.never_logged_in, "disabled": totals.disabled, "without": totals.without_contact}
    text = t(lang, "accounts.totals", live=totals.live, **counts)
    return Section("users", t(lang, "usage.users"), (Paragraph(text), Figure(chart, table)))


def users_figures(figures: AccountFigures | None, lang: str) -> tuple[KeyFigure, KeyFigure]:
    if figures is None:
        return (
            not_available(lang, "never_used", "users.k.never_used"),
            not_available(lang, "disabled", "users.k.disabled"),
        )
    return (
        KeyFigure("never_used", t(lang, "users.k.never_used"), figures.totals.never_logged_in),
        KeyFigure("disabled", t(lang, "users.k.disabled"), figures.totals.disabled),
    )


def users_section(
    figures: AccountFigures | None, options: ReportOptions, org_names: dict[str, str]
) -> Section:
    """Accounts never used, disabled, and without a contactpersoon; names and e-mail masked by setting."""
    lang = options.lang
    if figures is None:
        unavailable = Paragraph(t(lang, "users.accounts_not_available"))
        return Section("accounts", t(lang, "users.accounts"), (unavailable,))
    columns = (
        Column("account", t(lang, "col.account")),
        Column("email", t(lang, "col.email")),
        Column("organisation", t(lang, "col.organisation"), "link"),
        Column("first_seen", t(lang, "col.first_seen"), "datetime"),
    )

    def rows(links: list[AccountLink]) -> list[tuple[Cell, ...]]:
        return [
            (
                _account_name(link, options),
                mask_email(link.account.email, options.show_personal_data),
                options.links.link(
                    "organisation", link.organisation_id, org_names.get(link.organisation_id or "")
                ),
                link.account.first_seen,
            )
            for link in links
        ]

    none = t(lang, "none")
    blocks = (
        Table("never_used", t(lang, "accounts.never_table"), columns, rows(figures.never), empty=none),
        Table("disabled", t(lang, "accounts.disabled_table"), columns, rows(figures.disabled), empty=none),
        Table("without_contact", t(lang, "accounts.without_table"), columns, rows(figures.without_contact),
              empty=none),  # fmt: skip
    )
    return Section("accounts", t(lang, "users.accounts"), blocks)


def _account_name(link: AccountLink, options: ReportOptions) -> str:
    """The display name, or a stable pseudonym of the account when personal data is hidden."""
    return mask_name(options.lang, link.account.uid, link.account.display_name, options.show_personal_data)
