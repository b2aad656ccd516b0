"""Matching catalogue gemeenten to the register: every pitfall and every verdict."""

from __future__ import annotations

from datetime import date

import pytest

from connectors.catalogue_models import Organisation
from reconcile.matching import match_catalogue, match_organisation
from reconcile.register import Register

TODAY = date(2026, 6, 1)


@pytest.fixture(scope="module")
def register() -> Register:
    return Register.load()


def org(
    name: str | None = None, cbs: int | None = None, kvk: str | None = None, oid: str = "o1"
) -> Organisation:
    return Organisation(id=oid, name=name, type="gemeente", status="actief", cbs_code=cbs, kvk=kvk)


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("'s-Hertogenbosch", "GM0796"),
        ("Den Bosch", "GM0796"),
        ("Gemeente Den Bosch", "GM0796"),
        ("s Hertogenbosch", "GM0796"),
        ("’s-Hertogenbosch", "GM0796"),
        ("Den Haag", "GM0518"),
        ("'s-Gravenhage", "GM0518"),
        ("gemeente 's-Gravenhage", "GM0518"),
        ("Súdwest-Fryslân", "GM1900"),
        ("Sudwest Fryslan", "GM1900"),
        ("Súdwest Fryslân", "GM1900"),
        ("Zuidwest-Friesland", "GM1900"),
        ("Tietjerksteradeel", "GM0737"),
        ("Tytsjerksteradiel", "GM0737"),
        ("Bergen (NH)", "GM0373"),
        ("Bergen (NH.)", "GM0373"),
        ("Bergen (N.H.)", "GM0373"),
        ("Bergen (L)", "GM0893"),
        ("Bergen (L.)", "GM0893"),
        ("Bergen (Limburg)", "GM0893"),
        ("Bergen op Zoom", "GM0748"),
        ("IJsselstein", "GM0353"),
        ("Capelle aan den IJssel", "GM0502"),
        ("Nuenen", "GM0820"),
        ("Nuenen, Gerwen en Nederwetten", "GM0820"),
    ],
)
def test_name_pitfalls_resolve_to_the_right_code(register: Register, name: str, code: str) -> None:
    match = match_organisation(org(name), register, TODAY)
    assert (match.verdict, match.code, match.method) == ("active", code, "name")


def test_bare_bergen_is_never_resolved_but_suggested(register: Register) -> None:
    match = match_organisation(org("Bergen"), register, TODAY)
    assert match.verdict == "unmatched" and match.code is None
    assert {"GM0373", "GM0893"} <= {code for code, _, _ in match.suggestions}


def test_cbs_code_beats_name_and_is_zero_padded(register: Register) -> None:
    match = match_organisation(org("Amsterdam", cbs=363), register, TODAY)
    assert (match.verdict, match.code, match.method) == ("active", "GM0363", "cbs_code")


def test_kvk_is_the_second_key(register: Register) -> None:
    match = match_organisation(org("Iets anders", kvk="34366966"), register, TODAY)
    assert (match.code, match.method) == ("GM0363", "kvk")


def test_weesp_merged_into_amsterdam(register: Register) -> None:
    match = match_organisation(org("Weesp", cbs=457), register, TODAY)
    assert match.verdict == "merged"
    assert [m.code for m in match.successors] == ["GM0363"]
    assert match.effective == date(2022, 3, 24)
    before = match_organisation(org("Weesp", cbs=457), register, date(2022, 3, 23))
    assert before.verdict == "active"


def test_haaren_split_needs_review(register: Register) -> None:
    match = match_organisation(org("Haaren"), register, TODAY)
    assert match.verdict == "split"
    assert [m.name for m in match.successors] == ["Boxtel", "Oisterwijk", "Tilburg", "Vught"]
    assert match.effective == date(2021, 1, 1)


def test_herschikking_is_renamed(register: Register) -> None:
    match = match_organisation(org("Groesbeek"), register, TODAY)
    assert match.verdict == "renamed"
    assert [m.name for m in match.successors] == ["Berg en Dal"]


def test_active_code_with_a_foreign_name_is_renamed(register: Register) -> None:
    match = match_organisation(org("Mokum", cbs=363), register, TODAY)
    assert (match.verdict, match.code, match.name_mismatch) == ("renamed", "GM0363", True)


def test_chain_of_successors_reaches_a_current_gemeente(register: Register) -> None:
    match = match_organisation(org("Molenwaard", cbs=1927), register, TODAY)
    assert match.verdict == "merged" and [m.code for m in match.successors] == ["GM1978"]


def test_bonaire_is_a_caribbean_public_body(register: Register) -> None:
    match = match_organisation(org("Openbaar Lichaam Bonaire"), register, TODAY)
    assert (match.verdict, match.code) == ("active", "col01")
    assert match.municipality is not None and match.municipality.kind == "openbaar_lichaam"


def test_future_gemeente(register: Register) -> None:
    match = match_organisation(org("Voorne aan Zee"), register, date(2022, 6, 1))
    assert match.verdict == "future"


@pytest.mark.parametrize(
    "name", ["Provincie Utrecht", "Omgevingsdienst Noordzeekanaalgebied", "Waterschap Rivierenland"]
)
def test_not_a_municipality(register: Register, name: str) -> None:
    assert match_organisation(org(name), register, TODAY).verdict == "not_a_municipality"


def test_provincie_utrecht_is_not_gemeente_utrecht(register: Register) -> None:
    assert match_organisation(org("Gemeente Utrecht"), register, TODAY).code == "GM0344"
    assert match_organisation(org("Provincie Utrecht"), register, TODAY).code is None


def test_catalogue_missing_and_duplicates(register: Register) -> None:
    orgs = [
        org("Amsterdam", cbs=363, oid="a"),
        org("Gemeente Amsterdam", oid="b"),
        org("Weesp", cbs=457, oid="w"),
        org("Bonaire", oid="bon"),
    ]
    result = match_catalogue(orgs, register, TODAY)
    assert result.duplicates == {"GM0363": ["a", "b"]}
    missing = {m.code for m in result.missing}
    assert "GM0363" not in missing and "col01" not in missing
    assert {"GM0518", "col02", "col03"} <= missing
    assert len(missing) == 342 + 3 - 2  # all active gemeenten and public bodies but Amsterdam and Bonaire
    assert result.matches["w"].verdict == "merged"
