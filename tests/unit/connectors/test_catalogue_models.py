"""Tolerant mapping of catalogue objects (gen 1, 2 and 3) to records."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from connectors.catalogue_mapping import normalise_status
from connectors.catalogue_models import (
    RECORD_TYPES,
    Contact,
    Koppeling,
    Organisation,
    Package,
    RecordError,
    Usage,
    parse_record,
)
from connectors.errors import UnexpectedPayload

ORG = "4bfb4c05-0c9d-4138-b0d2-90a09374caf4"
ORG2 = "5960b940-8ac8-409a-9700-300f9d4f1303"
CONTACT = "a2b17abf-179a-4156-bbb6-ef0d0b127774"
MODULE = "065282d5-c3af-4936-96e9-cc70af766924"
MODULE_B = "8db5258b-c4d1-474a-af9d-7d631c754a66"
USAGE = "bdbf6473-325a-4c98-98e5-105dd25ca91f"
KOPPELING = "c3b1e7d2-2f44-4a4e-9a51-3c5b8f0e6d21"
VERSION = "24a21305-1882-4e5e-9c13-e627beb7f8b2"


def meta(object_id: str, **extra: Any) -> dict[str, Any]:
    return {"id": object_id, "register": "3", "schema": "15", "owner": "admin", "organisation": ORG,
            "created": "2025-09-30T13:02:11+00:00", "updated": "2026-01-14T09:12:03+00:00",
            "published": None, "deleted": None, **extra}


def gen2_org(**extra: Any) -> dict[str, Any]:
    return {"id": ORG, "naam": "Groningen", "type": "Gemeente", "status": "Actief",
            "website": "https://gemeente.groningen.nl", "e-mailadres": "info@groningen.nl",
            "telefoonnummer": "14 050", "cbsCode": 14, "kvkNummer": "12345678",
            "contactpersonen": [CONTACT], "deelnames": [ORG2], "deelnemers": [], "@self": meta(ORG), **extra}


# --- organisation ---------------------------------------------------------------------------------

def test_parse_gen2_organisation_maps_every_field() -> None:
    record = parse_record("organisation", gen2_org())
    assert isinstance(record, Organisation)
    assert (record.id, record.name) == (ORG, "Groningen")
    assert (record.type, record.type_raw) == ("gemeente", "Gemeente")
    assert (record.status, record.status_raw) == ("actief", "Actief")
    assert record.email == "info@groningen.nl" and record.phone == "14 050"
    assert record.cbs_code == 14 and record.kvk == "12345678"
    assert record.contacts == (CONTACT,) and record.memberships == (ORG2,) and record.members == ()
    assert record.generation == 2
    assert record.created == datetime(2025, 9, 30, 13, 2, 11, tzinfo=UTC)
    assert record.updated == datetime(2026, 1, 14, 9, 12, 3, tzinfo=UTC)
    assert record.owner == "admin" and record.tenant == ORG and record.published is None


def test_parse_gen3_organisation_uses_english_keys() -> None:
    raw = {"id": ORG, "contactsUid": "abc", "type": "Samenwerking", "status": "Samengevoegd",
           "participants": [ORG2], "mergedInto": ORG2.upper(), "registeredBy": "Gemeente", "@self": meta(ORG)}
    record = parse_record("organisation", raw)
    assert isinstance(record, Organisation)
    assert record.generation == 3
    assert record.members == (ORG2,) and record.merged_into == ORG2
    assert record.type == "samenwerking" and record.status == "samengevoegd"
    assert record.name is None and record.cbs_code is None  # identity moved to Nextcloud Contacts


def test_parse_gen1_organisation_reads_cbs_and_kvk_nummer() -> None:
    raw = {"id": ORG, "naam": "Almere", "cbs": 34, "kvk-nummer": "3919-4474", "status": "concept",
           "samenwerkingen": [ORG2], "oin": "00000001"}
    record = parse_record("organisation", raw)
    assert isinstance(record, Organisation)
    assert (record.generation, record.cbs_code, record.kvk) == (1, 34, "39194474")
    assert record.memberships == (ORG2,) and record.status == "concept"


@pytest.mark.parametrize(("value", "expected"), [
    (363, 363), ("0363", 363), (" 14 ", 14), ("GM0363", 363), (1950.0, 1950), ("", None), (None, None),
])
def test_parse_cbs_code_accepts_numbers_and_numeric_strings(value: Any, expected: int | None) -> None:
    record = parse_record("organisation", gen2_org(cbsCode=value))
    assert isinstance(record, Organisation) and record.cbs_code == expected


@pytest.mark.parametrize("value", ["n.v.t.", "36a", True, [1], {"code": 1}, 12.5])
def test_parse_cbs_code_rejects_what_cannot_be_coerced(value: Any) -> None:
    with pytest.raises(RecordError) as info:
        parse_record("organisation", gen2_org(cbsCode=value))
    assert info.value.id == ORG and "cbsCode" in info.value.reason


@pytest.mark.parametrize(("value", "expected"), [
    ("12345678", "12345678"), ("KvK 1234 5678", "12345678"), (1234567, "01234567"), ("n.v.t.", None),
])
def test_parse_kvk_keeps_digits_only(value: Any, expected: str | None) -> None:
    record = parse_record("organisation", gen2_org(kvkNummer=value))
    assert isinstance(record, Organisation) and record.kvk == expected


@pytest.mark.parametrize(("value", "norm", "raw"), [
    (["Leverancier"], "leverancier", "Leverancier"),
    ("  GEMEENTE ", "gemeente", "GEMEENTE"),
    ("Stichting", "other", "Stichting"),
    ([], None, None),
])
def test_parse_organisation_type_string_or_one_element_list(value: Any, norm: str | None, raw: str) -> None:
    record = parse_record("organisation", gen2_org(type=value))
    assert isinstance(record, Organisation) and (record.type, record.type_raw) == (norm, raw)


def test_parse_organisation_type_list_of_two_is_an_error() -> None:
    with pytest.raises(RecordError, match="type"):
        parse_record("organisation", gen2_org(type=["Gemeente", "Leverancier"]))


@pytest.mark.parametrize(("value", "expected"), [
    ("In productie", "in productie"), ("  In   Productie ", "in productie"), ("Beëindigd", "beëindigd"),
    ("UIT TE FASEREN", "uit te faseren"), ("Concept", "concept"), ("", None),
])
def test_parse_usage_status_normalised_and_raw_kept(value: str, expected: str | None) -> None:
    record = parse_record("usage", {"id": USAGE, "afnemer": ORG, "status": value})
    assert isinstance(record, Usage) and record.status == expected
    assert record.status_raw == (value.strip() or None)


def test_normalise_status_is_idempotent() -> None:
    assert normalise_status(normalise_status(" Uit  te\tFaseren ")) == "uit te faseren"


# --- relations ------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", [
    ORG, ORG.upper(), f" {ORG} ", {"id": ORG, "naam": "Groningen"}, {"@self": {"id": ORG}}, [ORG],
    json.dumps(ORG), json.dumps({"id": ORG}), json.dumps([ORG]),
])
def test_parse_single_relation_shapes(value: Any) -> None:
    record = parse_record("usage", {"id": USAGE, "afnemer": value})
    assert isinstance(record, Usage) and record.organisation_id == ORG


@pytest.mark.parametrize("value", [
    [ORG, ORG2], [{"id": ORG}, {"id": ORG2.upper()}], json.dumps([ORG, ORG2]), [ORG, None, "", ORG2],
])
def test_parse_relation_list_shapes(value: Any) -> None:
    record = parse_record("usage", {"id": USAGE, "afnemer": ORG, "deelnemers": value})
    assert isinstance(record, Usage) and record.members == (ORG, ORG2)


def test_parse_relation_list_accepts_a_single_uuid() -> None:
    record = parse_record("organisation", gen2_org(deelnemers=ORG2))
    assert isinstance(record, Organisation) and record.members == (ORG2,)


def test_parse_relation_keeps_a_non_uuid_string_for_reconciliation() -> None:
    record = parse_record("usage", {"id": USAGE, "afnemer": "Gemeente Groningen"})
    assert isinstance(record, Usage) and record.organisation_id == "Gemeente Groningen"


@pytest.mark.parametrize(("value", "reason"), [
    (42, "afnemer: expected a uuid"), ({"naam": "x"}, "without an id"), ([ORG, ORG2], "list of 2"),
    ("[not json", "not valid JSON"),
])
def test_parse_relation_errors_name_field_and_record(value: Any, reason: str) -> None:
    with pytest.raises(RecordError) as info:
        parse_record("usage", {"id": USAGE, "afnemer": value})
    assert info.value.id == USAGE and reason in info.value.reason
    assert USAGE in info.value.message and "usage" in info.value.message


# --- contact, package, usage, koppeling -----------------------------------------------------------

def test_parse_gen2_contact() -> None:
    raw = {"id": CONTACT, "voornaam": "Janine", "tussenvoegsel": "de", "achternaam": "Vries",
           "e-mailadres": "janine@x.nl", "telefoonnummer": "+31 6", "functie": "Applicatiebeheerder",
           "organisatie": ORG, "username": "janine@x.nl", "rollen": ["Aanbod-beheerder"],
           "@self": meta(CONTACT)}
    record = parse_record("contact", raw)
    assert isinstance(record, Contact)
    assert (record.first_name, record.infix, record.last_name) == ("Janine", "de", "Vries")
    assert (record.email, record.job_title) == ("janine@x.nl", "Applicatiebeheerder")
    assert record.organisation_id == ORG
    assert record.roles == ("Aanbod-beheerder",) and record.generation == 2


def test_parse_gen3_contact_role_is_job_title_and_roles_the_list() -> None:
    raw = {"id": CONTACT, "contactsUid": "u1", "role": "Beheerder", "organisatie": {"id": ORG},
           "roles": json.dumps(["Gebruik-raadpleger", "Functioneel-beheerder"]), "notifications": []}
    record = parse_record("contact", raw)
    assert isinstance(record, Contact) and record.generation == 3
    assert record.job_title == "Beheerder" and record.organisation_id == ORG
    assert record.roles == ("Gebruik-raadpleger", "Functioneel-beheerder")


@pytest.mark.parametrize("gen", [2, 3])
def test_parse_package_both_generations(gen: int) -> None:
    keys = {"naam": "name", "beschrijvingKort": "shortDescription", "aanbieder": "provider",
            "geregistreerdDoor": "registeredBy", "licentietype": "licenceType"}
    raw: dict[str, Any] = {"naam": "Vergunningenportaal", "beschrijvingKort": "Portaal", "aanbieder": ORG,
                           "geregistreerdDoor": "Leverancier", "licentietype": "Open source"}
    if gen == 3:
        raw = {keys[k]: v for k, v in raw.items()}
    raw.update({"id": MODULE, "type": "Applicatie", "contactpersoon": CONTACT, "onbekendVeld": {"x": 1}})
    record = parse_record("package", raw)
    assert isinstance(record, Package) and record.generation == gen
    assert (record.name, record.short_description) == ("Vergunningenportaal", "Portaal")
    assert record.supplier_id == ORG
    assert (record.registered_by, record.licence_type, record.package_type) == (
        "Leverancier", "Open source", "Applicatie")
    assert record.contact_id == CONTACT and record.status is None
    assert record.raw["onbekendVeld"] == {"x": 1}  # unknown fields stay in raw


def test_parse_package_registered_by_uuid_is_normalised() -> None:
    record = parse_record("package", {"id": MODULE, "geregistreerdDoor": ORG.upper()})
    assert isinstance(record, Package) and record.registered_by == ORG


@pytest.mark.parametrize("gen", [1, 2, 3])
def test_parse_usage_all_generations(gen: int) -> None:
    names = {
        1: ("organisatieId", "voorzieningId", "versieId", "deelnemers"),
        2: ("afnemer", "module", "moduleVersie", "deelnemers"),
        3: ("consumer", "module", "moduleVersion", "participants"),
    }[gen]
    raw = {"id": USAGE, names[0]: ORG, names[1]: MODULE, names[2]: VERSION, names[3]: [ORG2],
           "status": "Gepland"}
    record = parse_record("usage", raw)
    assert isinstance(record, Usage) and record.generation == gen
    assert (record.organisation_id, record.package_id, record.package_version_id) == (ORG, MODULE, VERSION)
    assert record.members == (ORG2,) and record.status == "gepland"


@pytest.mark.parametrize("gen", [2, 3])
def test_parse_koppeling_both_generations(gen: int) -> None:
    dutch = {"naam": "A → B", "gegevensuitwisselingRichting": "AnaarB",
             "gerealiseerdMetIntermediairModule": MODULE_B, "buitengemeentelijkVoorziening": ORG2,
             "aanbieder": ORG}
    english = dict(zip(["name", "dataExchangeDirection", "realisedWithIntermediaryModule",
                        "nonMunicipalProvision", "provider"], dutch.values(), strict=True))
    raw = {"id": KOPPELING, "type": ["api"], "status": "In Gebruik", "moduleA": MODULE, "moduleB": None,
           **(dutch if gen == 2 else english)}
    record = parse_record("koppeling", raw)
    assert isinstance(record, Koppeling) and record.generation == gen
    assert (record.name, record.koppeling_type, record.status, record.direction) == (
        "A → B", "api", "in gebruik", "AnaarB")
    assert (record.package_a_id, record.package_b_id, record.intermediary_id) == (MODULE, None, MODULE_B)
    assert (record.external_id, record.supplier_id) == (ORG2, ORG)


# --- ids, timestamps, missing keys, bad objects ---------------------------------------------------

def test_parse_missing_keys_become_none() -> None:
    record = parse_record("koppeling", {"id": KOPPELING})
    assert isinstance(record, Koppeling)
    assert record.name is None and record.status is None and record.created is None


@pytest.mark.parametrize("value", [ORG.upper(), ORG.replace("-", ""), f"{{{ORG}}}", f"urn:uuid:{ORG}"])
def test_parse_id_is_canonical_lower_case_uuid(value: str) -> None:
    assert parse_record("organisation", {"id": value}).id == ORG


def test_parse_id_taken_from_self_when_top_level_missing() -> None:
    assert parse_record("organisation", {"naam": "x", "@self": {"id": ORG.upper()}}).id == ORG


@pytest.mark.parametrize(("raw", "expected_id", "reason"), [
    ({"naam": "x"}, None, "no id"),
    ({"id": "abc"}, "abc", "not a uuid"),
    ({"id": 12}, "12", "not a string"),
    ({"id": ""}, None, "not a uuid"),
])
def test_parse_bad_id_raises_record_error(raw: dict[str, Any], expected_id: str | None, reason: str) -> None:
    with pytest.raises(RecordError) as info:
        parse_record("organisation", raw)
    assert info.value.id == expected_id and reason in info.value.reason


@pytest.mark.parametrize("raw", [None, "text", [1, 2], 3])
def test_parse_non_object_raises_record_error(raw: Any) -> None:
    with pytest.raises(RecordError, match="not an object"):
        parse_record("usage", raw)


def test_record_error_is_an_unexpected_payload_of_the_catalogue() -> None:
    error = RecordError(USAGE, "afnemer: bad", entity="usage")
    assert isinstance(error, UnexpectedPayload) and error.service == "catalogue"


@pytest.mark.parametrize(("value", "expected"), [
    ("2025-05-22T07:46:48+00:00", datetime(2025, 5, 22, 7, 46, 48, tzinfo=UTC)),
    ("2025-05-22T09:46:48+02:00", datetime(2025, 5, 22, 7, 46, 48, tzinfo=UTC)),
    ("2025-05-22T07:46:48Z", datetime(2025, 5, 22, 7, 46, 48, tzinfo=UTC)),
    ("2025-05-22 07:46:48", datetime(2025, 5, 22, 7, 46, 48, tzinfo=UTC)),
    (1747900008, datetime(2025, 5, 22, 7, 46, 48, tzinfo=UTC)),
])
def test_parse_timestamps_to_aware_utc(value: Any, expected: datetime) -> None:
    record = parse_record("usage", {"id": USAGE, "@self": {"updated": value}})
    assert record.updated == expected and record.updated is not None and record.updated.tzinfo == UTC


def test_parse_bad_timestamp_raises_record_error() -> None:
    with pytest.raises(RecordError, match="@self.updated"):
        parse_record("usage", {"id": USAGE, "@self": {"updated": "gisteren"}})


def test_parse_text_fields_coerce_numbers_and_reject_objects() -> None:
    record = parse_record("organisation", gen2_org(naam=2024, telefoonnummer=14050))
    assert isinstance(record, Organisation) and (record.name, record.phone) == ("2024", "14050")
    with pytest.raises(RecordError, match="naam"):
        parse_record("organisation", gen2_org(naam={"nl": "x"}))


def test_parse_unknown_entity_is_a_config_error() -> None:
    from config.errors import ConfigError

    with pytest.raises(ConfigError, match="valid: organisation"):
        parse_record("dienst", {"id": ORG})  # type: ignore[arg-type]


@pytest.mark.parametrize(("entity", "raw"), [
    ("organisation", gen2_org(type=["Leverancier"])),
    ("contact", {"id": CONTACT, "rollen": ["A"], "organisatie": ORG}),
    ("package", {"id": MODULE, "naam": "x"}),
    ("usage", {"id": USAGE, "afnemer": ORG, "deelnemers": [ORG2], "@self": meta(USAGE)}),
    ("koppeling", {"id": KOPPELING, "moduleA": MODULE}),
])
def test_fast_construction_equals_validated_model(entity: str, raw: dict[str, Any]) -> None:
    record = parse_record(entity, raw)  # type: ignore[arg-type]
    cls = RECORD_TYPES[entity]  # type: ignore[index]
    validated = cls.model_validate(record.model_dump())
    assert record == validated and repr(record) == repr(validated)
    assert record.model_dump() == validated.model_dump()
    with pytest.raises(ValidationError):  # frozen like a validated record
        record.id = "x"  # type: ignore[misc]
    assert " raw=" not in repr(record)
