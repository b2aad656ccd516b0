"""Installing a newer municipality register: fetch, validate, swap in atomically (`refresh_register`).

Sources: our four CSV files from a directory or a URL (`connectors.register_files`), or TOOI's "Register
gemeenten compleet" JSON-LD (`connectors.tooi`), from which gemeenten.csv and herindelingen.csv are rebuilt.
A failed refresh leaves the current register untouched and raises RegisterError saying why.
"""

from __future__ import annotations

import csv
import re
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from connectors.errors import ConnectorError
from connectors.register_files import download_register_files
from connectors.tooi import (
    TOOI_REPOSITORY,
    TooiRegister,
    download_latest,
    download_register,
    parse_tooi_register,
)
from reconcile.register import (
    MUNICIPALITY_COLUMNS,
    REFERENCE_FILES,
    Register,
    RegisterError,
    read_register,
    read_rows,
)

if TYPE_CHECKING:
    import httpx

__all__ = ["MIN_ACTIVE_GEMEENTEN", "RefreshResult", "refresh_register"]

MIN_ACTIVE_GEMEENTEN = 300  # a refresh with fewer active gemeenten is rejected as truncated
GEMEENTEN_HEADER = (*MUNICIPALITY_COLUMNS[:10], "opvolger_namen", *MUNICIPALITY_COLUMNS[10:])
HERINDELINGEN_HEADER = (
    "ingangsdatum", "tooi_event_type", "opgeheven (prov:invalidated)", "nieuw (prov:generated)",
    "voortgezet/ontvangend (prov:used)", "grondslag", "tooi_event_uri",
)  # fmt: skip
KEPT = "Refresh failed, kept the current register"


@dataclass(frozen=True)
class RefreshResult:
    """What a refresh changed (codes only; names for renamed entries)."""

    directory: Path
    source: str
    added: tuple[str, ...]
    ended: tuple[str, ...]
    renamed: tuple[tuple[str, str, str], ...]  # code, old name, new name
    active_count: int


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
    `connectors.tooi`), from which gemeenten.csv and herindelingen.csv are rebuilt; OIN, KvK, province
    names, the openbare lichamen and the name aliases are kept from the current register. The new files are
    written to a temporary directory beside `target_dir` and renamed into place only after validation, so
    a failed refresh leaves the current data untouched and raises RegisterError saying why.
    """
    if sum(source is not None for source in (source_dir, url, tooi)) != 1:
        raise RegisterError(
            "Refresh needs exactly one source: --source-dir DIR, --url URL or --tooi FILE|URL"
        )
    current = Register.load(target_dir)
    target_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target_dir.name}-", dir=target_dir.parent))
    try:
        if tooi is not None:
            source, register = _read_tooi(tooi, transport, tooi_repository)
            _files_from_tooi(register, current, staging, source)
        else:
            source = _stage_files(source_dir, url, staging, transport)
        active = _validate(_read_staged(staging, source), today or date.today())
        _write_provenance(staging, source)
        _swap(staging, target_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return _diff(current, Register.load(target_dir), target_dir, source, active)


def _stage_files(
    source_dir: Path | None, url: str | None, staging: Path, transport: httpx.BaseTransport | None
) -> str:
    """Copy or download our four files into `staging`; returns where they came from."""
    if source_dir is not None:
        for name in REFERENCE_FILES:
            if not (source_dir / name).is_file():
                raise RegisterError(f"Refresh failed: {source_dir / name} is missing")
            shutil.copyfile(source_dir / name, staging / name)
        return str(source_dir)
    assert url is not None  # refresh_register checked that exactly one source is given
    try:
        files = download_register_files(url, REFERENCE_FILES, transport=transport)
    except ConnectorError as exc:
        raise RegisterError(f"{KEPT}: {exc.message}", hint=exc.hint) from exc
    for name, body in files.items():
        (staging / name).write_bytes(body)
    return url


def _read_staged(staging: Path, source: str) -> Register:
    try:
        return read_register(staging)
    except RegisterError as exc:  # name the source, not the staging directory that is about to go
        shown = exc.message.replace(str(staging), source)
        raise RegisterError(f"{KEPT}: {shown}", hint=exc.hint) from exc


def _validate(register: Register, today: date) -> int:
    active = register.active(today)
    if len(active) < MIN_ACTIVE_GEMEENTEN:
        raise RegisterError(
            f"Refresh failed: only {len(active)} active gemeenten on {today} (expected at least "
            f"{MIN_ACTIVE_GEMEENTEN}); the files look truncated"
        )
    caribbean = [m for m in register if m.kind == "openbaar_lichaam"]
    if len(caribbean) != 3:
        raise RegisterError(f"Refresh failed: expected 3 openbare lichamen, found {len(caribbean)}")
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
        raise RegisterError(f"Refresh failed: cannot write {target_dir}: {exc.strerror}") from exc
    shutil.rmtree(backup, ignore_errors=True)


# ---------------------------------------------------------------- TOOI


def _read_tooi(
    location: str, transport: httpx.BaseTransport | None, repository: str | None
) -> tuple[str, TooiRegister]:
    """(where it came from, the TOOI register) from a file, an http(s) URL or "latest" in `repository`.

    RegisterError names what went wrong.
    """
    try:
        if location == "latest":
            _, location, data = download_latest(repository or TOOI_REPOSITORY, transport=transport)
        elif re.match(r"https?://", location):
            data = download_register(location, transport=transport)
        else:
            data = _read_file(location)
        return location, parse_tooi_register(data, source=location)
    except ConnectorError as exc:
        raise RegisterError(f"{KEPT}: {exc.message}", hint=exc.hint) from exc


def _read_file(location: str) -> bytes:
    try:
        return Path(location).read_bytes()
    except OSError as exc:
        raise RegisterError(f"Refresh failed: cannot read {location}: {exc.strerror}") from exc


def _files_from_tooi(register: TooiRegister, current: Register, target: Path, source: str) -> None:
    """Write the four files from `register`, keeping what TOOI does not hold from `current`."""
    names = {g.code: g.preferred_name for g in register.gemeenten}
    _refuse_missing(current, names, source)
    kept_from = Path(current.source)
    stamp = (
        f"# Source: {source} (TOOI rwc_gemeenten_compleet, CC0), converted by swc-beheer reference refresh"
    )
    _write_gemeenten(register, current, target / "gemeenten.csv", names, stamp)
    _write_herindelingen(register, target / "herindelingen.csv", names, stamp)
    for name in ("openbare_lichamen.csv", "name_aliases.csv"):
        shutil.copyfile(kept_from / name, target / name)


def _refuse_missing(current: Register, names: dict[str, str], source: str) -> None:
    missing = sorted(
        code for code, m in current.municipalities.items() if m.kind == "gemeente" and code not in names
    )
    if missing:  # the register is "compleet": it keeps ended gemeenten too, so a missing one means a bad file
        shown = ", ".join(missing[:10]) + (" …" if len(missing) > 10 else "")
        raise RegisterError(
            f"{KEPT}: {source} lacks {len(missing)} gemeente(n) the current register has ({shown})",
            hint="TOOI's register keeps ended gemeenten as well; check that this is the complete register",
        )


def _write_gemeenten(
    register: TooiRegister, current: Register, path: Path, names: dict[str, str], stamp: str
) -> None:
    _, rows = read_rows(Path(current.source) / "gemeenten.csv")
    provinces = {row["provincie_code"]: row["provincie"] for _, row in rows if row.get("provincie_code")}
    with path.open("w", encoding="utf-8", newline="") as out:
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


def _write_herindelingen(register: TooiRegister, path: Path, names: dict[str, str], stamp: str) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(stamp + "\n")
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(HERINDELINGEN_HEADER)
        for e in sorted(register.events, key=lambda e: (e.effective, e.uri)):
            listed = ["; ".join(f"{c} {names.get(c, '')}".strip() for c in codes)
                      for codes in (e.invalidated, e.generated, e.used)]  # fmt: skip
            writer.writerow([_iso(e.effective), e.kind, *listed, e.basis or "", e.uri])


def _iso(value: date | None) -> str:
    return value.isoformat() if value else ""
