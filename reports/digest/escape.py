"""Catalogue text made inert per format: no markup, no links, no mentions, whatever a catalogue user typed.

HTML is escaped by Jinja2's autoescape. The chat formats each get their own function, because what is
special differs: Slack reads `<!here>`, `<@U1>` and `<url|text>`; Markdown (Mattermost, Teams' TextBlock,
files) reads `[text](url)`, `*`, `_`, `#` and raw HTML. All chat formats notify on `@channel`, `@here`,
`@all` and `@name`, and link bare URLs: a zero-width space after the `@` (and in `://`) keeps the text
readable but no longer a mention or a link. (Teams' mobile clients have rendered backslash escapes
literally at times, microsoft/AdaptiveCards#5590: uglier, still inert, and the broken `://` keeps any
half-parsed link from pointing anywhere.)
"""

from __future__ import annotations

import re

__all__ = ["defuse_mentions", "inert_markdown", "inert_slack", "one_line"]

_ZWSP = "\u200b"
_MENTION = re.compile(r"@(?=\w)")
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>|#!~])")


def one_line(text: str) -> str:
    """Whitespace (newlines too) collapsed: catalogue text never starts a new block."""
    return re.sub(r"\s+", " ", text).strip()


def defuse_mentions(text: str) -> str:
    """No mentions, and no bare URLs either: every chat platform (and many Markdown viewers) links them."""
    return _MENTION.sub("@" + _ZWSP, text).replace("://", ":" + _ZWSP + "//")


def inert_markdown(text: str) -> str:
    """Text that CommonMark-like renderers (Mattermost, Teams, files) show literally, without mentions."""
    return defuse_mentions(_MD_SPECIAL.sub(r"\\\1", one_line(text)))


def inert_slack(text: str) -> str:
    """Text for Slack mrkdwn: `&`, `<` and `>` escaped as Slack documents, formatting characters and
    mentions defused (Slack has no backslash escape, so a zero-width space breaks `*bold*` and the like)."""
    escaped = one_line(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return defuse_mentions(re.sub(r"([*_~`])", "\\1" + _ZWSP, escaped))
