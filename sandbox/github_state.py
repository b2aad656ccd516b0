"""The GitHub emulator's data: repositories and issues (seeded from the CSV), planted specials, counters.

`GitHubState.seeded()` reads `data/softwarecatalogus-issues.csv`, generates everything else deterministically
from repository and number, and plants one transferred issue, one deleted and one missing number.
"""

from __future__ import annotations

import csv
import random
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

__all__ = [
    "ARCHIVE_REPO",
    "Counters",
    "GitHubState",
    "SEED_CSV",
    "SEED_REPO",
    "SandboxComment",
    "SandboxIssue",
    "SandboxPull",
    "SandboxRepo",
]

SEED_REPO = "VNG-Realisatie/Softwarecatalogus"
ARCHIVE_REPO = "VNG-Realisatie/Softwarecatalogus-archief"
SEED_CSV = Path(__file__).parent / "data" / "softwarecatalogus-issues.csv"
EPOCH = datetime(2025, 2, 4, 9, 0, tzinfo=UTC)
NOT_PLANNED = {29, 69, 106}  # closed seed issues closed as "not planned"
SUB_ISSUES = {141: [142, 143], 11: [8, 12]}
PROJECT_STATUS = {75: "Review", 11: "In progress", 143: "Todo", 141: "Todo"}
CLOSING_PULLS = {140: 149, 142: 150, 63: 157, 64: 158}


@dataclass
class SandboxComment:
    id: int
    author: str
    author_type: str  # "User" | "Bot"
    body: str
    created_at: datetime


@dataclass
class SandboxPull:
    number: int
    repo: str
    state: str  # OPEN | CLOSED | MERGED
    merged: bool


@dataclass
class SandboxIssue:
    repo: str
    number: int
    id: int
    title: str
    state: str = "open"
    state_reason: str | None = None
    labels: list[str] = field(default_factory=list)
    assignees: list[str] = field(default_factory=list)
    milestone: str | None = None
    author: str = "rubenvdlinde"
    created_at: datetime = EPOCH
    updated_at: datetime = EPOCH
    closed_at: datetime | None = None
    body: str = ""
    comments: list[SandboxComment] = field(default_factory=list)
    sub_issues: list[int] = field(default_factory=list)
    parent: int | None = None
    closing_pulls: list[SandboxPull] = field(default_factory=list)
    project_status: str | None = None
    deleted: bool = False
    moved_to: tuple[str, int] | None = None


@dataclass
class Counters:
    """What the sandbox has served; tests and benchmarks read these."""

    requests: int = 0
    rest: int = 0
    graphql: int = 0
    not_modified: int = 0
    core_points: int = 0
    graphql_points: int = 0
    secondary_limited: int = 0
    primary_limited: int = 0
    routes: Counter[str] = field(default_factory=Counter)

    def snapshot(self) -> dict[str, int]:
        return {k: v for k, v in self.__dict__.items() if isinstance(v, int)}


@dataclass
class SandboxRepo:
    full_name: str
    id: int
    issues: dict[int, SandboxIssue] = field(default_factory=dict)

    def next_number(self) -> int:
        return max(self.issues, default=0) + 1


class GitHubState:
    """Repositories and issues, with a mutation API for tests. Thread-safe through one lock."""

    def __init__(self, clock: Callable[[], datetime] | None = None) -> None:
        self.lock = threading.RLock()
        self.repos: dict[str, SandboxRepo] = {}
        self.counters = Counters()
        self.planted: dict[str, tuple[str, int]] = {}
        self._clock = clock or (lambda: datetime.now(UTC).replace(microsecond=0))
        self._ids = 1000

    # -- construction -------------------------------------------------------------------------------
    @classmethod
    def seeded(cls, *, extra_issues: int = 0, csv_path: Path = SEED_CSV) -> GitHubState:
        """The catalogue repo from the CSV, `extra_issues` generated ones, and the planted specials."""
        state = cls()
        with csv_path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                state.add_issue(
                    SEED_REPO,
                    row["title"],
                    number=int(row["number"]),
                    state=row["state_2025_09_30"],
                    component=row["onderdeel"],
                )
        start = max(state.repos[SEED_REPO.lower()].issues) + 1000
        for offset in range(extra_issues):
            number = start + offset
            state.add_issue(
                SEED_REPO,
                f"Gegenereerde user story {number}",
                number=number,
                state="closed" if number % 3 == 0 else "open",
                component="Beheer",
            )
        state._plant()
        return state

    def _plant(self) -> None:
        repo = self.repos[SEED_REPO.lower()]
        moved = repo.next_number()
        self.add_issue(SEED_REPO, "Koppelingen tonen in pakketoverzicht", number=moved, component="Aanbod")
        deleted = moved + 1
        self.add_issue(SEED_REPO, "Testissue, per abuis aangemaakt", number=deleted, component="Beheer")
        self.ensure_repo(ARCHIVE_REPO)
        new_number = self.transfer(SEED_REPO, moved, ARCHIVE_REPO)
        self.delete(SEED_REPO, deleted)
        self.planted = {
            "moved": (SEED_REPO, moved),
            "moved_to": (ARCHIVE_REPO, new_number),
            "deleted": (SEED_REPO, deleted),
            "missing": (SEED_REPO, deleted + 500),
            "not_planned": (SEED_REPO, min(NOT_PLANNED)),
        }

    def ensure_repo(self, full_name: str) -> SandboxRepo:
        with self.lock:
            key = full_name.lower()
            if key not in self.repos:
                self._ids += 1
                self.repos[key] = SandboxRepo(full_name=full_name, id=self._ids)
            return self.repos[key]

    def add_issue(
        self,
        repo: str,
        title: str,
        *,
        number: int | None = None,
        state: str = "open",
        component: str = "Beheer",
        author: str | None = None,
        body: str | None = None,
    ) -> SandboxIssue:
        """Add an issue with deterministic details derived from repo and number."""
        with self.lock:
            record = self.ensure_repo(repo)
            number = number or record.next_number()
            self._ids += 1
            issue = _generated_issue(record.full_name, number, self._ids, title, state, component)
            if author:
                issue.author = author
            if body is not None:
                issue.body = body
            record.issues[number] = issue
            return issue

    # -- reading ------------------------------------------------------------------------------------
    def repo(self, full_name: str) -> SandboxRepo | None:
        return self.repos.get(full_name.lower())

    def issue(self, repo: str, number: int) -> SandboxIssue | None:
        record = self.repo(repo)
        return record.issues.get(number) if record else None

    def now(self) -> datetime:
        return self._clock()

    def sub_issues_done(self, issue: SandboxIssue) -> int:
        """How many of the issue's sub-issues are closed."""
        children = (self.issue(issue.repo, n) for n in issue.sub_issues)
        return sum(1 for child in children if child and child.state == "closed")

    def follow(self, full_name: str, number: int) -> SandboxIssue | None:
        """The issue, after following up to five transfers; None when missing or deleted."""
        issue = self.issue(full_name, number)
        for _ in range(5):
            if issue is None or issue.deleted:
                return None
            if not issue.moved_to:
                return issue
            issue = self.issue(*issue.moved_to)
        return None

    # -- mutations for tests ------------------------------------------------------------------------
    def _live(self, repo: str, number: int) -> SandboxIssue:
        issue = self.issue(repo, number)
        if issue is None or issue.deleted or issue.moved_to:
            raise KeyError(f"{repo}#{number} does not exist here (missing, deleted or moved)")
        return issue

    def touch(self, repo: str, number: int) -> SandboxIssue:
        """Bump updated_at (every change does this): the REST ETag changes with it."""
        with self.lock:
            issue = self._live(repo, number)
            later = max(self.now(), issue.updated_at + timedelta(seconds=1))
            issue.updated_at = later
            return issue

    def set_state(self, repo: str, number: int, state: str, reason: str | None = None) -> None:
        with self.lock:
            issue = self._live(repo, number)
            issue.state = state
            if state == "closed":
                issue.state_reason = reason or "completed"
                issue.closed_at = self.touch(repo, number).updated_at
            else:
                issue.state_reason = reason or "reopened"
                issue.closed_at = None
                self.touch(repo, number)

    def add_label(self, repo: str, number: int, label: str) -> None:
        with self.lock:
            issue = self._live(repo, number)
            if label not in issue.labels:
                issue.labels.append(label)
            self.touch(repo, number)

    def add_comment(self, repo: str, number: int, author: str, body: str, *, bot: bool = False) -> None:
        with self.lock:
            issue = self._live(repo, number)
            self._ids += 1
            issue.comments.append(
                SandboxComment(self._ids, author, "Bot" if bot else "User", body, self.now())
            )
            self.touch(repo, number)

    def transfer(self, repo: str, number: int, to_repo: str) -> int:
        """Move the issue; the old number answers 301 from now on. Returns the new number."""
        with self.lock:
            issue = self._live(repo, number)
            target = self.ensure_repo(to_repo)
            new_number = target.next_number()
            copy = SandboxIssue(**{**issue.__dict__, "repo": target.full_name, "number": new_number})
            target.issues[new_number] = copy
            issue.moved_to = (target.full_name, new_number)
            copy.updated_at = max(self.now(), issue.updated_at + timedelta(seconds=1))
            return new_number

    def delete(self, repo: str, number: int) -> None:
        with self.lock:
            self._live(repo, number).deleted = True


def _generated_issue(
    repo: str, number: int, issue_id: int, title: str, state: str, component: str
) -> SandboxIssue:
    rng = random.Random(f"{repo.lower()}#{number}")
    created = EPOCH + timedelta(hours=number * 19 + rng.randint(0, 18))
    updated = created + timedelta(days=rng.randint(1, 120), minutes=rng.randint(0, 600))
    closed = updated if state == "closed" else None
    reason = ("not_planned" if number in NOT_PLANNED else "completed") if state == "closed" else None
    kind = "user story" if rng.random() < 0.8 else rng.choice(["epic", "taak", "question"])
    labels = [kind, component.lower()] + (["blocked"] if number % 17 == 0 else [])
    people = ["rubenvdlinde", "markbacker", "Makkmetp"]
    assignees = ["rubenvdlinde"] + ([rng.choice(people[1:])] if rng.random() < 0.4 else [])
    milestone = rng.choice([None, "Sprint 1", "Sprint 2", "Sprint 3", "Sprint 4"])
    comments = [
        SandboxComment(
            issue_id * 100,
            "github-actions[bot]",
            "Bot",
            "Bedankt voor het aanmaken van dit issue! We pakken het zo snel mogelijk op.",
            created + timedelta(minutes=1),
        )
    ]
    for index in range(rng.randint(0, 3)):
        who = rng.choice(people + ["gemeente-fb"])
        comments.append(
            SandboxComment(
                issue_id * 100 + index + 1,
                who,
                "User",
                f"Opmerking {index + 1} van {who}.",
                created + timedelta(days=index + 1),
            )
        )
    pulls = [SandboxPull(CLOSING_PULLS[number], repo, "MERGED", True)] if number in CLOSING_PULLS else []
    return SandboxIssue(
        repo=repo,
        number=number,
        id=issue_id,
        title=title,
        state=state,
        state_reason=reason,
        labels=labels,
        assignees=assignees,
        milestone=milestone,
        author=rng.choice(people),
        created_at=created,
        updated_at=updated,
        closed_at=closed,
        comments=comments,
        sub_issues=list(SUB_ISSUES.get(number, [])),
        parent=next((p for p, kids in SUB_ISSUES.items() if number in kids), None),
        closing_pulls=pulls,
        project_status=PROJECT_STATUS.get(number),
        body=f"### User story\n\n{title}\n\n### Sprint\n\n{milestone or 'Geen sprint (backlog)'}\n",
    )
