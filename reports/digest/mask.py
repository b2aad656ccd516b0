"""Personal data in digest text: e-mail addresses and phone numbers are masked before anything is stored.

A digest goes to chat channels and mailboxes outside the catalogue's access control, so it names what
changed, never whom to contact: `jan.jansen@gemeente.nl` becomes `j***@gemeente.nl`.
"""

from __future__ import annotations

import re

__all__ = ["mask_personal"]

_EMAIL = re.compile(r"\b([A-Za-z0-9])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})\b")
# Dutch numbers: 06-12345678, +31 6 1234 5678, 020-1234567 (ten digits with optional separators)
_PHONE = re.compile(r"(?<![\w/])(?:\+31[\s-]?|0031[\s-]?|0)(?:\d[\s-]?){8,9}\d?(?![\w/])")


def mask_personal(text: str) -> str:
    """`text` with e-mail addresses and phone numbers masked."""
    return _PHONE.sub("***", _EMAIL.sub(r"\1***@\2", text))
