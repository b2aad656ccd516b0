"""What a catalogue listing yields and how it went: pages of records, skipped objects, and the listing's
own accounting (ids seen, totals reported, failed pages, count problems, tenants) that decides whether the
listing may be taken as the whole catalogue."""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Literal

from connectors.catalogue_models import CatalogueRecord, EntityType
from connectors.errors import ConnectorError
from connectors.http import RequestStats

__all__ = ["DUPLICATE_REASON", "ListingResult", "ListingState", "Page", "Skipped", "TENANT_SAMPLE"]

# The reason of a record whose id the listing already returned. Servers do this when objects are deleted
# while a full listing runs (later rows shift up a page) and, in one case seen, for a broken index; the
# first copy is kept and the repeat reported, so the run ends "partial" instead of hiding it. (A hash
# collision of two different ids, about 1 in 10^9 per run at scale 10, would be reported the same way.)
DUPLICATE_REASON = "duplicate id in listing"
TENANT_SAMPLE = 3  # distinct `@self.organisation` values a listing keeps (two already show no tenant filter)


@dataclass(frozen=True)
class Skipped:
    """An object that could not be mapped: reported by the caller, never stored."""

    id: str | None
    reason: str


@dataclass(frozen=True)
class Page:
    """One page of a listing, mapped; pages of a full listing arrive in completion order, not page order."""

    entity: EntityType
    number: int
    records: list[CatalogueRecord]
    skipped: list[Skipped]
    total: int | None = None  # `total` the server reported with this page


@dataclass(frozen=True)
class ListingResult:
    """How a listing went. Only a complete listing may be used to detect deletions.

    Complete means: every page arrived, the unique ids seen reach every `total` reported, and no page's
    counts contradicted its rows (`count_problem`, see connectors.paginators.count_problem). Whether the
    account sees every organisation's rows is not the listing's to know: `tenants` (a sample of the rows'
    `@self.organisation`) lets the caller look for signs of a tenant filter.
    """

    entity: EntityType
    mode: Literal["full", "incremental"]
    complete: bool  # every page succeeded, unique ids seen >= every total reported, counts never contradicted
    total_reported: int  # the largest `total` reported during the listing (0 if none)
    seen: int  # unique ids seen (mapped and skipped objects)
    requests: int
    retries: int
    total_smallest: int = 0  # the smallest `total` reported
    pages: int = 0  # pages received
    failed_pages: tuple[int, ...] = ()
    count_problem: str | None = None  # the first page whose `total`/`pages` contradicted its rows: why
    count_problem_page: int | None = None
    tenants: frozenset[str] = frozenset()  # up to 3 distinct `@self.organisation` values of the rows
    untenanted: int = 0  # rows without `@self.organisation`
    # hash() of every id seen, skipped ones included: a 36-byte int instead of an 85-byte str per object
    # (this set is the listing's largest allocation at scale). A collision can only undercount `seen`, so
    # it errs toward "incomplete", which merely postpones deletions to the next run (new hash seed).
    id_hashes: AbstractSet[int] = field(default=frozenset(), repr=False)

    def saw(self, object_id: str) -> bool:
        """Whether the listing saw this id (lowercase uuid), mapped or skipped."""
        return hash(object_id) in self.id_hashes


@dataclass
class ListingState:
    """Mutable state of one listing while it runs."""

    entity: EntityType
    mode: Literal["full", "incremental"]
    stats: RequestStats = field(default_factory=RequestStats)
    id_hashes: set[int] = field(default_factory=set)  # see ListingResult.id_hashes
    totals: list[int] = field(default_factory=list)
    pages: int = 0
    max_pages: int = 0
    failed: dict[int, ConnectorError] = field(default_factory=dict)
    finished: bool = False
    count_problem: str | None = None
    count_problem_page: int | None = None
    short_page: int | None = None  # the first page with fewer rows than asked for (or none)
    tenants: set[str] = field(default_factory=set)
    untenanted: int = 0

    def result(self) -> ListingResult:
        top = max(self.totals, default=0)
        complete = (
            self.finished and not self.failed and len(self.id_hashes) >= top and self.count_problem is None
        )
        return ListingResult(
            entity=self.entity,
            mode=self.mode,
            complete=complete,
            total_reported=top,
            seen=len(self.id_hashes),
            requests=self.stats.requests,
            retries=self.stats.retries,
            total_smallest=min(self.totals, default=0),
            pages=self.pages,
            failed_pages=tuple(sorted(self.failed)),
            count_problem=self.count_problem,
            count_problem_page=self.count_problem_page,
            tenants=frozenset(self.tenants),
            untenanted=self.untenanted,
            id_hashes=self.id_hashes,  # shared, not copied: the listing is over
        )
