"""Typed records of the catalogue, tolerant of both schema generations (Dutch gen 2, English gen 3).

These models are the contract between the connector, the store and the reconciliation rules.
All tolerant parsing (key aliases, relation shapes, status spelling) lives in this module and in
connectors/catalogue_mapping.py (the values of each field), nowhere else.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from config.errors import ConfigError
from connectors.catalogue_mapping import FIELD_MAPPERS, FieldError, base_fields, check_limits, uuid_or_none
from connectors.errors import UnexpectedPayload
from connectors.jsonsplit import UNDECODABLE_KEY

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
    "RecordError",
    "parse_record",
    "printable",
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


# --- mapping one API object to its record ------------------------------------------------------------


class RecordError(UnexpectedPayload):
    """One catalogue object could not be mapped; the caller reports (id, reason) and skips it."""

    def __init__(self, id: str | None, reason: str, *, entity: str | None = None) -> None:
        reason = printable(reason, _REASON_SHOWN)  # a key path may hold control characters too
        where = f"catalogue {entity or 'object'} {id or '(no id)'}"
        super().__init__(f"{where}: {reason}", service="catalogue")
        self.id = id
        self.reason = reason
        self.entity = entity


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
        shown = None  # a container or a number too long to print is not shown
        if isinstance(value, float) or (isinstance(value, int) and value.bit_length() <= 128):
            shown = str(value)
        raise RecordError(shown, f"id is not a string but {type(value).__name__}", entity=entity)
    found = uuid_or_none(value)
    if found is None:
        shown = printable(value.strip(), _ID_SHOWN)
        raise RecordError(shown or None, f"id {shown!r} is not a uuid", entity=entity)
    return found


_ID_SHOWN = 60  # characters of a malformed id kept in the skipped record and its reason
_REASON_SHOWN = 300


def printable(text: str, limit: int) -> str:
    """`text` as a skipped record can report and store it: cut to `limit` characters, control characters
    and undecodable text (lone surrogates) as escapes (Python's repr of them), so no database, terminal or
    report rejects it."""
    text = text[:limit]
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def parse_record(entity: EntityType, raw: Any) -> CatalogueRecord:
    """Map one API object of `entity` to its record; RecordError(id, reason) when it cannot be mapped."""
    parser = FIELD_MAPPERS.get(entity)
    if parser is None:
        raise ConfigError(f"unknown catalogue entity {entity!r}; valid: {', '.join(ENTITY_TYPES)}")
    if not isinstance(raw, dict):
        raise RecordError(None, f"not an object but {type(raw).__name__}", entity=entity)
    record_id = _record_id(raw, entity)
    if UNDECODABLE_KEY in raw:  # a stand-in for an object the listing's decoder could not read
        raise RecordError(record_id, str(raw[UNDECODABLE_KEY]), entity=entity)
    try:
        check_limits(raw)
        fields = base_fields(raw)
        fields.update(parser(raw))
    except FieldError as exc:
        raise RecordError(record_id, f"{exc.key}: {exc.reason}", entity=entity) from None
    except Exception as exc:  # a value no mapper foresaw: this record is skipped, never the run
        # the type only: the message of a foreign exception may quote the value
        raise RecordError(record_id, f"could not be mapped ({type(exc).__name__})", entity=entity) from None
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
