"""Typed records of the catalogue, tolerant of both schema generations (Dutch gen 2, English gen 3).

These models are the contract between the connector, the store and the reconciliation rules.
All tolerant parsing (key aliases, relation shapes, status spelling) lives in this module, nowhere else.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from config.errors import ConfigError
from connectors import jsoncodec
from connectors.errors import UnexpectedPayload

__all__ = [
    "EntityType",
    "ENTITY_TYPES",
    "CatalogueRecord",
    "Organisation",
    "Contact",
    "Package",
    "Usage",
    "Koppeling",
    "RECORD_TYPES",
    "ORGANISATION_TYPES",
    "RecordError",
    "normalise_status",
    "parse_record",
]

EntityType = Literal["organisation", "contact", "package", "usage", "koppeling"]
# Sync order: referenced types first, so relations can be checked when later types arrive.
ENTITY_TYPES: tuple[EntityType, ...] = ("organisation", "contact", "package", "usage", "koppeling")


class CatalogueRecord(BaseModel):
    """Fields every object has: its uuid, `@self` timestamps and the raw JSON as received."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str  # the object UUID (lower case); the only stable key
    created: datetime | None = None  # @self.created, UTC
    updated: datetime | None = None  # @self.updated, UTC
    published: datetime | None = None  # @self.published (absent on 2026 servers)
    owner: str | None = None  # @self.owner: Nextcloud uid of the creator
    tenant: str | None = None  # @self.organisation: owning organisation uuid
    generation: Literal[1, 2, 3] = 2  # which schema generation the keys came from
    # the object as received (unknown fields kept); left out of reprs
    raw: dict[str, Any] = Field(default_factory=dict, repr=False)


class Organisation(CatalogueRecord):
    """organisatie: gemeente, leverancier, samenwerking or community."""

    name: str | None = None  # naam / name
    # normalised lower case: gemeente | leverancier | samenwerking | community | other
    type: str | None = None
    type_raw: str | None = None  # as received (a one-element list is unwrapped first)
    status: str | None = None  # normalised lower case: concept | actief | deactief | samengevoegd | ...
    status_raw: str | None = None
    website: str | None = None
    email: str | None = None  # e-mailadres
    phone: str | None = None  # telefoonnummer
    kvk: str | None = None  # kvkNummer / kvk-nummer, digits only as string
    cbs_code: int | None = None  # cbsCode / cbs, without zero padding
    cooperation_type: str | None = None  # samenwerkingtype
    members: tuple[str, ...] = ()  # deelnemers / participants: member organisation uuids
    memberships: tuple[str, ...] = ()  # deelnames: cooperations this one takes part in
    contacts: tuple[str, ...] = ()  # contactpersonen
    merged_into: str | None = None  # gen 3 mergedInto


class Contact(CatalogueRecord):
    """contactpersoon: a catalogue user."""

    first_name: str | None = None  # voornaam
    infix: str | None = None  # tussenvoegsel
    last_name: str | None = None  # achternaam
    email: str | None = None  # e-mailadres
    phone: str | None = None
    job_title: str | None = None  # functie / role (gen 3)
    organisation_id: str | None = None  # organisatie
    username: str | None = None
    roles: tuple[str, ...] = ()  # rollen / roles, as received (e.g. "Functioneel-beheerder")


class Package(CatalogueRecord):
    """module: a software package."""

    name: str | None = None  # naam / name
    short_description: str | None = None  # beschrijvingKort / shortDescription
    supplier_id: str | None = None  # aanbieder / provider
    contact_id: str | None = None  # contactpersoon
    package_type: str | None = None  # type (Applicatie | Systeemsoftware)
    licence_type: str | None = None  # licentietype
    registered_by: str | None = None  # geregistreerdDoor / registeredBy, as received (enum value or uuid)
    status: str | None = None  # normalised lower case if present (gen 1 / S6 write it), else None
    status_raw: str | None = None


class Usage(CatalogueRecord):
    """gebruik: an organisation uses a package."""

    organisation_id: str | None = None  # afnemer / consumer (not @self.organisation!)
    package_id: str | None = None  # module
    package_version_id: str | None = None  # moduleVersie
    # normalised lower case: verwerving | gepland | in productie | uit te faseren | ...
    status: str | None = None
    status_raw: str | None = None
    contact_id: str | None = None
    members: tuple[str, ...] = ()  # deelnemers / participants
    koppelingen: tuple[str, ...] = ()


class Koppeling(CatalogueRecord):
    """koppeling: an interface between two packages, or to an external provision."""

    name: str | None = None
    koppeling_type: str | None = None  # type
    status: str | None = None  # normalised lower case
    status_raw: str | None = None
    direction: str | None = None  # gegevensuitwisselingRichting / dataExchangeDirection
    package_a_id: str | None = None  # moduleA
    package_b_id: str | None = None  # moduleB
    intermediary_id: str | None = None  # gerealiseerdMetIntermediairModule
    external_id: str | None = None  # buitengemeentelijkVoorziening / nonMunicipalProvision
    supplier_id: str | None = None  # aanbieder / provider


RECORD_TYPES: dict[EntityType, type[CatalogueRecord]] = {
    "organisation": Organisation,
    "contact": Contact,
    "package": Package,
    "usage": Usage,
    "koppeling": Koppeling,
}


# --- tolerant parsing --------------------------------------------------------------------------------------
# Runs on every object of a full sync (~400k at scale 10): plain dict look-ups, no per-record validation pass.


class RecordError(UnexpectedPayload):
    """One catalogue object could not be mapped; the caller reports (id, reason) and skips it."""

    def __init__(self, id: str | None, reason: str, *, entity: str | None = None) -> None:
        where = f"catalogue {entity or 'object'} {id or '(no id)'}"
        super().__init__(f"{where}: {reason}", service="catalogue")
        self.id = id
        self.reason = reason
        self.entity = entity


class _FieldError(Exception):
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


def _uuid_or_none(text: str) -> str | None:
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
        return value.strip() or None
    if isinstance(value, bool):
        raise _FieldError(key, f"expected text, got {value!r}")
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        if not value:
            return None
        if len(value) == 1:
            return _text(key, value[0])
        raise _FieldError(key, f"expected one value, got a list of {len(value)}")
    raise _FieldError(key, f"expected text, got {type(value).__name__}")


def _decode_json_text(key: str, text: str) -> Any:
    try:
        return jsoncodec.loads(text)
    except ValueError:
        raise _FieldError(key, f"not valid JSON: {text[:60]!r}") from None


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
        return _uuid_or_none(text) or text
    if isinstance(value, dict):
        inner = value.get("id")
        if inner is None and isinstance(value.get("@self"), dict):
            inner = value["@self"].get("id")
        if inner is None:
            raise _FieldError(key, "inlined object without an id")
        return _ref(key, inner)
    if isinstance(value, list):
        if not value:
            return None
        if len(value) == 1:
            return _ref(key, value[0])
        raise _FieldError(key, f"expected one reference, got a list of {len(value)}")
    raise _FieldError(key, f"expected a uuid, got {type(value).__name__}")


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
        return (text,) if text else ()
    if isinstance(value, list):
        found = (_text(key, item) for item in value)
        return tuple(item for item in found if item is not None)
    raise _FieldError(key, f"expected a list of text, got {type(value).__name__}")


def _status(key: str, value: Any) -> tuple[str | None, str | None]:
    raw = _text(key, value)
    return (normalise_status(raw), raw) if raw is not None else (None, None)


def _cbs(key: str, value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        if value is None:
            return None
        raise _FieldError(key, f"expected a number, got {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if text[:2].upper() == "GM":
            text = text[2:]
        if not text:
            return None
        if text.isdigit():
            return int(text)
    raise _FieldError(key, f"expected a CBS code number, got {value!r}")


def _kvk(key: str, value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:08d}"
    if isinstance(value, str):
        return "".join(ch for ch in value if ch.isdigit()) or None
    raise _FieldError(key, f"expected a KvK number, got {type(value).__name__}")


def _time(key: str, value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            raise _FieldError(key, f"not an ISO-8601 timestamp: {value[:40]!r}") from None
    elif isinstance(value, int | float) and not isinstance(value, bool):
        parsed = datetime.fromtimestamp(value, UTC)
    else:
        raise _FieldError(key, f"expected a timestamp, got {type(value).__name__}")
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _record_id(raw: dict[str, Any], entity: str) -> str:
    meta = raw.get("@self")
    value = raw.get("id")
    if value is None and isinstance(meta, dict):
        value = meta.get("id")
    if value is None:
        value = raw.get("uuid")
    if value is None:
        raise RecordError(None, "no id", entity=entity)
    if not isinstance(value, str):
        raise RecordError(str(value), f"id is not a string but {type(value).__name__}", entity=entity)
    found = _uuid_or_none(value)
    if found is None:
        raise RecordError(value.strip() or None, f"id {value[:60]!r} is not a uuid", entity=entity)
    return found


def _generation(raw: dict[str, Any]) -> Literal[1, 2, 3]:
    keys = raw.keys()
    if not _GEN3_KEYS.isdisjoint(keys):
        return 3
    if not _GEN1_KEYS.isdisjoint(keys):
        return 1
    return 2


def _base(raw: dict[str, Any]) -> dict[str, Any]:
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
    return (_uuid_or_none(text) or text) if text is not None else None


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
_PARSERS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "organisation": _organisation,
    "contact": _contact,
    "package": _package,
    "usage": _usage,
    "koppeling": _koppeling,
}


def parse_record(entity: EntityType, raw: Any) -> CatalogueRecord:
    """Map one API object of `entity` to its record; RecordError(id, reason) when it cannot be mapped."""
    parser = _PARSERS.get(entity)
    if parser is None:
        raise ConfigError(f"unknown catalogue entity {entity!r}; valid: {', '.join(ENTITY_TYPES)}")
    if not isinstance(raw, dict):
        raise RecordError(None, f"not an object but {type(raw).__name__}", entity=entity)
    record_id = _record_id(raw, entity)
    try:
        fields = _base(raw)
        fields.update(parser(raw))
    except _FieldError as exc:
        raise RecordError(record_id, f"{exc.key}: {exc.reason}", entity=entity) from None
    fields["id"] = record_id
    fields["raw"] = raw
    return _construct(RECORD_TYPES[entity], fields)


def _construct(cls: type[CatalogueRecord], values: dict[str, Any]) -> CatalogueRecord:
    """Build a record from values already of the declared types, without a validation pass.

    Does what `model_construct` does, minus its per-field bookkeeping (it was half of the parse time).
    A unit test checks the result equals `model_validate` of the same values.
    """
    defaults = _DEFAULTS.get(cls)
    if defaults is None:
        defaults = _DEFAULTS[cls] = {  # every field, in declaration order (reprs and dumps keep it)
            name: None if info.is_required() else info.get_default(call_default_factory=True)
            for name, info in cls.model_fields.items()
        }
    fields = defaults.copy()
    fields.update(values)
    record = cls.__new__(cls)
    object.__setattr__(record, "__dict__", fields)
    object.__setattr__(record, "__pydantic_fields_set__", set(values))
    object.__setattr__(record, "__pydantic_extra__", None)
    object.__setattr__(record, "__pydantic_private__", None)
    return record


_DEFAULTS: dict[type[CatalogueRecord], dict[str, Any]] = {}
