"""Issue references in journey table text: links, bare URLs and `#N` / `owner/repo#N`, with their lines."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from typing import Literal

from connectors.github_models import IssueKey
from journey.models import IssueRef
from journey.report import ProblemReport

__all__ = ["Prefer", "Row", "Found", "find_references", "residue", "NUM"]

Prefer = Literal["text", "url"]

NUM = r"\d{1,9}"  # bounded: int() of a huge digit run raises, and no issue number is that long
_LINK = re.compile(r"\[(?P<text>[^\[\]]*)\]\((?P<url>[^()]*)\)")
_BARE_URL = re.compile(r"<?(?P<url>https?://[^\s<>()|\]]+)>?")
_SHORT_REF = re.compile(rf"(?<![\w/#&.-])(?:(?P<repo>[A-Za-z0-9][\w.-]*/[\w.-]+))?#(?P<num>{NUM})\b")
_TEXT_NUMBER = re.compile(rf"(?:(?P<repo>[\w.-]+/[\w.-]+))?#(?P<num>{NUM})\b")
_TEXT_PLAIN_NUMBER = re.compile(rf"\s*(?:issue\s*)?(?P<num>{NUM})\s*", re.IGNORECASE)
_GITHUB_ISSUE = re.compile(
    rf"^(?:https?://)?(?:www\.)?github\.com/(?P<owner>[\w.-]+)/(?P<repo>[\w.-]+)/(?:issues|pull)/(?P<num>{NUM})"
    r"(?:[/?#].*)?$",
    re.IGNORECASE,
)
_GITHUB_REPO = re.compile(
    r"^(?:https?://)?(?:www\.)?github\.com/(?P<owner>[\w.-]+)/(?P<repo>[\w.-]+)", re.IGNORECASE
)
_SEPARATORS = re.compile(r"(?:[\s,;|&+/]|\b(?:en|and|of|or)\b)+", re.IGNORECASE)


class Row:
    """A table row as joined text, with the original line where each joined segment starts.

    Joining keeps the parts in a list and line look-ups bisect the segment offsets, so a row continued
    over many lines costs time linear in its length.
    """

    def __init__(self, text: str, index: int) -> None:
        self._parts = [text]
        self._length = len(text)
        self._offsets = [0]  # where each segment starts in the joined text
        self._indexes = [index]  # the 0-based line index of each segment
        self._text: str | None = text

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = "".join(self._parts)
        return self._text

    @property
    def line(self) -> int:
        return self._indexes[0] + 1

    def line_at(self, offset: int) -> int:
        """The 1-based line of the original file that holds `offset` of the joined text."""
        position = bisect_right(self._offsets, offset) - 1
        return self._indexes[max(position, 0)] + 1

    def append(self, index: int, segment: str) -> None:
        """Join line `index` to the row: one space between, outer whitespace dropped."""
        last = self._parts[-1]
        trimmed = last.rstrip()
        self._parts[-1] = trimmed + " "
        self._length += len(trimmed) + 1 - len(last)
        self._offsets.append(self._length)
        self._indexes.append(index)
        part = segment.strip()
        self._parts.append(part)
        self._length += len(part)
        self._text = None

    @property
    def is_open(self) -> bool:
        return not self._parts[-1].rstrip().endswith("|")


@dataclass(frozen=True)
class Found:
    ref: IssueRef | None  # None: a broken link
    start: int
    end: int


class _Spans:
    """Disjoint spans sorted by start; `free` tells in O(log n) whether a new span overlaps none of them."""

    def __init__(self, spans: list[Found]) -> None:
        self._starts = [span.start for span in spans]
        self._ends = [span.end for span in spans]

    def free(self, start: int, end: int) -> bool:
        before = bisect_left(self._starts, end) - 1  # the last span that starts before `end`
        return before < 0 or self._ends[before] <= start


def _key(repo: str, number: int) -> IssueKey:
    return IssueKey(repo=repo, number=number)


def _link(
    text: str, url: str, raw: str, line: int, prefer: Prefer, report: ProblemReport, step: str | None
) -> IssueRef | None:
    parts = url.strip().strip("<>").split()
    target = parts[0].strip("<>") if parts else ""
    text_match = _TEXT_NUMBER.search(text) or _TEXT_PLAIN_NUMBER.fullmatch(text)
    text_number = int(text_match["num"]) if text_match else None
    text_repo = text_match.groupdict().get("repo") if text_match else None
    issue = _GITHUB_ISSUE.match(target)
    if issue is None:
        report.add("broken_link", line, step, raw=raw)
        repo = _GITHUB_REPO.match(target)
        if repo is None or text_number is None:
            return None
        return IssueRef(
            _key(text_repo or f"{repo['owner']}/{repo['repo']}", text_number), text_number, None, line, raw
        )
    url_repo, url_number = f"{issue['owner']}/{issue['repo']}", int(issue["num"])
    if text_number is None:
        return IssueRef(_key(url_repo, url_number), None, url_number, line, raw)
    by_text = _key(text_repo or url_repo, text_number)
    by_url = _key(url_repo, url_number)
    chosen = by_url if prefer == "url" else by_text
    if by_text.normalised() != by_url.normalised():
        report.add(
            "link_mismatch",
            line,
            step,
            text_number=text_number,
            url_number=url_number,
            used=chosen.number,
            raw=raw,
        )
    return IssueRef(chosen, text_number, url_number, line, raw)


def find_references(
    row: Row, start: int, end: int, prefer: Prefer, report: ProblemReport, step: str | None = None
) -> list[Found]:
    """Issue references in row.text[start:end], in order of appearance."""
    segment = row.text[start:end]
    found: list[Found] = []
    for match in _LINK.finditer(segment):
        line = row.line_at(start + match.start())
        ref = _link(match["text"], match["url"], match.group(0), line, prefer, report, step)
        found.append(Found(ref, match.start(), match.end()))
    taken = _Spans(found)  # links never overlap each other: sorted as found
    urls: list[Found] = []
    for match in _BARE_URL.finditer(segment):
        if not taken.free(*match.span()):
            continue
        line = row.line_at(start + match.start())
        url = match["url"].rstrip(".,;:!?*_'\"")
        issue = _GITHUB_ISSUE.match(url)
        if issue is None:
            report.add("broken_link", line, step, raw=url)
            urls.append(Found(None, match.start(), match.end()))
        else:
            key = _key(f"{issue['owner']}/{issue['repo']}", int(issue["num"]))
            urls.append(Found(IssueRef(key, None, key.number, line, url), match.start(), match.end()))
    found = sorted([*found, *urls], key=lambda item: item.start)
    taken = _Spans(found)  # links and URLs never overlap each other
    for match in _SHORT_REF.finditer(segment):
        if not taken.free(*match.span()):
            continue
        number = int(match["num"])
        key = _key(match["repo"] or report.default_repo, number)
        line = row.line_at(start + match.start())
        found.append(Found(IssueRef(key, number, None, line, match.group(0)), match.start(), match.end()))
    return sorted(found, key=lambda item: item.start)


def residue(segment: str, found: list[Found]) -> str:
    """What is left of `segment` once references and separators are removed."""
    kept = list(segment)
    for item in found:
        kept[item.start : item.end] = [" "] * (item.end - item.start)
    return _SEPARATORS.sub("", "".join(kept))
