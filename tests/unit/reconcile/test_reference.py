"""The bundled municipality register: counts, lookups, successors, refresh (validate + atomic swap)."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import httpx
import pytest

from connectors.errors import RemoteUnavailable
from reconcile.register import (
    BUNDLED_DIR,
    REFERENCE_FILES,
    Register,
    RegisterError,
    normalise_code,
    normalise_name,
)
from reconcile.register_refresh import refresh_register


@pytest.fixture(scope="module")
def register() -> Register:
    return Register.load()


@pytest.mark.parametrize(
    ("when", "count"),
    [
        (date(2018, 1, 1), 380),
        (date(2019, 1, 1), 355),
        (date(2021, 1, 1), 352),
        (date(2022, 1, 1), 345),
        (date(2022, 3, 24), 344),
        (date(2023, 1, 1), 342),
        (date(2026, 1, 1), 342),
    ],
)
def test_active_counts_match_cbs(register: Register, when: date, count: int) -> None:
    assert len(register.active(when)) == count


def test_caribbean_bodies_are_extra(register: Register) -> None:
    today = date(2026, 1, 1)
    extra = {m.code for m in register.active(today, caribbean=True)} - {
        m.code for m in register.active(today)
    }
    assert extra == {"col01", "col02", "col03"}
    assert register.by_code("col02").name == "Sint Eustatius"  # TOOI order, not ISO order


@pytest.mark.parametrize("value", ["GM0363", "gm0363", "0363", "363", 363, " GM363 "])
def test_code_forms(value: str | int) -> None:
    assert normalise_code(value) == "GM0363"


@pytest.mark.parametrize("value", [None, "", "GM0", "abc", "GM12345", True])
def test_bad_codes(value: object) -> None:
    assert normalise_code(value) is None  # type: ignore[arg-type]


def test_lookups(register: Register) -> None:
    assert register.by_code(363).name == "Amsterdam"
    assert register.by_kvk("32165235").code == "GM0457"  # Weesp
    assert register.by_kvk("1173706").code == "GM0003"  # leading zero dropped
    assert [m.code for m in register.by_name("Gemeente Den Haag")] == ["GM0518"]
    assert register.by_code("GM0518").official_name == "'s-Gravenhage"


def test_successors(register: Register) -> None:
    assert [m.code for m in register.successors("GM0457")] == ["GM0363"]
    assert register.by_code("GM0457").ended_on == date(2022, 3, 24)
    assert [m.name for m in register.successors("GM0788")] == ["Boxtel", "Oisterwijk", "Tilburg", "Vught"]
    assert register.successors("GM0363") == ()
    # Molenwaard (1927, 2013-2018) -> Molenlanden
    assert [m.code for m in register.current_successors("GM1927", date(2026, 1, 1))] == ["GM1978"]


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("Gemeente 's-Hertogenbosch", "s hertogenbosch"),
        ("’s Hertogenbosch", "s hertogenbosch"),
        ("s-Hertogenbosch", "s hertogenbosch"),
        ("Súdwest Fryslân", "sudwest fryslan"),
        ("Su\u0301dwest-Frysla\u0302n", "sudwest fryslan"),
        ("Bergen (NH.)", "bergen nh"),
        ("Bergen (N.H.)", "bergen nh"),
        ("IJsselstein", "ijsselstein"),
        ("\u0132sselstein", "ijsselstein"),
        ("Gemeentebelangen X", "gemeentebelangen x"),
        ("Capelle\u00a0aan den  IJssel", "capelle aan den ijssel"),
    ],
)
def test_normalise_name(raw: str, key: str) -> None:
    assert normalise_name(raw) == key


def _copy(tmp: Path) -> Path:
    src = tmp / "src"
    src.mkdir()
    for name in REFERENCE_FILES:
        shutil.copyfile(BUNDLED_DIR / name, src / name)
    return src


def test_refresh_from_dir_swaps_in(tmp_path: Path) -> None:
    src = _copy(tmp_path)
    target = tmp_path / "data" / "reference"
    result = refresh_register(target, source_dir=src, today=date(2026, 1, 1))
    assert result.active_count == 342 and result.added == ()
    assert Register.load(target).source == str(target)
    assert (target / "PROVENANCE.md").is_file()
    assert not [p for p in target.parent.iterdir() if p.name.startswith(".")]  # no staging left behind


def test_refresh_rejects_truncated_files_and_keeps_current(tmp_path: Path) -> None:
    target = tmp_path / "reference"
    refresh_register(target, source_dir=_copy(tmp_path), today=date(2026, 1, 1))
    bad = tmp_path / "bad"
    shutil.copytree(tmp_path / "src", bad)
    lines = (bad / "gemeenten.csv").read_text(encoding="utf-8").splitlines()
    (bad / "gemeenten.csv").write_text("\n".join(lines[:100]) + "\n", encoding="utf-8")
    with pytest.raises(RegisterError, match="Refresh failed"):
        refresh_register(target, source_dir=bad, today=date(2026, 1, 1))
    assert len(Register.load(target).active(date(2026, 1, 1))) == 342


def test_refresh_rejects_bad_columns_with_location(tmp_path: Path) -> None:
    bad = _copy(tmp_path)
    text = (bad / "gemeenten.csv").read_text(encoding="utf-8").replace("GM0363,0363", "XX0363,0363")
    (bad / "gemeenten.csv").write_text(text, encoding="utf-8")
    with pytest.raises(RegisterError, match=r"gemeenten.csv:\d+: bad gemeente code"):
        refresh_register(tmp_path / "ref", source_dir=bad)
    assert not (tmp_path / "ref").exists()


def test_refresh_over_http(tmp_path: Path) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        name = request.url.path.rsplit("/", 1)[-1]
        if name not in REFERENCE_FILES:
            return httpx.Response(404)
        return httpx.Response(200, content=(BUNDLED_DIR / name).read_bytes())

    result = refresh_register(
        tmp_path / "ref",
        url="https://example.test/reg",
        transport=httpx.MockTransport(handler),
        today=date(2026, 1, 1),
    )
    assert result.active_count == 342


def test_refresh_http_failure_says_why(tmp_path: Path) -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(503))
    with pytest.raises(RegisterError, match="server error 503") as info:
        refresh_register(tmp_path / "ref", url="https://example.test/reg", transport=transport)
    assert "https://example.test/reg/gemeenten.csv" in info.value.message
    assert isinstance(info.value.__cause__, RemoteUnavailable)
    assert not (tmp_path / "ref").exists()


def test_refresh_needs_one_source(tmp_path: Path) -> None:
    with pytest.raises(RegisterError, match="exactly one source"):
        refresh_register(tmp_path / "ref")
