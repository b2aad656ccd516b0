"""What one catalogue sync run reports: per entity type stats, skipped records, held deletions, status.

`RunReport.exit_code`: 0 success; 3 partial (records skipped, deletions held, a listing incomplete, or
rights suspect: the data that did arrive is saved); 1 failed or interrupted (nothing saved).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from store.catalogue_writes import PageCounts
from store.runs import RunMode, RunStatus
from sync.accounts_sync import AccountsReport
from sync.completeness import Judgement

__all__ = [
    "REPORT_CAP",
    "RIGHTS_CHECK_MIN_ORGANISATIONS",
    "EntityStats",
    "SkippedRecord",
    "HeldDeletion",
    "RunReport",
]

REPORT_CAP = 50  # skipped records and held deletions listed in a RunReport (all are in the database)

# Below this many organisations an empty user or usage list is plausible (a new or test catalogue); the real
# catalogue has over a thousand, every one with users.
RIGHTS_CHECK_MIN_ORGANISATIONS = 50


@dataclass
class EntityStats:
    """What one run did to one entity type."""

    entity_type: str
    listed: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    restored: int = 0
    deleted: int = 0
    skipped: int = 0
    held_deletions: int = 0
    complete: bool | None = None  # full runs: whether the listing was complete; None for incremental
    requests: int = 0

    def add(self, page: PageCounts) -> None:
        """Count a saved page in."""
        self.listed += page.listed
        self.new += page.new
        self.changed += page.changed
        self.unchanged += page.unchanged
        self.restored += page.restored


@dataclass(frozen=True)
class SkippedRecord:
    entity_type: str
    id: str | None
    reason: str


@dataclass(frozen=True)
class HeldDeletion:
    entity_type: str
    id: str


@dataclass
class RunReport:
    """The outcome of one sync run. `exit_code`: 0 success, 3 partial, 1 failed or interrupted."""

    run_id: int
    mode: RunMode
    status: RunStatus
    started: datetime
    finished: datetime | None
    stats: dict[str, EntityStats] = field(default_factory=dict)
    skipped: list[SkippedRecord] = field(default_factory=list)  # the first REPORT_CAP
    skipped_total: int = 0
    held: list[HeldDeletion] = field(default_factory=list)  # the first REPORT_CAP
    held_total: int = 0
    requests: int = 0
    retries: int = 0
    store_location: str = ""
    error: str | None = None
    # the error for users: message-catalogue keys and values (see config.errors.SwcError); None: `error` as is
    error_key: str | None = None
    error_hint_key: str | None = None
    error_params: dict[str, Any] = field(default_factory=dict)
    error_hint: str | None = None
    deletion_brake: float = 0.05
    # full runs: why each type's listing was judged complete or not (sync/completeness.py)
    completeness: dict[str, Judgement] = field(default_factory=dict)
    # the accounts sync a full run is followed by (sync/accounts_sync.py); its outcome never changes `status`
    accounts: AccountsReport | None = None

    @property
    def ok(self) -> bool:
        return self.status == "success"

    @property
    def exit_code(self) -> int:
        return {"success": 0, "partial": 3}.get(self.status, 1)

    @property
    def duration(self) -> float:
        """Seconds from start to finish (0 while unfinished)."""
        return (self.finished - self.started).total_seconds() if self.finished else 0.0

    @property
    def incomplete(self) -> list[str]:
        return [name for name, s in self.stats.items() if s.complete is False]

    @property
    def rights_suspect(self) -> list[str]:
        """Types a full listing returned empty while organisations were there.

        OpenRegister answers 200 with filtered rows when the account lacks rights (RBAC, multitenancy), so
        an account that is not functioneel-beheerder/admin sees no users or usage of other organisations.
        """
        orgs = self.stats.get("organisation")
        if self.mode != "full" or orgs is None or orgs.listed < RIGHTS_CHECK_MIN_ORGANISATIONS:
            return []
        return [name for name in ("contact", "usage") if name in self.stats and self.stats[name].listed == 0]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(
            accounts=self.accounts.to_dict() if self.accounts else None,
            started=self.started.isoformat(),
            finished=self.finished.isoformat() if self.finished else None,
            duration=round(self.duration, 3),
            ok=self.ok,
            exit_code=self.exit_code,
        )
        return data
