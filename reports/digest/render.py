"""Render a stored digest payload as text, HTML or Markdown (Jinja2 templates; the subject line)."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any, Literal

import jinja2

from reports.digest.escape import inert_markdown
from reports.digest.i18n import t

__all__ = ["Format", "FORMATS", "render_body", "render_subject"]

Format = Literal["text", "html", "md"]
FORMATS: tuple[Format, ...] = ("text", "html", "md")
_TEMPLATES = {"text": "digest.txt.j2", "html": "digest.html.j2", "md": "digest.md.j2"}


@cache
def _environment(autoescape: bool) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("reports.digest", "templates"),
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = inert_markdown
    return env


def _dates(payload: dict[str, Any]) -> tuple[str, str]:
    period = payload["period"]
    start = datetime.fromisoformat(period["start"]).date().isoformat()
    end = datetime.fromisoformat(period["end"]).date().isoformat()
    return start, end


def render_subject(payload: dict[str, Any]) -> str:
    start, end = _dates(payload)
    key = "subject.nothing_new" if payload.get("nothing_new") else "subject"
    return t(payload["lang"], key, start=start, end=end)


def render_body(payload: dict[str, Any], fmt: Format, *, key: str, chart_src: str | None = None) -> str:
    """The digest in `fmt`; `key` (the idempotency key) is named in the footer, `chart_src` is an img src."""
    lang = payload["lang"]
    start, end = _dates(payload)

    def tr(name: str, **params: Any) -> str:
        return t(lang, name, **params)

    template = _environment(fmt == "html").get_template(_TEMPLATES[fmt])
    return template.render(
        p=payload, t=tr, start=start, end=end, key=key, subject=render_subject(payload), chart_src=chart_src
    )
