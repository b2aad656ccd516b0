"""TOOI "Register gemeenten compleet" (KOOP/BZK, CC0): the expanded JSON-LD file -> typed records.

    https://repository.officiele-overheidspublicaties.nl/waardelijsten/rwc_gemeenten_compleet/<N>/json/
        rwc_gemeenten_compleet_<N>.json

The file is expanded JSON-LD: a list of nodes (or `{"@graph": [...]}`), each with `@id`, `@type` and
properties keyed by full IRIs whose values are lists of `{"@value": ...}` or `{"@id": ...}`. What is read
(see the project's municipality reference, section 1.3):

* `ont:Gemeente` nodes: `gemeentecode` ("0363"), `officieleNaamExclSoort`, `voorkeursnaamExclSoort`,
  `ligtInProvincie` (…/provincie/pv27), `begindatum`, `einddatum` (the last day);
* change events (`Samenvoeging`, `Uitbreiding`, `Herschikking`, and in newer versions `Afsplitsing`,
  `Oprichting`, `Opheffing`, `Toestandswijziging`): `tijdstipWijziging` (the effective date) and
  `prov:invalidated` (gemeenten that end), `prov:generated` (new ones), `prov:used` (continuing ones that
  receive territory), `heeftGrondslag` (the act);
* everything else (the header, `HistorischeVersie` nodes, unknown types) is ignored.

Future herindelingen are in the register before they take effect. A node that cannot be read is an
error naming its `@id`: a register is used whole or not at all.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx

from connectors.errors import NotFound, RemoteUnavailable, UnexpectedPayload
from connectors.http import error_from_response, map_http_errors, redact

__all__ = [
    "ONT",
    "PROV",
    "TOOI_REPOSITORY",
    "TooiGemeente",
    "TooiEvent",
    "TooiRegister",
    "download_latest",
    "download_register",
    "parse_tooi_register",
    "version_url",
]

ONT = "https://identifier.overheid.nl/tooi/def/ont/"
PROV = "http://www.w3.org/ns/prov#"
EVENT_TYPES = frozenset(
    {
        "Samenvoeging",
        "Uitbreiding",
        "Herschikking",
        "Afsplitsing",
        "Oprichting",
        "Opheffing",
        "Toestandswijziging",
    }
)
SERVICE = "TOOI"
TOOI_REPOSITORY = "https://repository.officiele-overheidspublicaties.nl/waardelijsten/rwc_gemeenten_compleet"
FIRST_KNOWN_VERSION = 4  # the version the bundled register was built from (published 2022-12-22)
MAX_PROBES = 50  # versions tried beyond the first known one before giving up
_CODE = re.compile(r"(?:gm)?(\d{4})$", re.IGNORECASE)


@dataclass(frozen=True)
class TooiGemeente:
    code: str  # "GM0363"
    official_name: str
    preferred_name: str
    province_code: str | None  # "PV27"
    begin: date | None
    end: date | None  # the last day, inclusive
    uri: str


@dataclass(frozen=True)
class TooiEvent:
    kind: str  # Samenvoeging, Uitbreiding, ...
    effective: date
    invalidated: tuple[str, ...]  # GM codes that end
    generated: tuple[str, ...]  # new GM codes
    used: tuple[str, ...]  # continuing GM codes that receive territory
    basis: str | None
    uri: str


@dataclass(frozen=True)
class TooiRegister:
    gemeenten: tuple[TooiGemeente, ...]
    events: tuple[TooiEvent, ...]

    def successors(self, code: str) -> tuple[str, ...]:
        """Successors of `code`: generated and used of the event(s) that invalidate it, in order."""
        found: list[str] = []
        for event in sorted(self.events, key=lambda e: e.effective):
            if code in event.invalidated:
                found.extend(c for c in (*event.generated, *event.used) if c not in found and c != code)
        return tuple(found)

    def ended_by(self, code: str) -> TooiEvent | None:
        return next((e for e in self.events if code in e.invalidated), None)


def parse_tooi_register(data: bytes | str | Any, *, source: str = "TOOI register") -> TooiRegister:
    """Read the register (raw JSON text or already decoded); UnexpectedPayload names what is wrong."""
    if isinstance(data, bytes | str):
        try:
            data = json.loads(data)
        except ValueError as exc:
            raise _bad(source, f"is not JSON ({exc})") from None
    nodes = data.get("@graph") if isinstance(data, dict) else data
    if not isinstance(nodes, list):
        raise _bad(source, "is not expanded JSON-LD (a list of nodes, or an object with @graph)")
    gemeenten: list[TooiGemeente] = []
    events: list[TooiEvent] = []
    for node in nodes:
        if not isinstance(node, dict):
            continue
        kinds = {_local(t) for t in _list(node.get("@type"))}
        if "Gemeente" in kinds:
            gemeenten.append(_gemeente(node, source))
        elif kinds & EVENT_TYPES:
            events.append(_event(node, sorted(kinds & EVENT_TYPES)[0], source))
    if not gemeenten:
        raise _bad(source, f"holds no {ONT}Gemeente nodes")
    return TooiRegister(tuple(gemeenten), tuple(events))


def _gemeente(node: dict[str, Any], source: str) -> TooiGemeente:
    uri = str(node.get("@id") or "")
    code_text = _value(node, ONT + "gemeentecode") or uri.rsplit("/", 1)[-1]
    code = _code(code_text)
    if code is None:
        raise _bad(source, f"node {uri or '?'}: no gemeentecode")
    official = _value(node, ONT + "officieleNaamExclSoort") or _value(node, ONT + "officieleNaamInclSoort")
    preferred = _value(node, ONT + "voorkeursnaamExclSoort") or official
    if not official or not preferred:
        raise _bad(source, f"node {uri}: no name")
    province = _ref(node, ONT + "ligtInProvincie")
    return TooiGemeente(
        code=code,
        official_name=official,
        preferred_name=preferred,
        province_code=province.rsplit("/", 1)[-1].upper() if province else None,
        begin=_date(node, ONT + "begindatum", uri, source),
        end=_date(node, ONT + "einddatum", uri, source),
        uri=uri,
    )


def _event(node: dict[str, Any], kind: str, source: str) -> TooiEvent:
    uri = str(node.get("@id") or "")
    effective = _date(node, ONT + "tijdstipWijziging", uri, source)
    if effective is None:
        raise _bad(source, f"event {uri or '?'}: no tijdstipWijziging")
    return TooiEvent(
        kind=kind,
        effective=effective,
        invalidated=tuple(_codes(node, PROV + "invalidated")),
        generated=tuple(_codes(node, PROV + "generated")),
        used=tuple(_codes(node, PROV + "used")),
        basis=_ref(node, ONT + "heeftGrondslag") or _value(node, ONT + "heeftGrondslag"),
        uri=uri,
    )


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [] if value is None else [value]


def _local(iri: Any) -> str:
    return re.split(r"[/#]", str(iri))[-1]


def _value(node: dict[str, Any], key: str) -> str | None:
    for item in _list(node.get(key)):
        value = item.get("@value") if isinstance(item, dict) else item
        if value is not None and str(value).strip():
            return str(value).strip()
    return None


def _ref(node: dict[str, Any], key: str) -> str | None:
    for item in _list(node.get(key)):
        if isinstance(item, dict) and item.get("@id"):
            return str(item["@id"])
    return None


def _codes(node: dict[str, Any], key: str) -> Iterator[str]:
    for item in _list(node.get(key)):
        target = item.get("@id") if isinstance(item, dict) else item
        code = _code(str(target or "").rsplit("/", 1)[-1])
        if code is not None:
            yield code


def _code(text: str) -> str | None:
    match = _CODE.fullmatch(text.strip())
    return f"GM{match.group(1)}" if match else None


def _date(node: dict[str, Any], key: str, uri: str, source: str) -> date | None:
    text = _value(node, key)
    if text is None:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise _bad(source, f"node {uri}: {_local(key)} {text!r} is not a date") from None


def _bad(source: str, what: str) -> UnexpectedPayload:
    return UnexpectedPayload(f"{source} {what}", service=SERVICE)


def version_url(repository: str, version: int) -> str:
    """Where version `version` of the register lives (KOOP's repository layout)."""
    return f"{repository.rstrip('/')}/{version}/json/rwc_gemeenten_compleet_{version}.json"


def download_register(
    url: str, *, transport: httpx.BaseTransport | None = None, timeout: float = 60.0
) -> bytes:
    """The body of the register file at `url`; ConnectorError subclasses (404: NotFound) on failure."""
    headers = {"User-Agent": "swc-beheer reference refresh"}
    with (
        map_http_errors(SERVICE),
        httpx.Client(timeout=timeout, transport=transport, headers=headers, follow_redirects=True) as client,
    ):
        response = client.get(url)
        if response.status_code != 200:
            raise error_from_response(response, SERVICE, not_found="the register file")
        return response.content


def download_latest(
    repository: str = TOOI_REPOSITORY,
    *,
    start: int = FIRST_KNOWN_VERSION,
    transport: httpx.BaseTransport | None = None,
    timeout: float = 60.0,
) -> tuple[int, str, bytes]:
    """The newest published version: (number, URL, body). Versions are tried upwards from `start`.

    KOOP publishes no "latest" link; each version has its own URL, so the newest is the last one that
    answers 200 before a 404 (the municipality reference, section 5.2).
    """
    found: tuple[int, str, bytes] | None = None
    headers = {"User-Agent": "swc-beheer reference refresh"}
    with httpx.Client(timeout=timeout, transport=transport, headers=headers, follow_redirects=True) as client:
        for version in range(start, start + MAX_PROBES):
            url = version_url(repository, version)
            try:
                response = client.get(url)
            except httpx.HTTPError as exc:
                raise RemoteUnavailable(
                    f"{SERVICE}: could not download {redact(url)} ({type(exc).__name__})",
                    service=SERVICE,
                    url=redact(url),
                ) from exc
            if response.status_code == 404:
                break
            if response.status_code != 200:
                raise RemoteUnavailable(
                    f"{SERVICE}: {redact(url)} answered HTTP {response.status_code}",
                    service=SERVICE,
                    status=response.status_code,
                    url=redact(url),
                )
            found = (version, url, response.content)
        else:  # no 404 within the cap: the newest is further up than this code expects
            raise RemoteUnavailable(
                f"{SERVICE}: versions {start} to {start + MAX_PROBES - 1} all exist at {redact(repository)}; "
                "the newest is beyond what this version of swc-beheer probes",
                service=SERVICE,
                url=redact(repository),
                hint="pass the newest version's URL to --tooi",
            )
    if found is None:
        raise NotFound(
            f"{SERVICE}: no version of the register at {redact(version_url(repository, start))} or later",
            service=SERVICE,
            url=redact(repository),
            hint="check SWC_RECONCILE__TOOI_URL",
        )
    return found
