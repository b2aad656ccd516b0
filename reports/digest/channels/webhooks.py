"""Chat webhooks: Microsoft Teams (Workflows, Adaptive Card), Slack (Block Kit), Mattermost (Markdown).

Each payload is built from the stored digest payload and kept within its platform's documented limits;
what does not fit is cut and replaced by a pointer to the full report:

- Teams Workflows ("Post card in a chat or channel"): a message is at most about 28 KB including the card
  (learn.microsoft.com/connectors/teams, "Message size limit"); we stay under 27,000 bytes of JSON.
  The card is Adaptive Card schema 1.4, which the Teams clients render; HTML in it is shown as text.
- Slack incoming webhook (api.slack.com/reference/block-kit/blocks): at most 50 blocks per message,
  a section's text at most 3,000 characters, a header's at most 150, a context block at most 10 elements;
  the top-level `text` (the notification fallback) is truncated by Slack at 40,000 characters.
- Mattermost incoming webhook: a post's `text` is at most 16,383 characters (the server's maximum post
  size since 5.0; docs.mattermost.com "incoming webhooks", "Tips and best practices").

The digest's idempotency key is in every payload (footer), so a re-delivery after a crash is recognisable.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from reports.digest.channels.base import DeliveryConfigError, TransientDeliveryError, report_pointer
from reports.digest.escape import inert_markdown, inert_slack
from reports.digest.i18n import t
from store.outbox import OutboxEntry

__all__ = [
    "WebhookChannel",
    "teams_payload",
    "slack_payload",
    "mattermost_payload",
    "TEAMS_MAX_BYTES",
    "SLACK_MAX_BLOCKS",
    "SLACK_SECTION_CHARS",
    "SLACK_HEADER_CHARS",
    "MATTERMOST_MAX_CHARS",
]

TEAMS_MAX_BYTES = 27_000
SLACK_MAX_BLOCKS = 50
SLACK_SECTION_CHARS = 3_000
SLACK_HEADER_CHARS = 150
SLACK_CONTEXT_ELEMENTS = 10
MATTERMOST_MAX_CHARS = 16_383


def _cut(text: str, limit: int, tail: str) -> str:
    """`text` if it fits in `limit` characters, else its start plus `tail`, within the limit."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - len(tail) - 1)].rstrip() + "\n" + tail


def _cut_notice(entry: OutboxEntry) -> str:
    href = report_pointer(entry.payload) or "swc-beheer digest preview"
    return t(entry.lang, "cut", href=href)  # our own setting, not catalogue text


# -- the sections every chat format shows, as (title, [lines]) with catalogue text escaped by `esc` --------


def _sections(entry: OutboxEntry, esc: Callable[[str], str]) -> list[tuple[str, list[str]]]:
    p, lang = entry.payload, entry.lang
    if p.get("nothing_new"):
        return []
    headline = [f"{h['label']}: {h['value']}" + (f" ({h['delta']:+d})" if h.get("delta") else "")
                for h in p["headline"]]  # fmt: skip
    findings = [t(lang, "findings.counts", **p["findings"]["counts"])]
    for step in p["findings"]["steps"]:
        findings.append(f"{esc(step['title'])}: {step['counts_text']}")
        findings += [f"  • {f['severity_label']}, {f['kind_label']}: {esc(f['text'])}" for f in step["top"]]
        if step["more"]:
            findings.append(f"  {step['more_text']}")
    journey = [esc(c["text"]) for c in p["journey"]["steps"] + p["journey"]["issues"]] or [
        t(lang, "journey.none")
    ]
    cat = p["catalogue"]
    catalogue = [
        cat[k]["text"] + (": " + ", ".join(esc(n) for n in cat[k]["names"]) if cat[k]["names"] else "")
        for k in ("new_organisations", "suppliers_waiting", "new_concept_packages")
    ] + [text for text in (cat["deletions_text"], cat["held_deletions_text"]) if text]
    sections = [
        (t(lang, "headline.title"), headline),
        (t(lang, "findings.title"), findings),
        (t(lang, "journey.title"), journey),
        (t(lang, "catalogue.title"), catalogue),
    ]
    if p["failed"]:
        sections.append((t(lang, "failed.title"), [esc(f["text"]) for f in p["failed"]]))
    return sections


def _intro(entry: OutboxEntry) -> str:
    start, end = entry.period_start.date().isoformat(), entry.period_end.date().isoformat()
    if entry.payload.get("nothing_new"):
        return t(entry.lang, "nothing_new", start=start)
    return t(entry.lang, "period", start=start, end=end)


def _links(entry: OutboxEntry) -> list[tuple[str, str]]:
    return [(str(link["title"]), str(link["href"])) for link in entry.payload.get("links") or []]


# -- Slack ---------------------------------------------------------------------------------------------------


def slack_payload(entry: OutboxEntry) -> dict[str, Any]:
    """Block Kit message: header, period, one section per part, links, footer; within Slack's limits."""
    notice = _cut_notice(entry)
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": _cut(entry.subject, SLACK_HEADER_CHARS, "…")},
        },
        {"type": "context", "elements": [{"type": "mrkdwn", "text": inert_slack(_intro(entry))}]},
    ]
    for title, lines in _sections(entry, inert_slack):
        text = f"*{title}*\n" + "\n".join(lines)
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": _cut(text, SLACK_SECTION_CHARS, notice)}}
        )
    links = [f"<{href}|{inert_slack(title)}>" if href.startswith("http") else inert_slack(f"{title}: {href}")
             for title, href in _links(entry)]  # fmt: skip
    if links:
        text = f"*{t(entry.lang, 'links.title')}*\n" + "\n".join(links)
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": _cut(text, SLACK_SECTION_CHARS, notice)}}
        )
    footer = {
        "type": "context",
        "elements": [{"type": "plain_text", "text": t(entry.lang, "footer", key=entry.idempotency_key)}],
    }
    if len(blocks) + 1 > SLACK_MAX_BLOCKS:
        blocks = blocks[: SLACK_MAX_BLOCKS - 2] + [
            {"type": "section", "text": {"type": "mrkdwn", "text": notice}}
        ]
    blocks.append(footer)
    return {"text": _cut(entry.subject, 40_000, "…"), "blocks": blocks}


# -- Mattermost ----------------------------------------------------------------------------------------------


def _md_item(line: str) -> str:
    return f"  - {line.strip().lstrip('• ')}" if line.startswith("  ") else f"- {line}"


def _md_link(title: str, href: str) -> str:
    if href.startswith("http"):
        return f"- [{inert_markdown(title)}](<{href}>)"
    return f"- {inert_markdown(title)}: `{href}`"


def mattermost_payload(entry: OutboxEntry) -> dict[str, Any]:
    """One Markdown post of at most MATTERMOST_MAX_CHARS characters."""
    parts = [f"#### {inert_markdown(entry.subject)}", inert_markdown(_intro(entry))]
    for title, lines in _sections(entry, inert_markdown):
        items = [_md_item(line) for line in lines]
        parts.append(f"**{title}**\n" + "\n".join(items))
    links = [
        _md_link(title, href)
        for title, href in _links(entry)
    ]
    if links:
        parts.append(f"**{t(entry.lang, 'links.title')}**\n" + "\n".join(links))
    footer = f"_{inert_markdown(t(entry.lang, 'footer', key=entry.idempotency_key))}_"
    body = _cut(
        "\n\n".join(parts), MATTERMOST_MAX_CHARS - len(footer) - 2, _cut_notice(entry)
    )
    return {"text": body + "\n\n" + footer}


# -- Teams ---------------------------------------------------------------------------------------------------


def _text_block(text: str, **extra: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True, **extra}


def teams_payload(entry: OutboxEntry) -> dict[str, Any]:
    """A Workflows message with one Adaptive Card (1.4); cut from the end to stay under TEAMS_MAX_BYTES."""
    body: list[dict[str, Any]] = [
        _text_block(inert_markdown(entry.subject), size="Large", weight="Bolder"),
        _text_block(inert_markdown(_intro(entry)), isSubtle=True, spacing="None"),
    ]
    for title, lines in _sections(entry, inert_markdown):
        body.append(_text_block(title, weight="Bolder", spacing="Medium"))
        body += [_text_block(line.strip()) for line in lines]
    actions = [{"type": "Action.OpenUrl", "title": title[:80], "url": href}
               for title, href in _links(entry) if href.startswith("http")][:5]  # fmt: skip
    footer = _text_block(
        inert_markdown(t(entry.lang, "footer", key=entry.idempotency_key)), size="Small", isSubtle=True
    )
    payload = _teams_message(body + [footer], actions)
    if _size(payload) <= TEAMS_MAX_BYTES:
        return payload
    notice = _text_block(_cut_notice(entry))
    budget = TEAMS_MAX_BYTES - _size(_teams_message([notice, footer], actions))
    kept: list[dict[str, Any]] = []
    for item in body:  # keep the card's start, item by item, while it fits (", " between items: 2 bytes)
        cost = _size(item) + 2
        if cost > budget:
            break
        kept.append(item)
        budget -= cost
    return _teams_message(kept + [notice, footer], actions)


def _teams_message(body: list[dict[str, Any]], actions: list[dict[str, Any]]) -> dict[str, Any]:
    card: dict[str, Any] = {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": "1.4",
        "body": body,
    }
    if actions:
        card["actions"] = actions
    return {
        "type": "message",
        "attachments": [
            {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": card}
        ],
    }


def _size(payload: dict[str, Any]) -> int:
    return len(json.dumps(payload, ensure_ascii=False).encode("utf-8"))


_BUILDERS: dict[str, Callable[[OutboxEntry], dict[str, Any]]] = {
    "teams": teams_payload,
    "slack": slack_payload,
    "mattermost": mattermost_payload,
}


@dataclass
class WebhookChannel:
    """POST the platform's payload to an incoming webhook URL (the URL is the secret: never shown)."""

    name: str
    kind: str  # teams | slack | mattermost
    url: str = field(repr=False)
    timeout: float = 30.0
    transport: httpx.BaseTransport | None = field(default=None, repr=False)

    def send(self, entry: OutboxEntry) -> None:
        payload = _BUILDERS[self.kind](entry)
        where = f"the {self.kind} webhook of channel {self.name}"
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Idempotency-Key": entry.idempotency_key,
            "X-SWC-Digest-Key": entry.idempotency_key,
        }
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")  # the bytes the limits measured
        try:
            with httpx.Client(timeout=self.timeout, transport=self.transport) as client:
                response = client.post(self.url, content=body, headers=headers)
        except httpx.HTTPError as exc:  # refused, timeout, reset: the receiver may be back later
            raise TransientDeliveryError(f"{where} is unreachable: {type(exc).__name__}") from None
        self._check(response, where)

    def _check(self, response: httpx.Response, where: str) -> None:
        status = response.status_code
        if status < 300:
            return
        detail = response.text[:200].strip()
        if status == 429 or status == 408 or status >= 500:
            raise TransientDeliveryError(
                f"{where} answered {status}: {detail}", retry_after=_retry_after(response)
            )
        raise DeliveryConfigError(
            f"{where} refused the digest ({status}: {detail})",
            hint=f"check the webhook URL of digest channel {self.name} in SWC_DIGEST__CHANNELS",
        )


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    return float(value) if value.strip().isdigit() else None
