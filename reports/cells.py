"""Text from the catalogue made safe for one cell of a report: control characters made visible.

XLSX (its XML) cannot hold C0 control characters at all, and in CSV, HTML and Markdown they are invisible
or corrupt the line. Each is shown as its Unicode "control picture" (U+2400-U+241F, U+2421 for DEL: NUL
reads as "␀"), so the reader sees that the catalogue holds one. Tab, line feed and carriage return stay:
every format can hold them, and each renderer decides about line breaks.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["visible_controls"]

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _picture(match: re.Match[str]) -> str:
    code = ord(match.group())
    return "\u2421" if code == 0x7F else chr(0x2400 + code)


def visible_controls(value: Any) -> Any:
    """`value` with each control character but tab, LF and CR replaced by its control picture; non-text
    values unchanged."""
    if isinstance(value, str) and _CONTROL.search(value):
        # the same type back: a Jinja Markup (already escaped) must stay Markup, not be escaped again
        return type(value)(_CONTROL.sub(_picture, value))
    return value
