"""Tolerant mapping of catalogue wire values: key aliases per schema generation, relation shapes, spellings.

Turns one API object's keys into the plain field values of its record (connectors/catalogue_models.py builds
the record). Runs on every object of a full sync (~400k at scale 10): plain dict look-ups, no per-record
validation pass. A value that cannot be mapped raises FieldError(key, reason).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Literal

import orjson

from connectors import jsoncodec

__all__ = [
    "FieldError",
    "FIELD_MAPPERS",
    "MAX_DEPTH",
    "MAX_INT",
    "MAX_STRING",
    "MIN_INT",
    "check_limits",
    "ORGANISATION_TYPES",
    "base_fields",
    "normalise_status",
    "uuid_or_none",
]


class FieldError(Exception):
    """One value of an object could not be mapped: its key and why."""

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(key, reason)
        self.key = key
        self.reason = reason


_UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_GEN3_KEYS = frozenset(
    {
        "name",
        "shortDescription",
        "provider",
        "consumer",
        "participants",
        "contactsUid",
        "dataExchangeDirection",
        "nonMunicipalProvision",
        "registeredBy",
        "roles",
        "notifications",
        "mergedInto",
        "registrationStatus",
        "realisedWithIntermediaryModule",
        "startDateInProduction",
        "usedForReferenceComponents",
        "moduleVersions",
        "referenceComponents",
        "standardVersions",
        "interneAnnotation",
    }
)
_GEN1_KEYS = frozenset(
    {
        "cbs",
        "kvk-nummer",
        "oin",
        "rol",
        "organisatieId",
        "voorzieningId",
        "versieId",
        "van",
        "naar",
        "samenwerkingen",
        "contactgegevens",
        "voorzieningstype",
        "doelgroep",
        "bbnScore",
        "beheerder",
    }
)
ORGANISATION_TYPES = frozenset({"gemeente", "leverancier", "samenwerking", "community"})


# --- bounds every object is held to before it is mapped --------------------------------------------------
# Chosen so that whatever passes can be mapped without recursion trouble, hashed and serialised by orjson,
# and stored in both databases (SQLite INTEGER and PostgreSQL BIGINT are signed 64-bit). Real objects are a
# few levels deep, with strings of at most a few kB and small numbers; anything beyond is hostile or broken.
MAX_DEPTH = 64  # nesting of objects and lists, the object itself being level 1
MAX_STRING = 1 << 20  # characters in one string (keys included): 1 Mi
MIN_INT, MAX_INT = -(1 << 63), (1 << 63) - 1


def check_limits(raw: dict[str, Any]) -> None:
    """FieldError when `raw` breaks a bound: too deep, a string too long, an integer outside signed 64 bits,
    or text that is not valid Unicode (a lone surrogate: how undecodable UTF-8 bytes arrive, see
    connectors.http).

    Hot path (every object of every run): one orjson serialisation proves the common case. It fails on
    lone surrogates and on integers beyond 53 bits; the serialised length bounds every string, and the
    count of `{` and `[` bounds the depth (braces inside strings only overcount). Only an object that
    fails that test is walked, without recursion, to name the offending key.
    """
    try:
        text = orjson.dumps(raw, option=orjson.OPT_STRICT_INTEGER)
    except TypeError:
        pass
    else:
        if len(text) <= MAX_STRING and text.count(b"{") + text.count(b"[") <= MAX_DEPTH:
            return
    _walk_limits(raw)


def _walk_limits(raw: dict[str, Any]) -> None:
    stack: list[tuple[str, Any, int]] = [("", raw, 1)]
    while stack:
        path, value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                top = path.split(".", 1)[0]  # the key it hangs from: the full path is 64 steps long
                raise FieldError(top or "(object)", f"nested deeper than {MAX_DEPTH} levels")
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                if isinstance(key, str):
                    _check_text(path or "(object)", key)
                stack.append((f"{path}.{key}" if path else str(key), item, depth + 1))
        elif isinstance(value, str):
            _check_text(path, value)
        elif isinstance(value, int) and not isinstance(value, bool) and not MIN_INT <= value <= MAX_INT:
            raise FieldError(path, "integer outside the signed 64-bit range")


def _check_text(path: str, text: str) -> None:
    if len(text) > MAX_STRING:
        raise FieldError(path, f"text longer than {MAX_STRING} characters")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise FieldError(path, "text is not valid Unicode (undecodable UTF-8 or a lone surrogate)") from None


def _clean(text: str) -> str:
    """Typed text without NUL: PostgreSQL text cannot hold it (the raw JSON keeps it, see store.bulk)."""
    return text.replace("\x00", "") if "\x00" in text else text


def uuid_or_none(text: str) -> str | None:
    """`text` as a canonical lower-case uuid, or None when it is not one."""
    if _UUID_RE.fullmatch(text):  # already canonical: most values on the wire (a hot path)
        return text
    low = text.strip().lower()
    if _UUID_RE.fullmatch(low):
        return low
    try:
        return str(uuid.UUID(low))
    except ValueError:
        return None


def normalise_status(value: str) -> str:
    """Spelling for comparing: stripped, spaces collapsed, lower case ("In  Productie" -> "in productie")."""
    return " ".join(value.split()).lower()


def _pick(raw: dict[str, Any], keys: tuple[str, ...]) -> tuple[str, Any]:
    """The first alias present with a non-null value, as (key, value); (keys[0], None) when none is."""
    for key in keys:
        value = raw.get(key)
        if value is not None:
            return key, value
    return keys[0], None


def _text(key: str, value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return _clean(value).strip() or None
    if isinstance(value, bool):
        raise FieldError(key, f"expected text, got {value!r}")
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        if not value:
            return None
        if len(value) == 1:
            return _text(key, value[0])
        raise FieldError(key, f"expected one value, got a list of {len(value)}")
    raise FieldError(key, f"expected text, got {type(value).__name__}")


def _decode_json_text(key: str, text: str) -> Any:
    try:
        return jsoncodec.loads(text)
    except ValueError:
        raise FieldError(key, f"not valid JSON: {text[:60]!r}") from None


def _ref(key: str, value: Any) -> str | None:
    """One relation: a uuid string, an inlined object with `id`, a one-element list, or JSON text of those.

    A non-uuid string is kept as given (reconciliation reports it as a dangling reference).
    """
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        if text[0] in '[{"':
            return _ref(key, _decode_json_text(key, text))
        return uuid_or_none(text) or _clean(text) or None
    if isinstance(value, dict):
        inner = value.get("id")
        if inner is None and isinstance(value.get("@self"), dict):
            inner = value["@self"].get("id")
        if inner is None:
            raise FieldError(key, "inlined object without an id")
        return _ref(key, inner)
    if isinstance(value, list):
        if not value:
            return None
        if len(value) == 1:
            return _ref(key, value[0])
        raise FieldError(key, f"expected one reference, got a list of {len(value)}")
    raise FieldError(key, f"expected a uuid, got {type(value).__name__}")


def _refs(key: str, value: Any) -> tuple[str, ...]:
    """A list of relations; accepts a list, a single relation, or JSON text of either."""
    if value is None:
        return ()
    if isinstance(value, list):
        found = (_ref(key, item) for item in value)
        return tuple(item for item in found if item is not None)
    if isinstance(value, str) and value.strip()[:1] == "[":
        return _refs(key, _decode_json_text(key, value.strip()))
    one = _ref(key, value)
    return (one,) if one is not None else ()


def _strings(key: str, value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        text = value.strip()
        if text[:1] == "[":
            return _strings(key, _decode_json_text(key, text))
        text = _clean(text)
        return (text,) if text else ()
    if isinstance(value, list):
        found = (_text(key, item) for item in value)
        return tuple(item for item in found if item is not None)
    raise FieldError(key, f"expected a list of text, got {type(value).__name__}")


def _status(key: str, value: Any) -> tuple[str | None, str | None]:
    raw = _text(key, value)
    return (normalise_status(raw), raw) if raw is not None else (None, None)


def _cbs(key: str, value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        if value is None:
            return None
        raise FieldError(key, f"expected a number, got {value!r}")
    if isinstance(value, int):
        return _int64(key, value)
    if isinstance(value, float) and value.is_integer():
        return _int64(key, int(value))
    if isinstance(value, str):
        text = value.strip()
        if text[:2].upper() == "GM":
            text = text[2:]
        if not text:
            return None
        if text.isascii() and text.isdigit():
            return _int64(key, int(text))
    raise FieldError(key, f"expected a CBS code number, got {value!r}")


def _int64(key: str, value: int) -> int:
    if not MIN_INT <= value <= MAX_INT:
        raise FieldError(key, "number outside the signed 64-bit range")
    return value


def _kvk(key: str, value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:08d}"
    if isinstance(value, str):
        return "".join(ch for ch in value if ch.isdigit()) or None
    raise FieldError(key, f"expected a KvK number, got {type(value).__name__}")


def _time(key: str, value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    try:
        if isinstance(value, str):
            parsed = datetime.fromisoformat(value.strip())
        elif isinstance(value, int | float) and not isinstance(value, bool):
            parsed = datetime.fromtimestamp(value, UTC)
        else:
            raise FieldError(key, f"expected a timestamp, got {type(value).__name__}")
        if parsed.tzinfo is None:
            return parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError, OSError):  # not ISO-8601, or a moment outside datetime's years 1-9999
        shown = f": {value[:40]!r}" if isinstance(value, str) else ""
        raise FieldError(key, f"not an ISO-8601 timestamp in years 1-9999{shown}") from None


def _generation(raw: dict[str, Any]) -> Literal[1, 2, 3]:
    keys = raw.keys()
    if not _GEN3_KEYS.isdisjoint(keys):
        return 3
    if not _GEN1_KEYS.isdisjoint(keys):
        return 1
    return 2


def base_fields(raw: dict[str, Any]) -> dict[str, Any]:
    """The fields every record has, from `@self`, and the schema generation its keys belong to."""
    meta = raw.get("@self")
    if not isinstance(meta, dict):
        meta = {}
    return {
        "created": _time("@self.created", meta.get("created")),
        "updated": _time("@self.updated", meta.get("updated")),
        "published": _time("@self.published", meta.get("published")),
        "owner": _text("@self.owner", meta.get("owner")),
        "tenant": _ref("@self.organisation", meta.get("organisation")),
        "generation": _generation(raw),
    }


def _organisation(raw: dict[str, Any]) -> dict[str, Any]:
    type_raw = _text(*_pick(raw, ("type",)))
    type_norm = None
    if type_raw is not None:
        type_norm = normalise_status(type_raw)
        type_norm = type_norm if type_norm in ORGANISATION_TYPES else "other"
    status, status_raw = _status(*_pick(raw, ("status",)))
    return {
        "name": _text(*_pick(raw, ("naam", "name"))),
        "type": type_norm,
        "type_raw": type_raw,
        "status": status,
        "status_raw": status_raw,
        "website": _text(*_pick(raw, ("website",))),
        "email": _text(*_pick(raw, ("e-mailadres", "email", "emailadres"))),
        "phone": _text(*_pick(raw, ("telefoonnummer", "phone", "telephone"))),
        "kvk": _kvk(*_pick(raw, ("kvkNummer", "kvk-nummer", "kvk", "kvkNumber"))),
        "cbs_code": _cbs(*_pick(raw, ("cbsCode", "cbs", "cbsNummer"))),
        "cooperation_type": _text(*_pick(raw, ("samenwerkingtype", "samenwerkingType", "cooperationType"))),
        "members": _refs(*_pick(raw, ("deelnemers", "participants"))),
        "memberships": _refs(*_pick(raw, ("deelnames", "samenwerkingen", "participations"))),
        "contacts": _refs(*_pick(raw, ("contactpersonen", "contactPersons", "contacts"))),
        "merged_into": _ref(*_pick(raw, ("mergedInto",))),
    }


def _contact(raw: dict[str, Any]) -> dict[str, Any]:
    return {
        "first_name": _text(*_pick(raw, ("voornaam", "firstName"))),
        "infix": _text(*_pick(raw, ("tussenvoegsel", "infix"))),
        "last_name": _text(*_pick(raw, ("achternaam", "lastName"))),
        "email": _text(*_pick(raw, ("e-mailadres", "email"))),
        "phone": _text(*_pick(raw, ("telefoonnummer", "phone"))),
        "job_title": _text(*_pick(raw, ("functie", "role"))),
        "organisation_id": _ref(*_pick(raw, ("organisatie", "organisation", "organization"))),
        "username": _text(*_pick(raw, ("username",))),
        "roles": _strings(*_pick(raw, ("rollen", "roles"))),
    }


def _registered_by(key: str, value: Any) -> str | None:
    """`geregistreerdDoor` is an enum value on some servers and an organisation uuid on others."""
    if isinstance(value, dict | list):
        return _ref(key, value)
    text = _text(key, value)
    return (uuid_or_none(text) or text) if text is not None else None


def _package(raw: dict[str, Any]) -> dict[str, Any]:
    status, status_raw = _status(*_pick(raw, ("status",)))
    return {
        "name": _text(*_pick(raw, ("naam", "name"))),
        "short_description": _text(*_pick(raw, ("beschrijvingKort", "shortDescription"))),
        "supplier_id": _ref(*_pick(raw, ("aanbieder", "provider"))),
        "contact_id": _ref(*_pick(raw, ("contactpersoon", "contactPerson"))),
        "package_type": _text(*_pick(raw, ("type", "voorzieningstype"))),
        "licence_type": _text(*_pick(raw, ("licentietype", "licenceType", "licenseType"))),
        "registered_by": _registered_by(*_pick(raw, ("geregistreerdDoor", "registeredBy"))),
        "status": status,
        "status_raw": status_raw,
    }


def _usage(raw: dict[str, Any]) -> dict[str, Any]:
    status, status_raw = _status(*_pick(raw, ("status",)))
    return {
        "organisation_id": _ref(*_pick(raw, ("afnemer", "consumer", "organisatieId"))),
        "package_id": _ref(*_pick(raw, ("module", "voorzieningId"))),
        "package_version_id": _ref(*_pick(raw, ("moduleVersie", "moduleVersion", "versieId"))),
        "status": status,
        "status_raw": status_raw,
        "contact_id": _ref(*_pick(raw, ("contactpersoon", "contactPerson"))),
        "members": _refs(*_pick(raw, ("deelnemers", "participants"))),
        "koppelingen": _refs(*_pick(raw, ("koppelingen", "connections"))),
    }


def _koppeling(raw: dict[str, Any]) -> dict[str, Any]:
    status, status_raw = _status(*_pick(raw, ("status",)))
    return {
        "name": _text(*_pick(raw, ("naam", "name"))),
        "koppeling_type": _text(*_pick(raw, ("type",))),
        "status": status,
        "status_raw": status_raw,
        "direction": _text(*_pick(raw, ("gegevensuitwisselingRichting", "dataExchangeDirection"))),
        "package_a_id": _ref(*_pick(raw, ("moduleA",))),
        "package_b_id": _ref(*_pick(raw, ("moduleB",))),
        "intermediary_id": _ref(*_pick(raw, _INTERMEDIARY_KEYS)),
        "external_id": _ref(*_pick(raw, ("buitengemeentelijkVoorziening", "nonMunicipalProvision"))),
        "supplier_id": _ref(*_pick(raw, ("aanbieder", "provider"))),
    }


_INTERMEDIARY_KEYS = ("gerealiseerdMetIntermediairModule", "realisedWithIntermediaryModule")
FIELD_MAPPERS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "organisation": _organisation,
    "contact": _contact,
    "package": _package,
    "usage": _usage,
    "koppeling": _koppeling,
}
