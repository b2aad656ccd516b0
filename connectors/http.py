"""HTTP plumbing shared by the connectors: client building, retries, request counts and error mapping."""

from __future__ import annotations

import asyncio
import logging
import random
import re
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from importlib.metadata import PackageNotFoundError, version
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
from tenacity import AsyncRetrying, RetryCallState

from config.errors import ConfigError
from connectors import jsoncodec
from connectors.errors import (
    AuthFailed,
    ConnectorError,
    NotFound,
    RateLimited,
    RemoteUnavailable,
    UnexpectedPayload,
)
from connectors.jsonsplit import split_listing

__all__ = [
    "AUTH_HINTS",
    "USER_AGENT",
    "RequestStats",
    "RetryPolicy",
    "TransientHTTPError",
    "build_http_client",
    "error_from_response",
    "get_json",
    "map_http_errors",
    "parse_retry_after",
    "redact",
]

log = logging.getLogger(__name__)

try:
    _VERSION = version("swc-beheer")
except PackageNotFoundError:  # running from a source tree that was never installed
    _VERSION = "0+unknown"
USER_AGENT = f"swc-beheer/{_VERSION}"

# Query parameters whose values are secrets wherever they appear in a URL.
_SECRET_PARAMS = re.compile(
    r"(?:^|[_-])(?:token|password|passwd|secret|key|apikey|signature|sig|auth|code)$", re.IGNORECASE
)
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_RETRY_AFTER_STATUSES = frozenset({429, 503})

# What to tell the user per service when the remote refuses the credentials.
AUTH_HINTS: dict[str, tuple[str, str]] = {
    "catalogue": (
        "check SWC_CATALOGUE__USER / SWC_CATALOGUE__PASSWORD (use a Nextcloud app password; "
        "MFA accounts cannot use their login password)",
        "the account lacks rights; a full sync needs a functioneel-beheerder/admin account",
    ),
    "accounts": (  # Nextcloud's OCS provisioning API, reached with the catalogue's credentials
        "check SWC_CATALOGUE__USER / SWC_CATALOGUE__PASSWORD (the OCS API uses the catalogue's login)",
        "the account may not read this; Nextcloud shows other accounts to admins only",
    ),
    "github": (
        "check SWC_GITHUB__TOKEN (or the GitHub App settings); it may be expired or revoked",
        "the token lacks access to this repository; give it read access to issues",
    ),
}


def redact(url: str | httpx.URL) -> str:
    """`url` without userinfo and with the values of token-like query parameters masked."""
    parts = urlsplit(str(url))
    netloc = parts.hostname or ""
    if parts.port is not None:
        netloc = f"{netloc}:{parts.port}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        masked = [(k, "***" if _SECRET_PARAMS.search(k) else v) for k, v in pairs]
        query = urlencode(masked, safe="[]@.,:*")
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


@dataclass
class RequestStats:
    """How many HTTP requests were sent, and how many of them were retries."""

    requests: int = 0
    retries: int = 0

    def add(self, other: RequestStats) -> None:
        self.requests += other.requests
        self.retries += other.retries


@dataclass(frozen=True)
class RetryPolicy:
    """Retry bounds per request; `sleep` and `clock` are injectable so tests need not wait."""

    max_retries: int = 5
    max_retry_seconds: float = 120.0
    backoff_initial: float = 0.5
    backoff_max: float = 30.0
    sleep: Callable[[float], Awaitable[None]] = field(default=asyncio.sleep, repr=False)
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)


class TransientHTTPError(Exception):
    """A response worth retrying: 5xx, 429, or a 2xx whose body was cut or undecodable."""

    def __init__(
        self,
        reason: str,
        *,
        status: int,
        url: str,
        retry_after: float | None = None,
        server_message: str | None = None,
    ) -> None:
        super().__init__(f"{reason} from {url}")
        self.reason = reason
        self.status = status
        self.url = url  # redacted
        self.retry_after = retry_after
        self.server_message = server_message


def build_http_client(
    base_url: str,
    *,
    auth: tuple[str, str] | httpx.Auth | None = None,
    timeout: float,
    transport: httpx.AsyncBaseTransport | None = None,
    headers: Mapping[str, str] | None = None,
    max_connections: int = 10,
) -> httpx.AsyncClient:
    """An AsyncClient for one service: JSON, gzip, our User-Agent; userinfo in the URL becomes Basic auth."""
    parsed = httpx.URL(base_url)
    if parsed.username and auth is None:
        auth = (parsed.username, parsed.password or "")
    if isinstance(auth, tuple) and not all(auth):
        # Nextcloud serves Basic auth with an empty user or password as anonymous: never send one
        raise ConfigError(
            f"HTTP Basic auth for {redact(parsed)} needs both a user and a password",
            hint="set both, or neither for anonymous access",
        )
    clean = parsed.copy_with(username=None, password=None) if parsed.userinfo else parsed
    all_headers = {"Accept": "application/json", "Accept-Encoding": "gzip", "User-Agent": USER_AGENT}
    all_headers.update(headers or {})
    limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
    return httpx.AsyncClient(
        base_url=clean,
        auth=auth,
        timeout=httpx.Timeout(timeout),
        headers=all_headers,
        transport=transport,
        limits=limits,
        follow_redirects=True,
    )


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date); None if absent or bad."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _server_message(response: httpx.Response) -> str | None:
    """The `message` or `error` text of an error body, shortened; None when the body says nothing."""
    try:
        body = response.json()
    except (ValueError, UnicodeDecodeError, httpx.HTTPError):
        try:
            text = response.text.strip()
        except (UnicodeDecodeError, httpx.HTTPError):
            return None
        return text[:200] or None
    if isinstance(body, dict):
        for key in ("message", "error"):
            if isinstance(body.get(key), str) and body[key].strip():
                return str(body[key]).strip()[:300]
    return None


def error_from_response(
    response: httpx.Response,
    service: str,
    *,
    not_found: str | None = None,
    not_found_hint: str | None = None,
) -> ConnectorError:
    """The ConnectorError for a non-success response; `not_found` names what a 404 means here."""
    status = response.status_code
    url = redact(response.request.url)
    said = _server_message(response)
    suffix = f": {said}" if said else ""
    what = not_found or "the resource"
    params = {"service": service, "status": status, "url": url, "said": suffix, "what": what}
    kw: dict[str, Any] = {"service": service, "status": status, "url": url, "params": params}
    hints = AUTH_HINTS.get(service, ("check the credentials", "the account lacks rights"))
    if status == 401:
        return AuthFailed(
            f"{service}: authentication failed (401) at {url}{suffix}",
            hint=hints[0], key="error.http.401", hint_key=f"hint.{service}.401", **kw,
        )  # fmt: skip
    if status == 403:
        return AuthFailed(
            f"{service}: access denied (403) at {url}{suffix}",
            hint=hints[1], key="error.http.403", hint_key=f"hint.{service}.403", **kw,
        )  # fmt: skip
    if status == 404:
        return NotFound(
            f"{service}: {what} not found (404) at {url}{suffix}",
            hint=not_found_hint, key="error.http.404",
            hint_key=f"hint.{service}.404" if not_found_hint else None, **kw,
        )  # fmt: skip
    if status == 429:
        return RateLimited(
            f"{service}: rate limited (429) at {url}{suffix}", reset_at=None, key="error.http.429", **kw
        )
    if status >= 500:
        return RemoteUnavailable(
            f"{service}: server error {status} at {url}{suffix}",
            hint="the service is down or overloaded; the next run retries",
            key="error.http.5xx", hint_key="hint.http.retry_later", **kw,
        )  # fmt: skip
    return ConnectorError(
        f"{service}: request refused ({status}) at {url}{suffix}", key="error.http.refused", **kw
    )


def _error_from_transient(
    exc: TransientHTTPError, service: str, *, reset_at: datetime | None
) -> ConnectorError:
    said = f": {exc.server_message}" if exc.server_message else ""
    params = {"service": service, "status": exc.status, "url": exc.url, "said": said}
    kw: dict[str, Any] = {"service": service, "status": exc.status, "url": exc.url}
    if reset_at is None and exc.status == 429 and exc.retry_after is not None:
        reset_at = datetime.now(UTC) + timedelta(seconds=exc.retry_after)
    if reset_at is not None or exc.status == 429:
        when = f"; try again after {reset_at.isoformat(timespec='seconds')}" if reset_at else ""
        return RateLimited(
            f"{service}: {exc.reason} at {exc.url}{said}{when}",
            reset_at=reset_at,
            key=("error.http.rate_limited" if reset_at else "error.http.429")
            if exc.status == 429
            else "error.http.5xx_retried",
            params={**params, "when": reset_at.isoformat(timespec="seconds") if reset_at else ""},
            **kw,
        )
    return RemoteUnavailable(
        f"{service}: {exc.reason} at {exc.url}{said}",
        hint="the service is down or overloaded; the next run retries",
        key="error.http.5xx_retried" if exc.status >= 500 else "error.http.bad_body",
        hint_key="hint.http.retry_later",
        params=params,
        **kw,
    )


@contextmanager
def map_http_errors(
    service: str,
    *,
    not_found: str | None = None,
    not_found_hint: str | None = None,
) -> Iterator[None]:
    """Turn httpx exceptions (and our transient errors) into connectors.errors classes, chained `from exc`."""
    try:
        yield
    except ConnectorError:
        raise
    except TransientHTTPError as exc:
        raise _error_from_transient(exc, service, reset_at=None) from exc
    except httpx.HTTPStatusError as exc:
        raise error_from_response(
            exc.response, service, not_found=not_found, not_found_hint=not_found_hint
        ) from exc
    except httpx.TimeoutException as exc:
        url = redact(exc.request.url)
        raise RemoteUnavailable(
            f"{service}: timed out at {url}",
            service=service,
            url=url,
            hint="the service is slow or down; raise the timeout or retry later",
            key="error.http.timeout",
            hint_key="hint.http.timeout",
            params={"service": service, "url": url},
        ) from exc
    except (httpx.TransportError, httpx.DecodingError) as exc:
        url = redact(exc.request.url)
        raise RemoteUnavailable(
            f"{service}: connection failed ({type(exc).__name__}) at {url}",
            service=service,
            url=url,
            hint="check the base URL and the network; the next run retries",
            key="error.http.connection",
            hint_key="hint.http.connection",
            params={"service": service, "url": url, "kind": type(exc).__name__},
        ) from exc
    except httpx.InvalidURL as exc:
        raise ConnectorError(
            f"{service}: invalid URL ({exc})", service=service, hint="check the base URL setting"
        ) from exc
    except httpx.HTTPError as exc:
        raise ConnectorError(f"{service}: HTTP error ({type(exc).__name__})", service=service) from exc


def _is_retryable(exc: BaseException) -> bool:
    if isinstance(exc, TransientHTTPError):
        return True
    return isinstance(exc, httpx.TimeoutException | httpx.TransportError | httpx.DecodingError)


def _decode_json(response: httpx.Response, url: str, service: str) -> Any:
    """The JSON body; a cut or undecodable body is a transient fault, not contract drift.

    An HTML page (a login page, the public website) is no fault that a retry fixes: the URL is wrong.
    """
    kind = response.headers.get("content-type", "").lower()
    if "html" in kind or response.content.lstrip()[:1] == b"<":
        raise UnexpectedPayload(
            f"{url} answered with an HTML page, not JSON",
            service=service,
            status=response.status_code,
            url=url,
            hint="check the base URL (the Nextcloud backend, not the public website) and the API prefix "
            "(SWC_CATALOGUE__BASE_URL, SWC_CATALOGUE__API_PREFIX)",
        )
    try:
        return jsoncodec.loads_lenient(response.content)  # bad UTF-8 in one object spoils that object only
    except (ValueError, RecursionError):  # RecursionError: nested beyond any decoder's limit
        pass
    try:  # one object no decoder reads (too deep, broken syntax) spoils that object only
        return split_listing(response.content)
    except ValueError as exc:
        raise TransientHTTPError(
            "truncated or undecodable JSON body", status=response.status_code, url=url
        ) from exc


class _Budget:
    """Tracks the retry budget of one request; the tenacity `stop` and `wait` hooks consult it."""

    def __init__(self, policy: RetryPolicy) -> None:
        self.policy = policy
        self.start = policy.clock()
        self.reset_at: datetime | None = None  # set when a Retry-After exceeds the remaining budget

    def backoff(self, attempt: int) -> float:
        """Exponential backoff with jitter: initial * 2^(n-1) + U(0, initial), capped at backoff_max."""
        initial = self.policy.backoff_initial
        return float(min(self.policy.backoff_max, initial * 2 ** (attempt - 1) + random.uniform(0, initial)))

    def wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, TransientHTTPError) and exc.retry_after is not None:
            return exc.retry_after
        return self.backoff(state.attempt_number)

    def stop(self, state: RetryCallState) -> bool:
        if state.attempt_number > self.policy.max_retries:
            return True
        remaining = self.policy.max_retry_seconds - (self.policy.clock() - self.start)
        if state.upcoming_sleep <= remaining:
            return False
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, TransientHTTPError) and exc.retry_after is not None:
            self.reset_at = datetime.now(UTC) + timedelta(seconds=exc.retry_after)
        return True


async def get_json(
    client: httpx.AsyncClient,
    url: str,
    *,
    params: Mapping[str, str | int] | None = None,
    policy: RetryPolicy,
    stats: RequestStats,
    service: str,
    not_found: str | None = None,
    not_found_hint: str | None = None,
) -> Any:
    """GET `url` and decode its JSON, retrying transient faults within `policy`.

    Raises ConnectorError subclasses only; a Retry-After beyond the remaining budget fails fast (RateLimited).
    """
    budget = _Budget(policy)
    retrying = AsyncRetrying(
        retry=_retryable_outcome,
        wait=budget.wait,
        stop=budget.stop,
        sleep=policy.sleep,
        reraise=True,
        before_sleep=lambda state: _log_retry(state, stats),
    )
    try:
        async for attempt in retrying:
            with attempt:
                return await _get_once(client, url, params, stats, service, not_found, not_found_hint)
    except TransientHTTPError as exc:
        raise _error_from_transient(exc, service, reset_at=budget.reset_at) from exc
    except httpx.HTTPError as exc:
        with map_http_errors(service, not_found=not_found, not_found_hint=not_found_hint):
            raise exc
    raise AssertionError("unreachable: tenacity either returns or raises")  # pragma: no cover


def _retryable_outcome(state: RetryCallState) -> bool:
    """tenacity `retry` predicate: retry transient HTTP faults only."""
    exc = state.outcome.exception() if state.outcome else None
    return exc is not None and _is_retryable(exc)


def _log_retry(state: RetryCallState, stats: RequestStats) -> None:
    stats.retries += 1
    exc = state.outcome.exception() if state.outcome else None
    what = str(exc) if isinstance(exc, TransientHTTPError) else type(exc).__name__
    if isinstance(exc, httpx.RequestError):
        what = f"{type(exc).__name__} at {redact(exc.request.url)}"
    log.info("retry %d in %.2fs after %s", state.attempt_number, state.upcoming_sleep, what)


async def _get_once(
    client: httpx.AsyncClient,
    url: str,
    params: Mapping[str, str | int] | None,
    stats: RequestStats,
    service: str,
    not_found: str | None,
    not_found_hint: str | None,
) -> Any:
    stats.requests += 1
    response = await client.get(url, params=params)
    shown = redact(response.request.url)
    status = response.status_code
    if status in _RETRY_STATUSES:
        retry_after = None
        if status in _RETRY_AFTER_STATUSES:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
        raise TransientHTTPError(
            f"HTTP {status}",
            status=status,
            url=shown,
            retry_after=retry_after,
            server_message=_server_message(response),
        )
    if not response.is_success:
        raise error_from_response(response, service, not_found=not_found, not_found_hint=not_found_hint)
    return _decode_json(response, shown, service)
