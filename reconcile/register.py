"""The official municipality register: the model, loading (bundled or refreshed copy), lookups, name keys.

Data: TOOI gemeenten (active and ended, with successors), herindelingen, the three Caribbean public bodies
and curated name aliases, shipped in `config/reference/` (see PROVENANCE.md there). A refreshed copy lives
in a data directory (setting `reconcile.reference_dir`); a valid copy there takes precedence. Installing a
newer copy is `reconcile.register_refresh`.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Literal

from config.errors import SwcError

__all__ = [
    "BUNDLED_DIR",
    "REFERENCE_FILES",
    "MUNICIPALITY_COLUMNS",
    "Municipality",
    "Herindeling",
    "Register",
    "RegisterError",
    "normalise_name",
    "normalise_code",
    "read_register",
    "read_rows",
]

BUNDLED_DIR = Path(__file__).resolve().parent.parent / "config" / "reference"
REFERENCE_FILES = ("gemeenten.csv", "herindelingen.csv", "openbare_lichamen.csv", "name_aliases.csv")
MUNICIPALITY_COLUMNS = (
    "cbs_code", "gemeentecode", "naam_officieel", "naam_voorkeur", "provincie_code", "provincie",
    "begindatum", "einddatum", "opgeheven_via", "opvolger_codes", "tooi_uri", "oin", "kvk",
)  # fmt: skip
CARIBBEAN_COLUMNS = ("tooi_code", "tooi_uri", "naam_roo", "oin")
_GM = re.compile(r"^(?:gm)?0*(\d{1,4})$")
_COL = re.compile(r"^col0\d$")
Kind = Literal["gemeente", "openbaar_lichaam"]


class RegisterError(SwcError):
    """The municipality register could not be loaded or refreshed."""


def normalise_code(value: str | int | None) -> str | None:
    """`GM0363`, `gm0363`, `0363`, `363` and 363 -> `GM0363`; Caribbean `col01` stays; else None."""
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip().casefold()
    if _COL.match(text):
        return text
    found = _GM.match(text)
    if not found or int(found.group(1)) == 0:
        return None
    return f"GM{int(found.group(1)):04d}"


_PREFIX = re.compile(r"^(?:gemeente|gem\.|municipality of|openbaar lichaam)\s+")
_QUOTES = str.maketrans({"’": "'", "‘": "'", "´": "'", "`": "'", "ʼ": "'", "\u00a0": " "})


def normalise_name(name: str) -> str:
    """A comparison key: case-folded, no prefix `Gemeente`, no diacritics, `'s-` and punctuation unified.

    `Gemeente 's-Hertogenbosch`, `s Hertogenbosch` and `’s-Hertogenbosch` give `s hertogenbosch`;
    `Súdwest Fryslân` gives `sudwest fryslan`; `Bergen (NH.)` gives `bergen nh`. Never for display.
    """
    text = unicodedata.normalize("NFKC", name).translate(_QUOTES).casefold().strip()
    text = re.sub(r"\s+", " ", text)
    text = _PREFIX.sub("", text)
    text = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    text = text.replace("'", "").replace(".", "")
    text = re.sub(r"[\-‐‑‒–—_/,()\[\]]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


@dataclass(frozen=True)
class Municipality:
    """One gemeente (active or ended) or Caribbean public body of the register."""

    code: str  # GM0363, or col01..col03 for the openbare lichamen
    name: str  # preferred name (Den Haag)
    official_name: str  # official name ('s-Gravenhage)
    kind: Kind = "gemeente"
    province: str | None = None
    begin: date | None = None
    end: date | None = None  # last day (inclusive)
    ended_via: str | None = None  # Samenvoeging | Uitbreiding | Herschikking
    successor_codes: tuple[str, ...] = ()
    tooi_uri: str | None = None
    oin: str | None = None
    kvk: str | None = None

    @property
    def number(self) -> int | None:
        """The CBS number without padding (363), as the catalogue's cbsCode holds it."""
        return int(self.code[2:]) if self.code.startswith("GM") else None

    @property
    def ended_on(self) -> date | None:
        """The day the herindeling took effect (the day after `end`)."""
        return self.end + timedelta(days=1) if self.end else None

    def is_active(self, as_of: date) -> bool:
        return (self.begin is None or self.begin <= as_of) and (self.end is None or as_of <= self.end)


@dataclass(frozen=True)
class Herindeling:
    """A TOOI change event: who ended, who was created, who continued and received territory."""

    effective: date
    event_type: str
    invalidated: tuple[str, ...]
    generated: tuple[str, ...]
    used: tuple[str, ...]
    basis: str | None = None


@dataclass
class Register:
    """The municipality register with lookups by code, KvK and (normalised) name."""

    municipalities: dict[str, Municipality]
    herindelingen: list[Herindeling]
    aliases: dict[str, str]  # normalised alias -> code
    source: str
    _by_kvk: dict[str, str] = field(default_factory=dict, repr=False)
    _by_name: dict[str, list[str]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for muni in self.municipalities.values():
            if muni.kvk:
                self._by_kvk.setdefault(muni.kvk, muni.code)
            for name in {muni.name, muni.official_name}:
                self._index_name(name, muni.code)
        for alias, code in self.aliases.items():
            self._index_name(alias, code)

    def _index_name(self, name: str, code: str) -> None:
        codes = self._by_name.setdefault(normalise_name(name), [])
        if code not in codes:
            codes.append(code)

    @classmethod
    def load(cls, directory: Path | None = None) -> Register:
        """The register from `directory` when it holds a complete copy, else the bundled one."""
        if directory is not None and all((directory / name).is_file() for name in REFERENCE_FILES):
            return read_register(directory)
        return read_register(BUNDLED_DIR)

    def __len__(self) -> int:
        return len(self.municipalities)

    def __iter__(self) -> Iterator[Municipality]:
        return iter(self.municipalities.values())

    def by_code(self, code: str | int | None) -> Municipality | None:
        key = normalise_code(code)
        return self.municipalities.get(key) if key else None

    def by_kvk(self, kvk: str | None) -> Municipality | None:
        digits = re.sub(r"\D", "", kvk or "")
        code = self._by_kvk.get(digits.zfill(8)) if digits else None
        return self.municipalities[code] if code else None

    def by_name(self, name: str | None) -> list[Municipality]:
        """Every municipality (active or ended) whose name or alias equals `name` after normalisation."""
        codes = self._by_name.get(normalise_name(name or ""), [])
        return [self.municipalities[code] for code in codes if code in self.municipalities]

    def names(self) -> dict[str, list[str]]:
        """Normalised name -> codes (for fuzzy suggestions)."""
        return self._by_name

    def active(self, as_of: date, *, caribbean: bool = False) -> list[Municipality]:
        """Gemeenten existing on `as_of` (and the openbare lichamen when `caribbean`), sorted by code."""
        return sorted(
            (m for m in self if m.is_active(as_of) and (caribbean or m.kind == "gemeente")),
            key=lambda m: m.code,
        )

    def successors(self, code: str) -> tuple[Municipality, ...]:
        """The direct successors of an ended municipality (empty when it still exists)."""
        muni = self.by_code(code)
        if muni is None:
            return ()
        return tuple(self.municipalities[c] for c in muni.successor_codes if c in self.municipalities)

    def current_successors(self, code: str, as_of: date) -> tuple[Municipality, ...]:
        """Follow the successor chain to municipalities existing on `as_of` (Molenwaard -> Molenlanden)."""
        found: dict[str, Municipality] = {}
        todo, seen = list(self.successors(code)), {code}
        while todo:
            muni = todo.pop(0)
            if muni.code in seen:
                continue
            seen.add(muni.code)
            if muni.is_active(as_of):
                found.setdefault(muni.code, muni)
            else:
                todo.extend(self.successors(muni.code))
        return tuple(sorted(found.values(), key=lambda m: m.code))


# ---------------------------------------------------------------- reading


def read_rows(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Header and (line number, row) of a CSV whose leading `#` lines are comments."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RegisterError(f"Cannot read the municipality register file {path}: {exc.strerror}") from exc
    lines = text.splitlines()
    skip = 0
    while skip < len(lines) and lines[skip].startswith("#"):
        skip += 1
    reader = csv.DictReader(io.StringIO("\n".join(lines[skip:])))
    rows = [(skip + index + 2, row) for index, row in enumerate(reader)]
    return list(reader.fieldnames or []), rows


def _need(path: Path, header: list[str], columns: Iterable[str]) -> None:
    missing = [c for c in columns if c not in header]
    if missing:
        raise RegisterError(f"{path}: missing column(s) {', '.join(missing)}")


def _date(path: Path, line: int, value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value.strip() else None
    except ValueError:
        raise RegisterError(f"{path}:{line}: not a date (YYYY-MM-DD): {value!r}") from None


def _codes(value: str) -> tuple[str, ...]:
    return tuple(c for c in (normalise_code(part) for part in value.split(";")) if c)


def _read_gemeenten(path: Path) -> dict[str, Municipality]:
    header, rows = read_rows(path)
    _need(path, header, MUNICIPALITY_COLUMNS)
    found: dict[str, Municipality] = {}
    for line, row in rows:
        code = row["cbs_code"].strip().upper()
        if not re.fullmatch(r"GM\d{4}", code) or normalise_code(row["gemeentecode"]) != code:
            raise RegisterError(
                f"{path}:{line}: bad gemeente code {row['cbs_code']!r}/{row['gemeentecode']!r}"
            )
        if code in found:
            raise RegisterError(f"{path}:{line}: duplicate gemeente code {code}")
        kvk = re.sub(r"\D", "", row["kvk"] or "")
        found[code] = Municipality(
            code=code,
            name=(row["naam_voorkeur"] or row["naam_officieel"]).strip(),
            official_name=row["naam_officieel"].strip(),
            province=row["provincie"].strip() or None,
            begin=_date(path, line, row["begindatum"]),
            end=_date(path, line, row["einddatum"]),
            ended_via=row["opgeheven_via"].strip() or None,
            successor_codes=_codes(row["opvolger_codes"]),
            tooi_uri=row["tooi_uri"].strip() or None,
            oin=row["oin"].strip() or None,
            kvk=kvk.zfill(8) if kvk else None,
        )
    return found


def _read_caribbean(path: Path) -> dict[str, Municipality]:
    header, rows = read_rows(path)
    _need(path, header, CARIBBEAN_COLUMNS)
    found: dict[str, Municipality] = {}
    for line, row in rows:
        code = row["tooi_code"].strip().casefold()
        if not _COL.match(code):
            raise RegisterError(f"{path}:{line}: bad openbaar lichaam code {row['tooi_code']!r}")
        name = row["naam_roo"].strip()
        short = re.sub(r"^openbaar lichaam\s+", "", name, flags=re.IGNORECASE)
        found[code] = Municipality(
            code=code, name=short, official_name=name, kind="openbaar_lichaam",
            province="Caribisch Nederland", tooi_uri=row["tooi_uri"].strip() or None,
            oin=row["oin"].strip() or None,
        )  # fmt: skip
    return found


def _read_herindelingen(path: Path) -> list[Herindeling]:
    header, rows = read_rows(path)
    if len(header) < 5:
        raise RegisterError(f"{path}: expected at least 5 columns (date, type, ended, new, continued)")
    events = []
    for line, row in rows:
        values = [row.get(name) or "" for name in header]
        effective = _date(path, line, values[0])
        if effective is None:
            raise RegisterError(f"{path}:{line}: missing effective date")
        codes = [tuple(c for c in re.findall(r"GM\d{4}", v)) for v in values[2:5]]
        basis = values[5].strip() if len(values) > 5 and values[5].strip() else None
        events.append(Herindeling(effective, values[1].strip(), codes[0], codes[1], codes[2], basis))
    return events


def _read_aliases(path: Path, known: set[str]) -> dict[str, str]:
    header, rows = read_rows(path)
    _need(path, header, ("alias", "code"))
    aliases: dict[str, str] = {}
    for line, row in rows:
        code = normalise_code(row["code"])
        if code is None or code not in known:
            raise RegisterError(
                f"{path}:{line}: alias {row['alias']!r} points to unknown code {row['code']!r}"
            )
        aliases[row["alias"].strip()] = code
    return aliases


def read_register(directory: Path) -> Register:
    """Read and validate the four files in `directory`."""
    municipalities = _read_gemeenten(directory / "gemeenten.csv")
    municipalities.update(_read_caribbean(directory / "openbare_lichamen.csv"))
    herindelingen = _read_herindelingen(directory / "herindelingen.csv")
    aliases = _read_aliases(directory / "name_aliases.csv", set(municipalities))
    for muni in municipalities.values():
        unknown = [c for c in muni.successor_codes if c not in municipalities]
        if unknown:
            raise RegisterError(
                f"{directory / 'gemeenten.csv'}: {muni.code} has unknown successor(s) {unknown}"
            )
    return Register(municipalities, herindelingen, aliases, source=str(directory))
