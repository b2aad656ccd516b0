"""`reference refresh --tooi`: the TOOI "Register gemeenten compleet" (expanded JSON-LD) as the source.

The fixture is built from the bundled register in TOOI's documented shape (IRIs, `@value`/`@id` lists,
change events with prov:invalidated/generated/used), so a round trip must give the bundled register back.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from connectors.errors import NotFound
from connectors.tooi import ONT, PROV, parse_tooi_register
from reconcile.register import BUNDLED_DIR, Register, RegisterError
from reconcile.register_refresh import refresh_register
from sandbox.server import Request, Response, serve_in_thread
from tests.helpers.tooi_data import (
    GEMEENTE,
    read_csv_rows,
    tooi_event,
    tooi_from_bundled,
    tooi_gemeente,
    tooi_values,
)


def _write(path: Path, nodes: Any) -> str:
    path.write_text(json.dumps(nodes), encoding="utf-8")
    return str(path)


def test_round_trip_gives_the_bundled_register(tmp_path: Path) -> None:
    target = tmp_path / "ref"
    source = _write(tmp_path / "rwc_gemeenten_compleet_4.json", {"@graph": tooi_from_bundled()})
    result = refresh_register(target, tooi=source, today=date(2026, 12, 1))

    bundled, fresh = Register.load(BUNDLED_DIR), Register.load(target)
    assert fresh.source == str(target) and result.active_count == 342
    assert (result.added, result.ended, result.renamed) == ((), (), ())
    for code, before in bundled.municipalities.items():
        after = fresh.municipalities[code]
        assert (after.name, after.official_name, after.province, after.begin, after.end, after.ended_via) == (
            before.name,
            before.official_name,
            before.province,
            before.begin,
            before.end,
            before.ended_via,
        ), code
        assert sorted(after.successor_codes) == sorted(before.successor_codes), code
        assert (after.oin, after.kvk, after.tooi_uri) == (before.oin, before.kvk, before.tooi_uri), code
    installed = {(h.effective, h.event_type, h.invalidated, h.generated, h.used) for h in fresh.herindelingen}
    assert {
        (h.effective, h.event_type, h.invalidated, h.generated, h.used) for h in bundled.herindelingen
    } <= installed


def test_a_future_herindeling_is_installed_before_it_takes_effect(tmp_path: Path) -> None:
    nodes = tooi_from_bundled()
    bundled = Register.load(BUNDLED_DIR)
    first, second = sorted(m.code for m in bundled.active(date(2026, 12, 1)) if m.kind == "gemeente")[:2]
    for node in nodes:
        if node["@id"] in (GEMEENTE + first.lower(), GEMEENTE + second.lower()):
            node[ONT + "einddatum"] = tooi_values("2026-12-31")
    nodes.append(tooi_gemeente("GM1999", "Nieuwgemeente", "Nieuwgemeente", "PV20", begin="2027-01-01"))
    nodes.append(tooi_event("Samenvoeging", "2027-01-01", [first, second], ["GM1999"], [], 999))
    target = tmp_path / "ref"

    result = refresh_register(target, tooi=_write(tmp_path / "v5.json", nodes), today=date(2026, 12, 1))

    assert result.added == ("GM1999",) and result.ended == ()
    fresh = Register.load(target)
    assert fresh.municipalities[first].is_active(date(2026, 12, 31))
    assert [m.code for m in fresh.current_successors(first, date(2027, 1, 2))] == ["GM1999"]
    assert fresh.municipalities["GM1999"].province == "Groningen"  # PV20, named as in the current register
    assert fresh.municipalities["GM1999"].oin is None  # TOOI has no OIN: a new gemeente gets none yet


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{not json", "is not JSON"),
        ('{"gemeenten": []}', "is not expanded JSON-LD"),
        ("[]", "holds no"),
    ],
)
def test_a_bad_file_keeps_the_current_register(tmp_path: Path, content: str, expected: str) -> None:
    target = tmp_path / "ref"
    refresh_register(
        target, tooi=_write(tmp_path / "good.json", tooi_from_bundled()), today=date(2026, 12, 1)
    )
    before = {p.name: p.read_bytes() for p in target.iterdir()}
    bad = tmp_path / "bad.json"
    bad.write_text(content, encoding="utf-8")
    with pytest.raises(RegisterError) as info:
        refresh_register(target, tooi=str(bad), today=date(2026, 12, 1))
    assert expected in info.value.message and str(bad) in info.value.message
    assert {p.name: p.read_bytes() for p in target.iterdir()} == before


def test_a_bad_date_names_the_node(tmp_path: Path) -> None:
    nodes = tooi_from_bundled()
    broken = next(n for n in nodes if ONT + "einddatum" in n)
    broken[ONT + "einddatum"] = tooi_values("31-12-2020")
    with pytest.raises(RegisterError) as info:
        refresh_register(tmp_path / "ref", tooi=_write(tmp_path / "x.json", nodes))
    assert broken["@id"] in info.value.message and "einddatum" in info.value.message


def test_a_truncated_register_is_refused(tmp_path: Path) -> None:
    _, aliases = read_csv_rows(BUNDLED_DIR / "name_aliases.csv")
    needed = {GEMEENTE + row["code"].lower() for _, row in aliases}
    gemeenten = [n for n in tooi_from_bundled() if ONT + "gemeentecode" in n]
    nodes = [n for i, n in enumerate(gemeenten) if i < 150 or n["@id"] in needed]  # no events: no successors
    with pytest.raises(RegisterError, match=r"lacks \d+ gemeente\(n\) the current register has") as info:
        refresh_register(tmp_path / "ref", tooi=_write(tmp_path / "x.json", nodes), today=date(2026, 12, 1))
    assert "x.json" in info.value.message and info.value.hint
    assert not (tmp_path / "ref").exists()


def test_a_register_missing_one_ended_gemeente_is_refused(tmp_path: Path) -> None:
    # TOOI keeps ended gemeenten: losing one would silently drop its history, OIN and KvK
    nodes = [n for n in tooi_from_bundled() if n["@id"] != GEMEENTE + "gm0003"]
    events = [n for n in nodes if PROV + "invalidated" in n]
    for event in events:
        event[PROV + "invalidated"] = [
            ref for ref in event[PROV + "invalidated"] if not ref["@id"].endswith("gm0003")
        ]
    with pytest.raises(RegisterError, match=r"lacks 1 gemeente\(n\) the current register has \(GM0003\)"):
        refresh_register(tmp_path / "ref", tooi=_write(tmp_path / "x.json", nodes), today=date(2026, 12, 1))


@pytest.fixture
def tooi_server() -> Iterator[str]:
    body = json.dumps(tooi_from_bundled()).encode()

    def app(request: Request) -> Response:
        if request.path.endswith("rwc_gemeenten_compleet_4.json"):
            return Response(200, [("Content-Type", "application/ld+json")], body)
        return Response(404, [], b"not found")

    with serve_in_thread(app) as server:
        yield server.url + "/waardelijsten/rwc_gemeenten_compleet/4/json/rwc_gemeenten_compleet_4.json"


def test_the_register_can_be_downloaded(tooi_server: str, tmp_path: Path) -> None:
    result = refresh_register(tmp_path / "ref", tooi=tooi_server, today=date(2026, 12, 1))
    assert result.active_count == 342 and result.source == tooi_server
    missing = tooi_server.replace("_4.json", "_5.json")
    with pytest.raises(RegisterError, match=r"not found \(404\)") as info:
        refresh_register(tmp_path / "ref", tooi=missing)
    assert missing in info.value.message and isinstance(info.value.__cause__, NotFound)


def test_parser_reads_newer_event_types_and_ignores_other_nodes() -> None:
    nodes = [
        tooi_gemeente("GM0001", "Een", "Een", "PV20", end="2029-12-31"),
        tooi_gemeente("GM0002", "Twee", "Twee", "PV20"),
        tooi_event("Opheffing", "2030-01-01", ["GM0001"], [], ["GM0002"], 1),
        {"@id": "x", "@type": [ONT + "Toekomstig"]},
    ]
    register = parse_tooi_register(json.dumps(nodes))
    assert [g.code for g in register.gemeenten] == ["GM0001", "GM0002"]
    assert register.successors("GM0001") == ("GM0002",)
    assert register.ended_by("GM0001") is not None and register.ended_by("GM0001").kind == "Opheffing"  # type: ignore[union-attr]


def _with_future_herindeling() -> list[dict[str, Any]]:
    nodes = tooi_from_bundled()  # version 5: a gemeente that begins next year
    nodes.append(tooi_gemeente("GM1999", "Nieuwgemeente", "Nieuwgemeente", "PV20", begin="2027-01-01"))
    return nodes


@pytest.fixture
def repository() -> Iterator[tuple[str, list[str]]]:
    """A TOOI repository on loopback holding versions 4 and 5; yields its URL and the paths asked for."""
    versions = {
        4: json.dumps(tooi_from_bundled()).encode(),
        5: json.dumps(_with_future_herindeling()).encode(),
    }
    asked: list[str] = []

    def app(request: Request) -> Response:
        asked.append(request.path)
        match = re.fullmatch(
            r"/repo/rwc_gemeenten_compleet/(\d+)/json/rwc_gemeenten_compleet_(\d+)\.json", request.path
        )
        if match and match.group(1) == match.group(2) and int(match.group(1)) in versions:
            return Response(200, [("Content-Type", "application/ld+json")], versions[int(match.group(1))])
        return Response(404, [], b"not found")

    with serve_in_thread(app) as server:
        yield server.url + "/repo/rwc_gemeenten_compleet", asked


def test_latest_finds_the_newest_version(repository: tuple[str, list[str]], tmp_path: Path) -> None:
    url, asked = repository
    result = refresh_register(tmp_path / "ref", tooi="latest", tooi_repository=url, today=date(2026, 12, 1))
    assert result.source.endswith("/5/json/rwc_gemeenten_compleet_5.json")
    assert result.added == ("GM1999",)
    assert [path.split("/")[3] for path in asked] == ["4", "5", "6"]  # up to the first 404
    assert "rwc_gemeenten_compleet_5.json" in (tmp_path / "ref" / "PROVENANCE.md").read_text(encoding="utf-8")


def test_latest_with_no_version_is_a_clear_error(repository: tuple[str, list[str]], tmp_path: Path) -> None:
    url, _ = repository
    with pytest.raises(RegisterError, match="no version of the register"):
        refresh_register(
            tmp_path / "ref", tooi="latest", tooi_repository=url.replace("/repo/", "/elsewhere/")
        )
    assert not (tmp_path / "ref").exists()
