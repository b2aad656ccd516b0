"""The official municipality register: loading (bundled or refreshed copy), lookups and `refresh`.

Data: TOOI gemeenten (active and ended, with successors), herindelingen, the three Caribbean public bodies
and curated name aliases, shipped in `config/reference/` (see PROVENANCE.md there). A refreshed copy lives
in a data directory (setting `reconcile.reference_dir`); a valid copy there takes precedence.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import httpx

from config.errors import SwcError

if TYPE_CHECKING:
    from connectors.tooi import TooiRegister

__all__ = [
    "BUNDLED_DIR",
    "REFERENCE_FILES",
    "Municipality",
    "Herindeling",
    "Register",
    "ReferenceError",
    "RefreshResult",
    "normalise_name",
    "normalise_code",
    "refresh_register",
]

BUNDLED_DIR = Path(__file__).resolve().parent.parent / "config" / "reference"
REFERENCE_FILES = ("gemeenten.csv", "herindelingen.csv", "openbare_lichamen.csv", "name_aliases.csv")
MUNICIPALITY_COLUMNS = (
    "cbs_code", "gemeentecode", "naam_officieel", "naam_voorkeur", "provincie_code", "provincie",
    "begindatum", "einddatum", "opgeheven_via", "opvolger_codes", "tooi_uri", "oin", "kvk",
)  # fmt: skip
GEMEENTEN_HEADER = (*MUNICIPALITY_COLUMNS[:10], "opvolger_namen", *MUNICIPALITY_COLUMNS[10:])
HERINDELINGEN_HEADER = (
    "ingangsdatum", "tooi_event_type", "opgeheven (prov:invalidated)", "nieuw (prov:generated)",
    "voortgezet/ontvangend (prov:used)", "grondslag", "tooi_event_uri",
)  # fmt: skip
CARIBBEAN_COLUMNS = ("tooi_code", "tooi_uri", "naam_roo", "oin")
MIN_ACTIVE_GEMEENTEN = 300  # a refresh with fewer active gemeenten is rejected as truncated
_GM = re.compile(r"^(?:gm)?0*(\d{1,4})$")
_COL = re.compile(r"^col0\d$")
Kind = Literal["gemeente", "openbaar_lichaam"]


class ReferenceError(SwcError):
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


def _rows(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Header and (line number, row) of a CSV whose leading `#` lines are comments."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ReferenceError(f"Cannot read the municipality register file {path}: {exc.strerror}") from exc
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
        raise ReferenceError(f"{path}: missing column(s) {', '.join(missing)}")


def _date(path: Path, line: int, value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value.strip() else None
    except ValueError:
        raise ReferenceError(f"{path}:{line}: not a date (YYYY-MM-DD): {value!r}") from None


def _codes(value: str) -> tuple[str, ...]:
    return tuple(c for c in (normalise_code(part) for part in value.split(";")) if c)


def _read_gemeenten(path: Path) -> dict[str, Municipality]:
    header, rows = _rows(path)
    _need(path, header, MUNICIPALITY_COLUMNS)
    found: dict[str, Municipality] = {}
    for line, row in rows:
        code = row["cbs_code"].strip().upper()
        if not re.fullmatch(r"GM\d{4}", code) or normalise_code(row["gemeentecode"]) != code:
            raise ReferenceError(
                f"{path}:{line}: bad gemeente code {row['cbs_code']!r}/{row['gemeentecode']!r}"
            )
        if code in found:
            raise ReferenceError(f"{path}:{line}: duplicate gemeente code {code}")
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
    header, rows = _rows(path)
    _need(path, header, CARIBBEAN_COLUMNS)
    found: dict[str, Municipality] = {}
    for line, row in rows:
        code = row["tooi_code"].strip().casefold()
        if not _COL.match(code):
            raise ReferenceError(f"{path}:{line}: bad openbaar lichaam code {row['tooi_code']!r}")
        name = row["naam_roo"].strip()
        short = re.sub(r"^openbaar lichaam\s+", "", name, flags=re.IGNORECASE)
        found[code] = Municipality(
            code=code, name=short, official_name=name, kind="openbaar_lichaam",
            province="Caribisch Nederland", tooi_uri=row["tooi_uri"].strip() or None,
            oin=row["oin"].strip() or None,
        )  # fmt: skip
    return found


def _read_herindelingen(path: Path) -> list[Herindeling]:
    header, rows = _rows(path)
    if len(header) < 5:
        raise ReferenceError(f"{path}: expected at least 5 columns (date, type, ended, new, continued)")
    events = []
    for line, row in rows:
        values = [row.get(name) or "" for name in header]
        effective = _date(path, line, values[0])
        if effective is None:
            raise ReferenceError(f"{path}:{line}: missing effective date")
        codes = [tuple(c for c in re.findall(r"GM\d{4}", v)) for v in values[2:5]]
        basis = values[5].strip() if len(values) > 5 and values[5].strip() else None
        events.append(Herindeling(effective, values[1].strip(), codes[0], codes[1], codes[2], basis))
    return events


def _read_aliases(path: Path, known: set[str]) -> dict[str, str]:
    header, rows = _rows(path)
    _need(path, header, ("alias", "code"))
    aliases: dict[str, str] = {}
    for line, row in rows:
        code = normalise_code(row["code"])
        if code is None or code not in known:
            raise ReferenceError(
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
            raise ReferenceError(
                f"{directory / 'gemeenten.csv'}: {muni.code} has unknown successor(s) {unknown}"
            )
    return Register(municipalities, herindelingen, aliases, source=str(directory))


# ---------------------------------------------------------------- refresh


@dataclass(frozen=True)
class RefreshResult:
    """What a refresh changed (codes only; names for renamed entries)."""

    directory: Path
    source: str
    added: tuple[str, ...]
    ended: tuple[str, ...]
    renamed: tuple[tuple[str, str, str], ...]  # code, old name, new name
    active_count: int


def _fetch_files(url: str, target: Path, transport: httpx.BaseTransport | None) -> None:
    base = url.rstrip("/")
    headers = {"User-Agent": "swc-beheer reference refresh"}
    try:
        with httpx.Client(
            timeout=30.0, transport=transport, headers=headers, follow_redirects=True
        ) as client:
            for name in REFERENCE_FILES:
                response = client.get(f"{base}/{name}")
                if response.status_code != 200:
                    raise ReferenceError(
                        f"Refresh failed: {base}/{name} answered HTTP {response.status_code}"
                    )
                (target / name).write_bytes(response.content)
    except httpx.HTTPError as exc:
        raise ReferenceError(f"Refresh failed: could not download from {base}: {type(exc).__name__}") from exc


def _copy_files(source_dir: Path, target: Path) -> None:
    for name in REFERENCE_FILES:
        if not (source_dir / name).is_file():
            raise ReferenceError(f"Refresh failed: {source_dir / name} is missing")
        shutil.copyfile(source_dir / name, target / name)


def _validate(register: Register, today: date) -> int:
    active = register.active(today)
    if len(active) < MIN_ACTIVE_GEMEENTEN:
        raise ReferenceError(
            f"Refresh failed: only {len(active)} active gemeenten on {today} (expected at least "
            f"{MIN_ACTIVE_GEMEENTEN}); the files look truncated"
        )
    caribbean = [m for m in register if m.kind == "openbaar_lichaam"]
    if len(caribbean) != 3:
        raise ReferenceError(f"Refresh failed: expected 3 openbare lichamen, found {len(caribbean)}")
    return len(active)


def _diff(old: Register, new: Register, directory: Path, source: str, active: int) -> RefreshResult:
    today = date.today()
    added = tuple(sorted(set(new.municipalities) - set(old.municipalities)))
    was_active = {code for code, muni in old.municipalities.items() if muni.is_active(today)}
    ended = tuple(
        sorted(
            code
            for code, muni in new.municipalities.items()
            if not muni.is_active(today) and code in was_active
        )
    )
    renamed = tuple(
        (code, old.municipalities[code].name, muni.name)
        for code, muni in sorted(new.municipalities.items())
        if code in old.municipalities and old.municipalities[code].name != muni.name
    )
    return RefreshResult(directory, source, added, ended, renamed, active)


def _write_provenance(target: Path, source: str) -> None:
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    (target / "PROVENANCE.md").write_text(
        f"# Refreshed municipality register\n\nSource: {source}\nRetrieved: {stamp}\n"
        "Validated by swc-beheer (columns, codes, successors, at least "
        f"{MIN_ACTIVE_GEMEENTEN} active gemeenten, 3 openbare lichamen).\n",
        encoding="utf-8",
    )


def refresh_register(
    target_dir: Path,
    *,
    source_dir: Path | None = None,
    url: str | None = None,
    tooi: str | None = None,
    tooi_repository: str | None = None,
    transport: httpx.BaseTransport | None = None,
    today: date | None = None,
) -> RefreshResult:
    """Install a newer register: validate it, then swap it in atomically.

    Sources (exactly one): `source_dir` or `url` holding our four files, or `tooi`, a TOOI "Register
    gemeenten compleet" JSON-LD file or URL, or "latest": the newest version in `tooi_repository` (see
    `connectors.tooi`), from which gemeenten.csv and
    herindelingen.csv are rebuilt; OIN, KvK, province names, the openbare lichamen and the name aliases are
    kept from the current register. The new files are written to a temporary directory beside `target_dir`
    and renamed into place only after validation, so a failed refresh leaves the current data untouched and
    raises ReferenceError saying why.
    """
    if sum(source is not None for source in (source_dir, url, tooi)) != 1:
        raise ReferenceError(
            "Refresh needs exactly one source: --source-dir DIR, --url URL or --tooi FILE|URL"
        )
    current = Register.load(target_dir)
    target_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target_dir.name}-", dir=target_dir.parent))
    try:
        source = str(source_dir or url or tooi)
        if source_dir is not None:
            _copy_files(source_dir, staging)
        elif tooi is not None:
            source, register = _read_tooi(tooi, transport, tooi_repository)
            _files_from_tooi(register, current, staging, source)
        else:
            _fetch_files(str(url), staging, transport)
        try:
            fresh = read_register(staging)
        except ReferenceError as exc:  # name the source, not the staging directory that is about to go
            shown = exc.message.replace(str(staging), source)
            raise ReferenceError(
                f"Refresh failed, kept the current register: {shown}", hint=exc.hint
            ) from exc
        active = _validate(fresh, today or date.today())
        _write_provenance(staging, source)
        _swap(staging, target_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return _diff(current, Register.load(target_dir), target_dir, source, active)


def _read_tooi(
    location: str, transport: httpx.BaseTransport | None, repository: str | None
) -> tuple[str, TooiRegister]:
    """(where it came from, the TOOI register) from a file, an http(s) URL or "latest" in `repository`.

    ReferenceError names what went wrong.
    """
    from connectors.errors import ConnectorError
    from connectors.tooi import TOOI_REPOSITORY, download_latest, parse_tooi_register

    if location == "latest":
        try:
            _, location, data = download_latest(repository or TOOI_REPOSITORY, transport=transport)
        except ConnectorError as exc:
            raise ReferenceError(
                f"Refresh failed, kept the current register: {exc.message}", hint=exc.hint
            ) from exc
    elif re.match(r"https?://", location):
        try:
            headers = {"User-Agent": "swc-beheer reference refresh"}
            with httpx.Client(
                timeout=60.0, transport=transport, headers=headers, follow_redirects=True
            ) as client:
                response = client.get(location)
        except httpx.HTTPError as exc:
            raise ReferenceError(
                f"Refresh failed: could not download {location}: {type(exc).__name__}"
            ) from exc
        if response.status_code != 200:
            raise ReferenceError(f"Refresh failed: {location} answered HTTP {response.status_code}")
        data = response.content
    else:
        try:
            data = Path(location).read_bytes()
        except OSError as exc:
            raise ReferenceError(f"Refresh failed: cannot read {location}: {exc.strerror}") from exc
    try:
        return location, parse_tooi_register(data, source=location)
    except ConnectorError as exc:
        raise ReferenceError(
            f"Refresh failed, kept the current register: {exc.message}", hint=exc.hint
        ) from exc


def _files_from_tooi(register: TooiRegister, current: Register, target: Path, source: str) -> None:
    """Write the four files from `register`, keeping what TOOI does not hold from `current`."""
    names = {g.code: g.preferred_name for g in register.gemeenten}
    missing = sorted(
        code for code, m in current.municipalities.items() if m.kind == "gemeente" and code not in names
    )
    if missing:  # the register is "compleet": it keeps ended gemeenten too, so a missing one means a bad file
        shown = ", ".join(missing[:10]) + (" …" if len(missing) > 10 else "")
        raise ReferenceError(
            f"Refresh failed, kept the current register: {source} lacks {len(missing)} gemeente(n) the "
            f"current register has ({shown})",
            hint="TOOI's register keeps ended gemeenten as well; check that this is the complete register",
        )
    kept_from = Path(current.source)
    _, rows = _rows(kept_from / "gemeenten.csv")
    provinces = {row["provincie_code"]: row["provincie"] for _, row in rows if row.get("provincie_code")}
    stamp = (
        f"# Source: {source} (TOOI rwc_gemeenten_compleet, CC0), converted by swc-beheer reference refresh"
    )
    with (target / "gemeenten.csv").open("w", encoding="utf-8", newline="") as out:
        out.write(stamp + "; OIN and KvK kept from the previous register by code.\n")
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(GEMEENTEN_HEADER)
        for g in sorted(register.gemeenten, key=lambda g: g.code):
            before = current.municipalities.get(g.code)
            successors = register.successors(g.code)
            ended_by = register.ended_by(g.code)
            writer.writerow([
                g.code, g.code[2:], g.official_name, g.preferred_name, g.province_code or "",
                provinces.get(g.province_code or "", ""), _iso(g.begin), _iso(g.end),
                ended_by.kind if ended_by else "", ";".join(successors),
                ";".join(names.get(c, "") for c in successors), g.uri,
                (before.oin or "") if before else "", (before.kvk or "") if before else "",
            ])  # fmt: skip
    with (target / "herindelingen.csv").open("w", encoding="utf-8", newline="") as out:
        out.write(stamp + "\n")
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(HERINDELINGEN_HEADER)
        for e in sorted(register.events, key=lambda e: (e.effective, e.uri)):
            listed = ["; ".join(f"{c} {names.get(c, '')}".strip() for c in codes)
                      for codes in (e.invalidated, e.generated, e.used)]  # fmt: skip
            writer.writerow([_iso(e.effective), e.kind, *listed, e.basis or "", e.uri])
    for name in ("openbare_lichamen.csv", "name_aliases.csv"):
        shutil.copyfile(kept_from / name, target / name)


def _iso(value: date | None) -> str:
    return value.isoformat() if value else ""


def _swap(staging: Path, target_dir: Path) -> None:
    """Rename `staging` to `target_dir`, keeping the old directory until the rename succeeded."""
    backup = target_dir.with_name(f".{target_dir.name}-old")
    shutil.rmtree(backup, ignore_errors=True)
    if target_dir.exists():
        target_dir.rename(backup)
    try:
        staging.rename(target_dir)
    except OSError as exc:
        if backup.exists():
            backup.rename(target_dir)
        raise ReferenceError(f"Refresh failed: cannot write {target_dir}: {exc.strerror}") from exc
    shutil.rmtree(backup, ignore_errors=True)
