"""Nextcloud accounts through the OCS provisioning API: who an account is, its groups, enabled, last login.

    async with AccountsClient.connect(base_url, user=..., password=...) as accounts:
        groups = await accounts.fetch_groups(uid)        # GET /ocs/v2.php/cloud/users/{uid}/groups
        account = await accounts.fetch_account(uid)      # GET /ocs/v2.php/cloud/users/{uid}
        async for account in accounts.fetch_accounts():  # GET /ocs/v2.php/cloud/users/details, in pages

Every request carries ``OCS-APIRequest: true`` (without it Nextcloud fails the CSRF check, 412) and
``format=json``. v2 puts the OCS status into the HTTP status: 401 (997) not logged in, 404 (998) unknown
user, or another account looked up by a non-admin (older Nextcloud: 997 / 401). Listing all users is for
admins: anyone else gets an empty list, not an error. Errors are mapped as ``connectors.http`` maps them,
with service ``"accounts"``. The login uid of a catalogue account is its e-mail address.

``fetch_accounts`` reads ``cloud/users/details`` (Nextcloud 14+): a page of accounts keyed by uid, each with
what ``cloud/users/{uid}`` answers, so 4,000 accounts take 8 requests of 500 instead of 4,001. A server
without that route (404, 405, no OCS envelope, or the details of an account named "details": an older
Nextcloud's ``cloud/users/{uid}``) gets the old way: the uids in pages, then one request per account.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import Any
from urllib.parse import quote

import httpx
from pydantic import SecretStr

from connectors.catalogue import basic_auth
from connectors.errors import ConnectorError, NotFound, UnexpectedPayload
from connectors.http import RequestStats, RetryPolicy, build_http_client, get_json, redact

__all__ = ["ADMIN_GROUP", "Account", "AccountsClient", "OCS_PREFIX", "SERVICE"]

SERVICE = "accounts"
OCS_PREFIX = "/ocs/v2.php/cloud"
ADMIN_GROUP = "admin"  # Nextcloud's admin group; OpenRegister lets its members bypass RBAC and tenants
_HEADERS = {"OCS-APIRequest": "true"}
_JSON = {"format": "json"}
_DETAILS = "users/details"
log = logging.getLogger(__name__)


class NoOcsEnvelope(UnexpectedPayload):
    """The answer is JSON but no OCS envelope: not the provisioning API (or not this route of it)."""


class _NoDetailsRoute(Exception):
    """The server has no ``cloud/users/details`` (Nextcloud before 14): list the accounts one by one."""


@dataclass(frozen=True)
class Account:
    """One Nextcloud account as the provisioning API shows it (fields absent for a non-admin are None)."""

    uid: str
    display_name: str | None
    email: str | None
    enabled: bool | None  # only admins see it
    last_login: datetime | None  # None: never logged in
    groups: tuple[str, ...]


def _data(body: Any, url: str) -> Any:
    """The `ocs.data` of an OCS envelope; UnexpectedPayload when the envelope is not there."""
    ocs = body.get("ocs") if isinstance(body, dict) else None
    meta = ocs.get("meta") if isinstance(ocs, dict) else None
    if not isinstance(ocs, dict) or not isinstance(meta, dict) or "data" not in ocs:
        raise NoOcsEnvelope(
            f"{SERVICE}: {url} answered without an OCS envelope",
            service=SERVICE,
            url=url,
            hint="the base URL must be the Nextcloud backend (SWC_CATALOGUE__BASE_URL)",
        )
    if meta.get("statuscode") not in (100, 200):  # v2 maps failures to HTTP statuses; v1 does not
        raise UnexpectedPayload(
            f"{SERVICE}: {url} answered OCS status {meta.get('statuscode')}: {meta.get('message') or ''}",
            service=SERVICE,
            url=url,
        )
    return ocs["data"]


def _account(data: Any, url: str) -> Account:
    if not isinstance(data, dict) or not isinstance(data.get("id"), str):
        raise UnexpectedPayload(f"{SERVICE}: {url} holds no account", service=SERVICE, url=url)
    last = data.get("lastLogin")
    when = datetime.fromtimestamp(last / 1000, UTC) if isinstance(last, int | float) and last > 0 else None
    groups = data.get("groups")
    enabled = data.get("enabled")
    return Account(
        uid=data["id"],
        display_name=data.get("displayname") or data.get("display-name"),
        email=data.get("email") or None,
        enabled=enabled if isinstance(enabled, bool) else None,
        last_login=when,
        groups=tuple(str(g) for g in groups) if isinstance(groups, list) else (),
    )


def _details_accounts(users: dict[str, Any] | list[Any], url: str) -> Iterator[Account]:
    """The accounts of one ``users`` page. PHP encodes an empty page (or one keyed 0..n-1) as a list. An
    entry holding only ``id`` is an account this login may not see, or one its backend no longer has
    (Nextcloud's "remnant"): ``cloud/users/{uid}`` would answer 404 for it, so it is left out."""
    for entry in users.values() if isinstance(users, dict) else users:
        if isinstance(entry, dict) and set(entry) <= {"id"}:
            continue
        yield _account(entry, url)


class AccountsClient:
    """Reads Nextcloud accounts over OCS v2. Use as `async with AccountsClient.connect(...)`."""

    def __init__(
        self, http: httpx.AsyncClient, *, retry: RetryPolicy | None = None, owns_http: bool = False
    ) -> None:
        self.http = http
        self.retry = retry or RetryPolicy()
        self.stats = RequestStats()
        self._owns_http = owns_http
        self._details = True  # False once the server showed it has no cloud/users/details

    @classmethod
    def connect(
        cls,
        base_url: str,
        *,
        user: str | None = None,
        password: str | SecretStr | None = None,
        timeout: float = 30.0,
        max_retries: int = 5,
        max_retry_seconds: float = 120.0,
        transport: httpx.AsyncBaseTransport | None = None,
        retry: RetryPolicy | None = None,
        max_connections: int = 2,
    ) -> AccountsClient:
        """A client with its own connection pool (`max_connections`: requests in flight at once); a user
        without a password (or the reverse) is a ConfigError, as for the catalogue (the same Nextcloud, the
        same credentials)."""
        http = build_http_client(
            base_url,
            auth=basic_auth(user, password),
            timeout=timeout,
            transport=transport,
            headers=_HEADERS,
            max_connections=max_connections,
        )
        policy = retry or RetryPolicy(max_retries=max_retries, max_retry_seconds=max_retry_seconds)
        return cls(http, retry=policy, owns_http=True)

    def __repr__(self) -> str:
        return f"AccountsClient({redact(self.http.base_url)!r})"

    async def __aenter__(self) -> AccountsClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._owns_http:
            await self.http.aclose()

    async def _get(self, path: str, what: str, **params: str | int) -> Any:
        url = f"{OCS_PREFIX}/{path}"
        body = await get_json(
            self.http,
            url,
            params={**_JSON, **params},
            policy=self.retry,
            stats=self.stats,
            service=SERVICE,
            not_found=what,
            not_found_hint="the account does not exist, or this login may not see it (only admins see "
            "other accounts); the uid is the account's login name, usually its e-mail address",
        )
        return _data(body, url)

    async def fetch_groups(self, uid: str) -> list[str]:
        """The groups of `uid` (an account may always ask for its own)."""
        data = await self._get(f"users/{quote(uid, safe='')}/groups", f"account {uid!r}")
        groups = data.get("groups") if isinstance(data, dict) else None
        if not isinstance(groups, list):
            raise UnexpectedPayload(f"{SERVICE}: groups of {uid!r} are not a list", service=SERVICE)
        return [str(g) for g in groups]

    async def fetch_account(self, uid: str) -> Account:
        """One account's details."""
        path = f"users/{quote(uid, safe='')}"
        return _account(await self._get(path, f"account {uid!r}"), f"{OCS_PREFIX}/{path}")

    async def fetch_uids(self, *, search: str = "", page_size: int = 500) -> AsyncIterator[str]:
        """Every uid this login may list, `page_size` at a time (a non-admin gets none)."""
        offset = 0
        while True:
            data = await self._get("users", "the user list", search=search, limit=page_size, offset=offset)
            users = data.get("users") if isinstance(data, dict) else None
            if not isinstance(users, list):
                raise UnexpectedPayload(f"{SERVICE}: the user list is not a list", service=SERVICE)
            for uid in users:
                yield str(uid)
            if len(users) < page_size:
                return
            offset += len(users)

    async def fetch_accounts(
        self, *, search: str = "", page_size: int = 500, concurrency: int = 1
    ) -> AsyncIterator[Account]:
        """Every account this login may list with its details, `page_size` accounts a request (a non-admin
        gets none). An older Nextcloud without ``cloud/users/details`` is asked one request per account,
        `concurrency` at a time; an account gone between the listing and its lookup (404) is left out."""
        if self._details:
            try:
                async for account in self._fetch_details(search, page_size):
                    yield account
                return
            except _NoDetailsRoute:
                self._details = False  # this server will not grow the route while the client lives
                log.info(
                    "accounts: no %s/%s (Nextcloud before 14): one request per account", OCS_PREFIX, _DETAILS
                )
        async for account in self._fetch_one_by_one(search, page_size, concurrency):
            yield account

    async def _fetch_details(self, search: str, page_size: int) -> AsyncIterator[Account]:
        """The accounts from ``cloud/users/details``; _NoDetailsRoute when its first page says the route
        is not there (nothing has been yielded then)."""
        url, offset, seen = f"{OCS_PREFIX}/{_DETAILS}", 0, set[str]()
        while True:
            users = await self._details_page(url, search=search, limit=page_size, offset=offset)
            for account in _details_accounts(users, url):
                if account.uid not in seen:  # an account added meanwhile shifts the pages: a repeat
                    seen.add(account.uid)
                    yield account
            if len(users) < page_size:  # the last page, or an empty one after a full last page
                return
            # Nextcloud hands limit and offset to each user backend: the next page starts page_size on
            offset += page_size

    async def _details_page(
        self, url: str, *, offset: int, **params: str | int
    ) -> dict[str, Any] | list[Any]:
        try:
            data = await self._get(_DETAILS, "the user details list", offset=offset, **params)
        except (NotFound, NoOcsEnvelope) as exc:
            if offset == 0:
                raise _NoDetailsRoute from exc
            raise
        except ConnectorError as exc:
            if offset == 0 and exc.status == 405:
                raise _NoDetailsRoute from exc
            raise
        users = data.get("users") if isinstance(data, dict) else None
        if users is None and offset == 0:  # e.g. the details of an account "details" (cloud/users/{uid})
            raise _NoDetailsRoute
        if not isinstance(users, dict | list):
            raise UnexpectedPayload(f"{SERVICE}: {url} holds no users object", service=SERVICE, url=url)
        return users

    async def _fetch_one_by_one(
        self, search: str, page_size: int, concurrency: int
    ) -> AsyncIterator[Account]:
        """The old way: a page of uids, then each account, `concurrency` at a time; 404: gone meanwhile."""
        gate = asyncio.Semaphore(max(1, concurrency))

        async def one(uid: str) -> Account | None:
            async with gate:
                try:
                    return await self.fetch_account(uid)
                except NotFound:
                    return None

        page: list[str] = []
        async for uid in self.fetch_uids(search=search, page_size=page_size):
            page.append(uid)
            if len(page) == page_size:
                for found in await asyncio.gather(*(one(u) for u in page)):
                    if found is not None:
                        yield found
                page = []
        for found in await asyncio.gather(*(one(u) for u in page)):
            if found is not None:
                yield found
