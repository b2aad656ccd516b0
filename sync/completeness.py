"""Whether a full listing may lead to deletions: the listing's own counts, and the account's reach.

OpenRegister answers 200 with fewer objects than exist in three ways (catalogue-api.md §8), and a sync that
took such a listing for the whole catalogue would delete the rest of the store:

* an anonymous caller (no credentials, or an empty password) gets the public rows only;
* a non-admin account gets its own organisation's rows (plus the public ones), and `total` is counted with
  the same filter, so the listing looks complete;
* `total`/`pages` can contradict the rows (the count query answers 0 on any error).

So a full listing is complete only when (1) the listing itself is (every page arrived, the ids seen reach
every `total`, no page's counts contradicted its rows) and (2) the account is shown to see everything: it is
a member of Nextcloud's `admin` group, read through OCS (`/cloud/users/{uid}/groups`, which any account may
ask about itself), or, where OCS is refused, the rows show no sign of a tenant filter: the usage and contact
listings hold rows of at least two organisations (`@self.organisation`). Otherwise the listing is judged
incomplete, deletions are held, and the judgement's reason (a message key, `completeness.<reason>`) says
which right is missing.

`CompletenessJudge.judge(entity, listing)` is awaited by the sync once per full listing; the account check
runs once per run, when the first listing ends. Without an account check (`access=None`: a caller that
vouches for the account, such as a test with an in-memory source) only the listing is judged.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from connectors.accounts import ADMIN_GROUP
from connectors.errors import ConnectorError

__all__ = [
    "EVIDENCE_TYPES",
    "AccessCheck",
    "AccessVerdict",
    "CompletenessJudge",
    "GroupSource",
    "Judgement",
    "check_access",
]

EVIDENCE_TYPES = ("usage", "contact")  # not public, so filtered to one organisation for a non-admin


class GroupSource(Protocol):
    """The part of connectors.accounts.AccountsClient the check uses."""

    async def fetch_groups(self, uid: str) -> Sequence[str]: ...


@dataclass(frozen=True)
class AccessVerdict:
    """What the account check found: `sees_all` True (shown), False (shown not to), None (unknown)."""

    sees_all: bool | None
    reason: str  # admin_group | not_admin | anonymous | ocs_refused | not_checked
    params: dict[str, Any] = field(default_factory=dict)


AccessCheck = Callable[[], Awaitable[AccessVerdict]]


async def check_access(accounts: GroupSource | None, uid: str | None) -> AccessVerdict:
    """Whether `uid` is in Nextcloud's admin group (which OpenRegister lets bypass RBAC and tenants).

    No uid: anonymous, which never sees everything. OCS refusing to answer (an error of any kind) leaves it
    unknown; the judge then looks at the rows themselves.
    """
    if not uid or accounts is None:
        return AccessVerdict(False, "anonymous")
    try:
        groups = list(await accounts.fetch_groups(uid))
    except ConnectorError as exc:
        status = exc.status if exc.status is not None else "-"
        return AccessVerdict(None, "ocs_refused", {"uid": uid, "status": status, "error": exc.message})
    if ADMIN_GROUP in groups:
        return AccessVerdict(True, "admin_group", {"uid": uid, "group": ADMIN_GROUP})
    return AccessVerdict(
        False, "not_admin", {"uid": uid, "group": ADMIN_GROUP, "groups": ", ".join(groups) or "-"}
    )


class _Listing(Protocol):  # connectors.catalogue.ListingResult; the other fields are read when present
    @property
    def complete(self) -> bool: ...


@dataclass(frozen=True)
class Judgement:
    """Why a full listing was judged complete or not; `reason` is a key below `completeness.`."""

    complete: bool
    reason: str
    params: dict[str, Any] = field(default_factory=dict)


class CompletenessJudge:
    """Judges each full listing of one run (see the module docstring); `judgements` holds the outcomes."""

    def __init__(self, access: AccessCheck | None, entity_types: Collection[str]) -> None:
        self._access = access
        self._verdict: asyncio.Future[AccessVerdict] | None = None
        self._waiting_for = {e for e in EVIDENCE_TYPES if e in entity_types}
        self._evidence: dict[str, _Listing] = {}
        self._evidence_ready: asyncio.Event | None = None
        self.judgements: dict[str, Judgement] = {}

    async def judge(self, entity: str, listing: _Listing) -> Judgement:
        """The judgement of `entity`'s full listing; may wait for the account check and other listings."""
        if entity in self._waiting_for:
            self._evidence[entity] = listing
            if set(self._evidence) >= self._waiting_for:
                self._ready().set()
        judgement = _listing_judgement(listing) or await self._account_judgement()
        self.judgements[entity] = judgement
        return judgement

    def _ready(self) -> asyncio.Event:
        if self._evidence_ready is None:
            self._evidence_ready = asyncio.Event()
            if not self._waiting_for:
                self._evidence_ready.set()
        return self._evidence_ready

    async def verdict(self) -> AccessVerdict:
        """The account check's outcome, run once per judge (the first caller starts it)."""
        if self._access is None:
            return AccessVerdict(True, "not_checked")
        if self._verdict is None:
            self._verdict = asyncio.ensure_future(self._access())
        return await asyncio.shield(self._verdict)

    async def _account_judgement(self) -> Judgement:
        verdict = await self.verdict()
        if verdict.sees_all:
            return Judgement(True, verdict.reason, dict(verdict.params))
        if verdict.sees_all is False:
            return Judgement(False, verdict.reason, dict(verdict.params))
        await self._ready().wait()
        return _tenant_judgement(self._evidence, verdict)


def _listing_judgement(listing: _Listing) -> Judgement | None:
    """Incomplete for the listing's own reasons (pages failed, counts contradicted, fewer than `total`)."""
    if listing.complete:
        return None
    failed = tuple(getattr(listing, "failed_pages", ()) or ())
    problem = getattr(listing, "count_problem", None)
    if failed:
        return Judgement(False, "failed_pages", {"pages": ", ".join(map(str, failed))})
    if problem:
        page = getattr(listing, "count_problem_page", None)
        return Judgement(False, f"count.{problem}", {"page": page if page is not None else "-"})
    total = getattr(listing, "total_reported", None)
    seen = getattr(listing, "seen", "-")
    return Judgement(False, "short", {"seen": seen, "total": total if total is not None else "-"})


def _tenant_judgement(evidence: dict[str, _Listing], verdict: AccessVerdict) -> Judgement:
    """OCS refused: complete only when the non-public listings show rows of two or more organisations."""
    tenants: set[str] = set()
    rows = 0
    for listing in evidence.values():
        tenants.update(getattr(listing, "tenants", ()) or ())
        rows += int(getattr(listing, "seen", 0) or 0)
    params = {**verdict.params, "types": ", ".join(sorted(evidence)) or "-", "rows": rows}
    if len(tenants) >= 2:
        return Judgement(True, "no_tenant_filter", {**params, "organisations": len(tenants)})
    if rows == 0:
        return Judgement(False, "no_evidence", params)
    only = next(iter(tenants), "-")
    return Judgement(False, "tenant_filtered", {**params, "organisation": only})
