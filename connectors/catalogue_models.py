"""Typed records of the catalogue, tolerant of both schema generations (Dutch gen 2, English gen 3).

These models are the contract between the connector, the store and the reconciliation rules.
All tolerant parsing (key aliases, relation shapes, status spelling) lives in this module, nowhere else.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

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
    raw: dict[str, Any] = Field(default_factory=dict, repr=False)  # the object as received, unknown fields kept


class Organisation(CatalogueRecord):
    """organisatie: gemeente, leverancier, samenwerking or community."""

    name: str | None = None  # naam / name
    type: str | None = None  # normalised lower case: gemeente | leverancier | samenwerking | community | other
    type_raw: str | None = None  # as received (a one-element list is unwrapped first)
    status: str | None = None  # normalised lower case: concept | actief | deactief | samengevoegd | other
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
    status: str | None = None  # normalised lower case: verwerving | gepland | in productie | uit te faseren | ...
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
