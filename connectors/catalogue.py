"""The catalogue connector: lists and reads OpenRegister objects and maps them to catalogue records."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any

import httpx
from pydantic import SecretStr

from config.errors import ConfigError
from connectors.catalogue_listing import (
    DUPLICATE_REASON,
    TENANT_SAMPLE,
    ListingResult,
    ListingState,
    Page,
    Skipped,
)
from connectors.catalogue_models import (
    ENTITY_TYPES,
    CatalogueRecord,
    EntityType,
    RecordError,
    parse_record,
)
from connectors.errors import AuthFailed, ConnectorError, NotFound, UnexpectedPayload
from connectors.http import RequestStats, RetryPolicy, build_http_client, get_json, redact
from connectors.paginators import PageNumberPaginator, count_problem, envelope_int

__all__ = [
    "CatalogueClient",
    "ListingResult",
    "Page",
    "basic_auth",
    "Skipped",
    "DEFAULT_API_PREFIX",
    "DUPLICATE_REASON",
    "DEFAULT_SCHEMAS",
    "FULL_ORDER",
    "INCREMENTAL_ORDER",
    "SERVICE",
]

log = logging.getLogger(__name__)

SERVICE = "catalogue"
DEFAULT_API_PREFIX = "/index.php/apps/openregister/api"
DEFAULT_SCHEMAS: dict[str, str] = {
    "organisation": "organisatie",
    "contact": "contactpersoon",
    "package": "module",
    "usage": "gebruik",
    "koppeling": "koppeling",
}
# Explicit order with a tie-breaker: the 2026 server has no default order, so pages would be nondeterministic.
FULL_ORDER = {"_order[@self.created]": "asc", "_order[@self.uuid]": "asc"}
INCREMENTAL_ORDER = {"_order[@self.updated]": "desc", "_order[@self.uuid]": "desc"}
_FATAL = (AuthFailed, NotFound)  # no point fetching other pages after these
def basic_auth(user: str | None, password: str | SecretStr | None) -> tuple[str, str] | None:
    """(user, password) for HTTP Basic, None for anonymous; one without the other is a ConfigError.

    Nextcloud tries Basic auth only when both are non-empty: a user with an empty password would be served
    as anonymous (200 with the public rows only), so such a pair is never sent.
    """
    secret = password.get_secret_value() if isinstance(password, SecretStr) else password
    if user and secret:
        return user, secret
    if user or secret:
        missing, given = ("PASSWORD", "USER") if user else ("USER", "PASSWORD")
        raise ConfigError(
            f"Invalid settings: SWC_CATALOGUE__{missing} is empty while SWC_CATALOGUE__{given} is set; "
            "Nextcloud would serve the catalogue anonymously (public rows only)",
            hint="set both (a Nextcloud app password), or neither for anonymous access",
            key="error.settings.half_credentials",
            hint_key="hint.settings.half_credentials",
            params={"given": f"SWC_CATALOGUE__{given}", "missing": f"SWC_CATALOGUE__{missing}"},
        )
    return None


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _raw_updated(raw: Any) -> datetime | None:
    """`@self.updated` of a raw object, tolerant: None when absent or unreadable."""
    meta = raw.get("@self") if isinstance(raw, dict) else None
    value = meta.get("updated") if isinstance(meta, dict) else None
    if not isinstance(value, str):
        return None
    try:
        return _aware(datetime.fromisoformat(value.strip()))
    except (ValueError, OverflowError):  # OverflowError: year 1 or 9999 moved across midnight UTC
        return None


class CatalogueClient:
    """Reads the catalogue's OpenRegister objects API. Use as `async with CatalogueClient.connect(...)`."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        api_prefix: str = DEFAULT_API_PREFIX,
        register: str = "voorzieningen",
        schemas: Mapping[str, str] | None = None,
        page_size: int = 500,
        concurrency: int = 8,
        retry: RetryPolicy | None = None,
        owns_http: bool = False,
    ) -> None:
        if page_size < 1 or concurrency < 1:
            raise ConfigError("catalogue page size and concurrency must be at least 1")
        self.http = http
        self.api_prefix = "/" + api_prefix.strip("/") if api_prefix.strip("/") else ""
        self.register = register
        self.schemas = dict(DEFAULT_SCHEMAS if schemas is None else schemas)
        self.page_size = page_size
        self.concurrency = concurrency
        self.retry = retry or RetryPolicy()
        self.stats = RequestStats()
        self._owns_http = owns_http
        self._listings: dict[str, ListingState] = {}
        # `concurrency` bounds the requests in flight across all listings, so entity types can be listed
        # at the same time without asking more of the server than one listing did
        self._slots = asyncio.Semaphore(concurrency)

    @classmethod
    def connect(
        cls,
        base_url: str,
        *,
        api_prefix: str = DEFAULT_API_PREFIX,
        register: str = "voorzieningen",
        schemas: Mapping[str, str] | None = None,
        user: str | None = None,
        password: str | SecretStr | None = None,
        page_size: int = 500,
        concurrency: int = 8,
        timeout: float = 30.0,
        max_retries: int = 5,
        max_retry_seconds: float = 120.0,
        transport: httpx.AsyncBaseTransport | None = None,
        retry: RetryPolicy | None = None,
    ) -> CatalogueClient:
        """A client with its own HTTP connection pool (closed by `aclose` / the async context manager)."""
        auth = basic_auth(user, password)
        http = build_http_client(
            base_url, auth=auth, timeout=timeout, transport=transport, max_connections=concurrency
        )
        policy = retry or RetryPolicy(max_retries=max_retries, max_retry_seconds=max_retry_seconds)
        return cls(
            http,
            api_prefix=api_prefix,
            register=register,
            schemas=schemas,
            page_size=page_size,
            concurrency=concurrency,
            retry=policy,
            owns_http=True,
        )

    def __repr__(self) -> str:
        return f"CatalogueClient({redact(self.http.base_url)!r}, register={self.register!r})"

    async def __aenter__(self) -> CatalogueClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._owns_http:
            await self.http.aclose()

    # --- public reads --------------------------------------------------------------------------------------

    def listing(self, entity: EntityType) -> ListingResult:
        """How the last `fetch_pages(entity)` went (after iterating it)."""
        state = self._listings.get(entity)
        if state is None:
            raise ConfigError(f"no listing of {entity!r} has run on this client")
        return state.result()

    async def fetch_one(self, entity: EntityType, object_id: str) -> CatalogueRecord:
        """One object by uuid; NotFound when it does not exist (or is not visible to this account)."""
        url = f"{self._list_url(entity)}/{object_id.strip().lower()}"
        body = await get_json(
            self.http,
            url,
            policy=self.retry,
            stats=self.stats,
            service=SERVICE,
            not_found=f"{entity} {object_id}",
        )
        return parse_record(entity, body)

    async def fetch_pages(
        self,
        entity: EntityType,
        *,
        since: datetime | None = None,
        overlap: timedelta = timedelta(minutes=5),
    ) -> AsyncIterator[Page]:
        """Pages of `entity`: all objects (since=None), or those updated at or after `since - overlap`.

        Full mode fetches page 1, then the rest concurrently (pages arrive in completion order). If a page
        fails after its retries, the other pages are still yielded and the first error is raised at the end;
        `listing(entity)` then reports complete=False. Incremental mode reads newest first and stops after the
        first page holding an object older than the cut, so an unchanged catalogue costs one request.
        """
        self._schema(entity)  # fail on a bad entity before any request
        state = ListingState(entity, "full" if since is None else "incremental")
        self._listings[entity] = state
        try:
            if since is None:
                async for page in self._full(state):
                    yield page
            else:
                async for page in self._incremental(state, _aware(since) - overlap):
                    yield page
            state.finished = True
        finally:
            self.stats.add(state.stats)
        if state.failed:
            first = state.failed[min(state.failed)]
            log.warning("%s listing of %s: %d page(s) failed", SERVICE, entity, len(state.failed))
            raise first

    # --- listing modes -------------------------------------------------------------------------------------

    async def _full(self, state: ListingState) -> AsyncIterator[Page]:
        paginator = PageNumberPaginator(limit=self.page_size)
        body = await self._get_list(state, {**FULL_ORDER, **paginator.params_for(1)})
        paginator.update_state(body)
        yield self._page(state, 1, body)
        if not paginator.has_next_page:
            return
        if paginator.pages is None or state.count_problem:  # no counts to trust: one page at a time
            async for page in self._sequential(state, paginator, FULL_ORDER):
                yield page
            return
        done = 1
        while state.max_pages > done:  # new pages may appear while we list (objects created meanwhile)
            numbers = range(done + 1, state.max_pages + 1)
            done = state.max_pages
            async for page in self._concurrent(state, numbers, paginator):
                yield page
        if state.count_problem and state.short_page is None and not state.failed:
            # a later page contradicted the counts, so the page count may be short too: read on until a
            # short or empty page
            paginator.page, paginator.has_next_page = done + 1, True
            paginator.count_problem = state.count_problem
            async for page in self._sequential(state, paginator, FULL_ORDER):
                yield page

    async def _sequential(
        self,
        state: ListingState,
        paginator: PageNumberPaginator,
        order: Mapping[str, str],
    ) -> AsyncIterator[Page]:
        while paginator.has_next_page:
            number = paginator.page
            body = await self._get_list(state, paginator.update_params(dict(order)))
            paginator.update_state(body)
            yield self._page(state, number, body)

    async def _concurrent(
        self,
        state: ListingState,
        numbers: Iterable[int],
        paginator: PageNumberPaginator,
    ) -> AsyncIterator[Page]:
        # A sliding window: at most `concurrency` pages are in flight or fetched-but-not-yet-consumed, so a
        # consumer slower than the network (the store) keeps memory flat instead of buffering every page.

        # Bodies are handed over in `arrived`, not as task results: a finished task can sit in a reference
        # cycle (asyncio's done-callbacks) until the garbage collector's next full pass, and would keep its
        # page alive that long.
        arrived: dict[int, Any] = {}

        async def one(number: int) -> tuple[int, ConnectorError | None]:
            try:
                params = {**FULL_ORDER, **paginator.params_for(number)}
                arrived[number] = await self._get_list(state, params)
                return number, None
            except _FATAL:
                raise
            except ConnectorError as exc:
                return number, exc

        waiting = iter(numbers)
        pending: set[asyncio.Task[tuple[int, ConnectorError | None]]] = set()

        def refill() -> None:
            while len(pending) < self.concurrency:
                number = next(waiting, None)
                if number is None:
                    return
                pending.add(asyncio.create_task(one(number)))

        refill()
        try:
            while pending:
                finished, _ = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                for task in sorted(finished, key=lambda t: t.result()[0] if not t.exception() else 0):
                    pending.discard(task)
                    number, error = task.result()
                    if error is not None:
                        state.failed[number] = error
                        continue
                    yield self._page(state, number, arrived.pop(number))
                refill()
        finally:
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

    async def _incremental(self, state: ListingState, cut: datetime) -> AsyncIterator[Page]:
        paginator = PageNumberPaginator(limit=self.page_size)
        while paginator.has_next_page:
            number = paginator.page
            body = await self._get_list(state, paginator.update_params(dict(INCREMENTAL_ORDER)))
            paginator.update_state(body)
            results = body["results"]
            stamps = [_raw_updated(raw) for raw in results]
            older = any(stamp is not None and stamp < cut for stamp in stamps)
            kept = [raw for raw, stamp in zip(results, stamps, strict=True) if stamp is None or stamp >= cut]
            yield self._page(state, number, {**body, "results": kept})
            if older:
                break

    # --- listing checks ------------------------------------------------------------------------------------

    def _check_counts(self, state: ListingState, number: int, body: dict[str, Any]) -> None:
        """Record the first page whose counts contradict its rows, and the first short page."""
        limit = envelope_int(body.get("limit")) or self.page_size
        problem = count_problem(body, page=number, limit=limit)
        if problem is not None and (state.count_problem_page is None or number < state.count_problem_page):
            if state.count_problem is None:
                log.warning("%s listing of %s: page %d: %s", SERVICE, state.entity, number, problem)
            state.count_problem, state.count_problem_page = problem, number
        if len(body["results"]) < limit and (state.short_page is None or number < state.short_page):
            state.short_page = number

    @staticmethod
    def _note_tenant(state: ListingState, raw: Any) -> None:
        """Sample the rows' owning organisations (`@self.organisation`): one for all rows hints at a tenant
        filter (catalogue-api.md §5.6, §8)."""
        meta = raw.get("@self") if isinstance(raw, dict) else None
        tenant = meta.get("organisation") if isinstance(meta, dict) else None
        if not isinstance(tenant, str) or not tenant:
            state.untenanted += 1
        elif len(state.tenants) < TENANT_SAMPLE:
            state.tenants.add(tenant.lower())

    # --- one request ---------------------------------------------------------------------------------------

    def _schema(self, entity: str) -> str:
        if entity not in ENTITY_TYPES:
            raise ConfigError(f"unknown catalogue entity {entity!r}; valid: {', '.join(ENTITY_TYPES)}")
        schema = self.schemas.get(entity)
        if not schema:
            raise ConfigError(
                f"no schema slug for catalogue entity {entity!r} in SWC_CATALOGUE__SCHEMAS",
                hint=f'add "{entity}": "<slug>", e.g. {DEFAULT_SCHEMAS[entity]!r}',
            )
        return schema

    def _list_url(self, entity: str) -> str:
        return f"{self.api_prefix}/objects/{self.register}/{self._schema(entity)}"

    async def _get_list(self, state: ListingState, params: Mapping[str, str | int]) -> dict[str, Any]:
        schema = self._schema(state.entity)
        async with self._slots:
            body = await get_json(
                self.http,
                self._list_url(state.entity),
                params=params,
                policy=self.retry,
                stats=state.stats,
                service=SERVICE,
                not_found=f"register {self.register!r} / schema {schema!r} ({state.entity})",
                not_found_hint="check SWC_CATALOGUE__REGISTER_SLUG and SWC_CATALOGUE__SCHEMAS "
                "(entity -> schema slug); slugs differ between catalogue versions",
            )
        if not isinstance(body, dict) or not isinstance(body.get("results"), list):
            got = type(body).__name__ if not isinstance(body, dict) else f"keys {sorted(body)[:8]}"
            raise UnexpectedPayload(
                f"{SERVICE}: list of {state.entity} has no `results` list ({got})",
                service=SERVICE,
                hint="the server may not be an OpenRegister objects API; check SWC_CATALOGUE__API_PREFIX",
            )
        return body

    def _page(self, state: ListingState, number: int, body: dict[str, Any]) -> Page:
        """Map a page's objects (skipping unmappable ones) and update the listing's counts."""
        pages = PageNumberPaginator(limit=self.page_size).page_count(body)  # from `pages` or `total`
        total = envelope_int(body.get("total"))
        if total is not None:
            state.totals.append(total)
        state.max_pages = max(state.max_pages, pages or 0)
        state.pages += 1
        self._check_counts(state, number, body)
        records: list[CatalogueRecord] = []
        skipped: list[Skipped] = []
        for raw in body["results"]:
            self._note_tenant(state, raw)
            try:
                record = parse_record(state.entity, raw)
            except RecordError as exc:
                skipped.append(Skipped(exc.id, exc.reason))
                if exc.id:
                    state.id_hashes.add(hash(exc.id.lower()))
                continue
            key = hash(record.id)
            if key in state.id_hashes:  # listed twice (same page or an earlier one): the first is kept
                skipped.append(Skipped(record.id, DUPLICATE_REASON))
                continue
            records.append(record)
            state.id_hashes.add(key)
        return Page(state.entity, number, records, skipped, total)
