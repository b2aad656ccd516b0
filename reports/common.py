"""What every report shares: its options (language, links, personal data, list sizes), the message
catalogue of report labels (reports/messages), links to catalogue objects, and masking of personal data."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from config.i18n import MessageCatalogue
from reports.model import KeyFigure, Language, Link

__all__ = [
    "ObjectLinks",
    "ReportOptions",
    "labels",
    "not_available",
    "of_total",
    "mask_email",
    "mask_name",
    "percent",
    "t",
]

_CATALOGUE = MessageCatalogue("reports")


def t(lang: str, key: str, **params: Any) -> str:
    """The report label `key` in `lang` (nl, en) with its placeholders filled in."""
    return _CATALOGUE.t(key, lang, **params)


@dataclass(frozen=True)
class ObjectLinks:
    """Links to objects in the catalogue's web interface from a pattern with {kind}, {schema} and {id}."""

    pattern: str | None = None
    schemas: Mapping[str, str] = field(default_factory=dict)

    def link(self, kind: str, object_id: str | None, text: str | None) -> Link:
        shown = text or (object_id or "?")
        if not self.pattern or not object_id:
            return Link(shown)
        url = self.pattern.format(kind=kind, schema=self.schemas.get(kind, kind), id=object_id)
        return Link(shown, url)


@dataclass(frozen=True)
class ReportOptions:
    """The settings every report needs, as plain values (built from Settings in swc_beheer.wiring)."""

    lang: Language = "nl"
    links: ObjectLinks = field(default_factory=ObjectLinks)
    show_personal_data: bool = False
    top: int = 20
    recent_days: int = 30
    active_days: int = 90  # a user is active who logged in within this many days
    now: datetime = field(default_factory=lambda: datetime.now(UTC))


def labels(lang: str, generated_at: datetime, extra: str = "") -> dict[str, str]:
    """The words the page template needs, in `lang`."""
    when = generated_at.strftime("%Y-%m-%d %H:%M UTC")
    return {
        "summary": t(lang, "summary"),
        "contents": t(lang, "contents"),
        "skip": t(lang, "skip"),
        "not_available": t(lang, "not_available"),
        "generated": t(lang, "generated", when=when) + (f" {extra}" if extra else ""),
    }


def percent(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0


def of_total(lang: str, part: int, whole: int) -> str:
    """ "of 342 (88.0%)" in `lang`, numbers written the way `lang` writes them."""
    from reports.render import format_cell

    return t(
        lang,
        "of_total",
        total=format_cell(whole, "int", lang),
        percent=format_cell(percent(part, whole), "percent", lang),
    )


def _pseudonym(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:6]


def mask_name(lang: str, contact_id: str, name: str | None, show: bool) -> str:
    """The contact's name, or a stable pseudonym ("gebruiker 1a2b3c") when personal data is hidden."""
    if show:
        return name or "?"
    return t(lang, "masked_user", code=_pseudonym(contact_id))


def mask_email(email: str | None, show: bool) -> str:
    """The address, or only its domain ("•••@weesp.nl": which organisation, not who) when hidden."""
    if not email:
        return ""
    if show:
        return email
    domain = email.rsplit("@", 1)[1] if "@" in email else ""
    return f"•••@{domain}" if domain else "•••"


def not_available(lang: str, key: str, label_key: str) -> KeyFigure:
    """A summary figure that needs the Nextcloud accounts connector (not built yet)."""
    return KeyFigure(key, t(lang, label_key), None, t(lang, "needs_accounts"))
