"""Personal data in digest text: e-mail addresses and phone numbers are masked before anything is stored.

A digest goes to chat channels and mailboxes outside the catalogue's access control, so it names what
changed, never whom to contact: `jan.jansen@gemeente.nl` becomes `j***@gemeente.nl`.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["mask_personal", "mask_person_params", "PERSON_RULES"]

# Findings about a user (contactpersoon): their name and e-mail are in the finding's params.
PERSON_RULES = frozenset(
    {"user_without_organisation", "user_of_deleted_organisation", "invalid_email", "duplicate_email"}
)

_EMAIL = re.compile(r"\b([A-Za-z0-9])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})\b")
# Dutch numbers: 06-12345678, +31 6 1234 5678, 020-1234567 (ten digits with optional separators)
_PHONE = re.compile(r"(?<![\w/])(?:\+31[\s-]?|0031[\s-]?|0)(?:\d[\s-]?){8,9}\d?(?![\w/])")


def mask_personal(text: str) -> str:
    """`text` with e-mail addresses and phone numbers masked."""
    return _PHONE.sub("***", _EMAIL.sub(r"\1***@\2", text))


def _initials(name: str) -> str:
    return " ".join(part[0] + "." for part in name.split() if part)


def mask_person_params(rule: str, params: dict[str, Any]) -> dict[str, Any]:
    """A user finding's params: the name reduced to initials, the e-mail address to its first letter."""
    if rule not in PERSON_RULES:
        return params
    masked = dict(params)
    if isinstance(masked.get("name"), str):
        masked["name"] = _initials(masked["name"])
    if isinstance(masked.get("email"), str) and masked["email"]:
        masked["email"] = masked["email"][0] + "***"
    return masked
