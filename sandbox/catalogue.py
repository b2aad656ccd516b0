"""A local OpenRegister objects API for the catalogue register ``voorzieningen``, quirks included.

``create_app(state, ...)`` returns a ``sandbox.server`` app over a ``CatalogueState``
(``sandbox/catalogue_state.py``; objects and rendering in ``sandbox/catalogue_objects.py``). The same app
serves Nextcloud's OCS provisioning API for the accounts (``sandbox/accounts.py``). Behaviour follows
/work/shared/reference/catalogue-api.md (§2 routes, §3 ``@self``, §5 query mechanics, §8 the source). The
options pick the server generation:

* ``next_links=True`` (v0.2.x, Dec 2025): envelope with ``offset`` and ``next``/``prev``, built by a
  ``page=N`` regex: with ``_page=`` in the URL the regex misses but a substring test for ``page=`` hits, so
  ``next`` is the unchanged URL; without it ``page=N`` is appended (a property filter). ``@self.published``
  /``depublished``; 404 body ``{"error": "Not Found"}``; anonymous callers get 401 unless ``anonymous=True``.
  ``next_links=False`` (v1.0.x, 2026): no ``offset``, no links, response-level ``@self``, ``facets``, 404
  ``{"error": "Object with id X not found"}``; the listing is ``@PublicPage``: anonymous callers get 200 with
  the public rows only (``anonymous=False`` makes them 401 again).
* Nextcloud tries Basic auth only when user and password are both non-empty: an empty password is anonymous.
* Accounts (``accounts=AccountBook``, built from the data by default): an admin-group member sees every
  row; any other account sees its organisation's rows plus the public ones, and ``total`` counts the same.
* ``updated_filter="range"`` (v0.2.7): metadata operators are ranges, unknown property filters are applied
  (and match nothing). ``"exact"`` (2026 magic mapper): ``@self[updated][gte]=X`` means ``updated IN (X)``,
  and unknown property filters give zero results plus ``@self.ignoredFilters`` and a ``hint``.
* ``strip_empty=True`` (2026): null/empty values are left out at any depth, ``@self`` too, unless
  ``_empty=true``.
* no ``_order``: a seeded shuffle per request (the 2026 magic mapper has no default order); ties of an
  order without a unique last key are shuffled per request as well. Always send a tie-breaker.
* unknown register or schema: 404 ``{"message": "Schema not found: 'x'"}``.
"""

from __future__ import annotations

import gzip
import itertools
import math
import random
import re
import time
from base64 import b64decode
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from sandbox.accounts import OCS_PREFIXES, Account, AccountBook, ocs_response
from sandbox.catalogue_objects import (
    API_PREFIXES,
    REGISTER,
    REGISTER_ID,
    SCHEMA_IDS,
    SCHEMAS,
    Clock,
    _Stored,
    public,
    render,
)
from sandbox.catalogue_objects import iso as _iso  # noqa: F401 - tests format times as the server does
from sandbox.catalogue_query import Filter, Query, parse_query
from sandbox.catalogue_state import CatalogueState, _unique_last, _window
from sandbox.faults import FaultPlan, with_faults
from sandbox.server import App, Request, Response, ServerHandle, encode_json, serve_in_thread

__all__ = [
    "API_PREFIXES",
    "REGISTER",
    "REGISTER_ID",
    "SCHEMA_IDS",
    "Clock",
    "CatalogueState",
    "build_accounts",
    "create_app",
    "render",
    "serve_catalogue",
    "DEFAULT_USER",
    "DEFAULT_PASSWORD",
]

DEFAULT_USER = "beheer"
DEFAULT_PASSWORD = "sandbox-app-password"


def build_accounts(state: CatalogueState, *, admins: Mapping[str, str] | None = None) -> AccountBook:
    """The account population for the catalogue in ``state`` (see ``sandbox.accounts``)."""
    snapshot = state.snapshot()
    usage: dict[str, int] = {}
    for row in snapshot.get("gebruik", []):
        tenant = row["@self"].get("organisation")
        if isinstance(tenant, str):
            usage[tenant] = usage.get(tenant, 0) + 1
    return AccountBook.build(snapshot.get("contactpersoon", []), usage_per_organisation=usage, admins=admins)


@dataclass(frozen=True)
class _Options:
    users: Mapping[str, str]  # extra admin logins (uid -> app password)
    anonymous: bool
    exact: bool
    legacy: bool
    strip_empty: bool
    shuffle_seed: int
    accounts: AccountBook | None = None  # None: built from the state (with `users` as admins)
    ocs: bool = True  # False: the provisioning API is not reachable (app disabled or blocked)


def _resolve_schema(register: str, schema: str) -> tuple[str | None, str | None]:
    """(schema slug, error message) for a register/schema given by slug or numeric id."""
    if register not in (REGISTER, str(REGISTER_ID)):
        return None, f"Register not found: '{register}'"
    for slug, number in SCHEMA_IDS.items():
        if schema in (slug, str(number)):
            return slug, None
    return None, f"Schema not found: '{schema}'"


def _caller(request: Request, book: AccountBook) -> Account | None | Literal[False]:
    """The logged-in account, None for anonymous, or False for wrong credentials.

    Nextcloud (``Session::tryBasicAuthLogin``) tries Basic auth only when user and password are both
    non-empty; otherwise the request is anonymous.
    """
    header = request.header("authorization")
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        user, _, password = b64decode(value.strip()).decode("utf-8").partition(":")
    except (ValueError, UnicodeDecodeError):
        return False
    if not user or not password:
        return None
    account = book.authenticate(user, password)
    return account if account is not None else False


def _visibility(caller: Account | None) -> tuple[Callable[[_Stored], bool], tuple[Any, ...]]:
    """Which rows a caller sees, and a cache key for that: everything (admin group), the own
    organisation's rows plus the public ones (any other account), or the public ones (anonymous)."""
    if caller is None:
        return public, ("public",)
    if caller.is_admin:
        return (lambda _o: True), ("all",)
    tenant = caller.organisation

    def own_or_public(obj: _Stored) -> bool:
        return (tenant is not None and obj.organisation == tenant) or public(obj)

    return own_or_public, ("tenant", tenant)


def _route(path: str) -> list[str] | None:
    for prefix in API_PREFIXES:
        if path.startswith(prefix + "/"):
            return [part for part in path[len(prefix) :].split("/") if part]
    return None


def _page_link(url: str, page: int) -> str:
    """v0.2.x: ``preg_replace('/([?&])page=\\d+/', ...)``, then append ``page=N`` unless ``page=`` occurs
    anywhere. With ``_page=2`` the regex misses and the substring test hits: the URL comes back unchanged."""
    replaced = re.sub(r"([?&])page=\d+", lambda m: f"{m.group(1)}page={page}", url)
    if "page=" in replaced:
        return replaced
    return f"{replaced}{'&' if '?' in replaced else '?'}page={page}"


_RESULTS_PREFIX = b'{"results":[]'  # how encode_json starts an envelope whose results are empty


class _CatalogueApp:
    def __init__(self, state: CatalogueState, options: _Options, *, byte_cache: bool = True) -> None:
        self.state = state
        self.options = options
        self.accounts = options.accounts or build_accounts(state, admins=options.users)
        self.serial = itertools.count()
        # False: every list page is rendered and encoded as a whole (the reference path the tests
        # compare the cached byte path against).
        self.byte_cache = byte_cache

    def __call__(self, request: Request) -> Response:
        caller = _caller(request, self.accounts)
        if request.path.startswith(OCS_PREFIXES):
            if caller is False:
                return Response.json({"message": ""}, status=401)
            return ocs_response(self.accounts, request, caller, enabled=self.options.ocs)
        parts = _route(request.path)
        if parts is None:
            return Response.json({"message": "Page not found"}, status=404)
        if caller is False or (caller is None and not self.options.anonymous):
            return Response.json({"message": "Current user is not logged in"}, status=401)
        if request.method not in ("GET", "HEAD"):
            return Response.json({"error": "Method not allowed in the sandbox"}, status=405)
        if parts and parts[0] == "registers":
            return self._registers()
        if len(parts) not in (3, 4) or parts[0] != "objects":
            return Response.json({"message": "Page not found"}, status=404)
        schema, error = _resolve_schema(parts[1], parts[2])
        if schema is None:
            return Response.json({"message": error}, status=404)
        if len(parts) == 4:
            return self._show(schema, parts[3], caller)
        return self._index(request, schema, caller)

    def _registers(self) -> Response:
        register = {
            "id": REGISTER_ID,
            "slug": REGISTER,
            "title": "Voorzieningen",
            "version": "2.0.0",
            "schemas": [
                {"id": n, "slug": s, "version": SCHEMAS[s]["version"]} for s, n in SCHEMA_IDS.items()
            ],
        }
        return Response.json({"results": [register], "total": 1})

    def _show(self, schema: str, object_id: str, caller: Account | None) -> Response:
        with self.state.lock:
            stored = self.state._objects[schema].get(object_id.lower())
            if stored is None or stored.deleted:
                body = (
                    {"error": "Not Found"}
                    if self.options.legacy
                    else {"error": f"Object with id {object_id} not found"}
                )
                return Response.json(body, status=404)
            if not _visibility(caller)[0](stored):
                return Response.json({"error": "You do not have permission to view this object"}, status=403)
            strip = self.options.strip_empty
            if not self.byte_cache:
                return Response.json(render(stored, legacy=self.options.legacy, strip=strip))
            return Response.json_bytes(stored.encoded(self.options.legacy, stripped=strip))

    def _index(self, request: Request, schema: str, caller: Account | None) -> Response:
        started = time.perf_counter()
        query = parse_query(request.query)
        known = SCHEMAS[schema]["properties"]
        ignored = [f for f in query.filters if not f.meta and f.path[0] not in known]
        zero = self.options.exact and bool(ignored)
        visible, audience = _visibility(caller)
        key = (
            audience,
            tuple(query.filters),
            query.search,
            tuple(query.order),
            self.options.exact,
            query.published_only,
        )
        with self.state.lock:
            found, keys = (
                ([], [])
                if zero
                else self.state._listing(
                    schema,
                    visible,
                    query.filters,
                    query.search,
                    query.order,
                    self.options.exact,
                    query.published_only,
                    key,
                )
            )
            page = self._page(found, keys, query)
            parts = self._encoded(page, query) if self.byte_cache else []
            results = [] if self.byte_cache else [self._render(o, query) for o in page]
        total = len(found)
        ignored = ignored if self.options.exact else []
        if not self.byte_cache:
            body = self._envelope(request, query, results, total, ignored, started)
            return self._respond(request, Response.json(body), len(results))
        # The envelope with empty results, then the page's object bytes spliced in as "results" (the
        # first key): byte for byte what encode_json(envelope with the rendered results) gives.
        envelope = encode_json(self._envelope(request, query, [], total, ignored, started))
        if not envelope.startswith(_RESULTS_PREFIX):  # pragma: no cover - _envelope puts results first
            raise AssertionError("list envelope must start with results")
        spliced = b'{"results":[' + b",".join(parts) + b"]" + envelope[len(_RESULTS_PREFIX) :]
        return self._respond(request, Response.json_bytes(spliced), len(parts))

    def _render(self, obj: _Stored, query: Query) -> dict[str, Any]:
        return render(
            obj,
            legacy=self.options.legacy,
            query=query,
            strip=self.options.strip_empty and not query.empty,
            lookup=self.state._find,
        )

    def _encoded(self, page: list[_Stored], query: Query) -> list[bytes]:
        """Each object's JSON bytes; the plain rendering comes from the object's memo (call under the lock).

        Plain: no ``_fields``/``_unset``/``_extend``; memoised with and without strip-empty (which
        ``_empty=true`` overrides). Anything else is rendered per request, as ``_extend`` reads other objects
        and the rest depends on the query.
        """
        legacy = self.options.legacy
        if query.fields is not None or query.unset or query.extend:
            return [encode_json(self._render(o, query)) for o in page]
        strip = self.options.strip_empty and not query.empty
        return [o.encoded(legacy, stripped=strip) for o in page]

    def _page(self, found: list[_Stored], keys: list[Any], query: Query) -> list[_Stored]:
        rng = random.Random(f"{self.options.shuffle_seed}:{next(self.serial)}")
        start, stop = query.offset, query.offset + query.limit
        if not query.order:
            shuffled = list(found)
            rng.shuffle(shuffled)
            return shuffled[start:stop]
        if _unique_last(query.order):
            return found[start:stop]
        return _window(found, keys, start, stop, rng)

    def _envelope(
        self,
        request: Request,
        query: Query,
        results: list[dict[str, Any]],
        total: int,
        ignored: list[Filter],
        started: float,
    ) -> dict[str, Any]:
        pages = max(1, math.ceil(total / query.limit))
        body: dict[str, Any] = {
            "results": results,
            "total": total,
            "page": query.page,
            "pages": pages,
            "limit": query.limit,
        }
        if self.options.legacy:
            body["offset"] = query.offset
            url = request.path + ("?" + request.raw_query if request.raw_query else "")
            if query.page < pages:
                body["next"] = _page_link(url, query.page + 1)
            if query.page > 1:
                body["prev"] = _page_link(url, query.page - 1)
            return body
        body["facets"] = []
        meta: dict[str, Any] = {
            "source": "database",
            "query": dict(request.query),
            "rbac": True,
            "multi": True,
            "metrics": {"total_ms": round((time.perf_counter() - started) * 1000, 2)},
        }
        if ignored:
            names = [f.raw_name for f in ignored]
            meta["ignoredFilters"] = names
            suggestions = [
                f"_{n}"
                for n in names
                if f"_{n}" in {"_page", "_limit", "_offset", "_order", "_search", "_fields", "_extend"}
            ]
            meta["hint"] = f"Unknown filter(s) {', '.join(names)} matched no schema property." + (
                f" Did you mean {', '.join(suggestions)}?" if suggestions else ""
            )
        body["@self"] = meta
        return body

    def _respond(self, request: Request, response: Response, count: int) -> Response:
        accepts = request.header("accept-encoding") or ""
        if count > 10 and re.search(r"\bgzip\b", accepts):
            # Level 1: any level decodes to the same bytes, so clients cannot tell. On the real service
            # compression runs on VNG's machine; here it would run on the benchmark client's cores.
            response.body = gzip.compress(response.body, compresslevel=1)
            response.headers += [("Content-Encoding", "gzip"), ("Vary", "Accept-Encoding")]
        return response


def create_app(
    state: CatalogueState,
    *,
    users: Mapping[str, str] | None = None,
    anonymous: bool | None = None,
    updated_filter: Literal["range", "exact"] = "range",
    next_links: bool = True,
    strip_empty: bool = False,
    faults: FaultPlan | None = None,
    shuffle_seed: int = 0,
    accounts: AccountBook | None = None,
    ocs: bool = True,
) -> App:
    """The objects API (and OCS) over ``state``; see the module docstring for what each option switches.

    ``anonymous=None`` follows the generation: 401 on v0.2.x (``next_links=True``), public rows on v1.0.x.
    ``users``: extra admin logins besides the standard accounts (``sandbox.accounts.STANDARD_LOGINS``).
    """
    if updated_filter not in ("range", "exact"):
        raise ValueError(f"updated_filter must be 'range' or 'exact', not {updated_filter!r}")
    options = _Options(
        users=dict(users or {}),
        anonymous=(not next_links) if anonymous is None else anonymous,
        exact=updated_filter == "exact",
        legacy=next_links,
        strip_empty=strip_empty,
        shuffle_seed=shuffle_seed,
        accounts=accounts,
        ocs=ocs,
    )
    inner = with_faults(_CatalogueApp(state, options), faults)

    def app(request: Request) -> Response:
        state.count_request(request.method, request.path)
        return inner(request)

    return app


def serve_catalogue(
    dataset: Any = None,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    faults: FaultPlan | None = None,
    **app_options: Any,
) -> tuple[ServerHandle, CatalogueState]:
    """Start the catalogue sandbox over ``dataset`` in a background thread; returns (handle, state)."""
    state = CatalogueState(dataset)
    handle = serve_in_thread(create_app(state, faults=faults, **app_options), host=host, port=port)
    return handle, state
