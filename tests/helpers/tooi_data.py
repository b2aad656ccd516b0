"""The bundled municipality register rebuilt as TOOI's expanded JSON-LD (for the TOOI refresh tests)."""

from __future__ import annotations

import csv
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from connectors.tooi import ONT, PROV
from reconcile.register import BUNDLED_DIR

__all__ = [
    "GEMEENTE", "PROVINCIE", "XSD_DATE", "read_csv_rows", "tooi_event", "tooi_from_bundled", "tooi_gemeente",
    "tooi_values",
]  # fmt: skip

GEMEENTE = "https://identifier.overheid.nl/tooi/id/gemeente/"
PROVINCIE = "https://identifier.overheid.nl/tooi/id/provincie/"
XSD_DATE = "http://www.w3.org/2001/XMLSchema#date"


def tooi_values(*values: str) -> list[dict[str, str]]:
    return [
        {"@value": v, "@type": XSD_DATE} if re.fullmatch(r"\d{4}-\d\d-\d\d", v) else {"@value": v}
        for v in values
    ]


def _ids(*codes: str) -> list[dict[str, str]]:
    return [{"@id": GEMEENTE + code.lower()} for code in codes]


def tooi_gemeente(
    code: str, official: str, preferred: str, province: str, begin: str = "", end: str = ""
) -> dict[str, Any]:
    node: dict[str, Any] = {
        "@id": GEMEENTE + code.lower(),
        "@type": [ONT + "Gemeente"],
        ONT + "gemeentecode": tooi_values(code[2:]),
        ONT + "organisatiecode": tooi_values(code.lower()),
        ONT + "officieleNaamExclSoort": tooi_values(official),
        ONT + "voorkeursnaamExclSoort": tooi_values(preferred),
        ONT + "ligtInProvincie": [{"@id": PROVINCIE + province.lower()}],
    }
    if begin:
        node[ONT + "begindatum"] = tooi_values(begin)
    if end:
        node[ONT + "einddatum"] = tooi_values(end)
    return node


def tooi_event(
    kind: str, effective: str, ended: list[str], new: list[str], used: list[str], n: int
) -> dict[str, Any]:
    return {
        "@id": f"{GEMEENTE}wzg_{n:08d}",
        "@type": [ONT + kind],
        ONT + "tijdstipWijziging": tooi_values(effective),
        PROV + "invalidated": _ids(*ended),
        PROV + "generated": _ids(*new),
        PROV + "used": _ids(*used),
    }


def read_csv_rows(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Header and (index, row) of a bundled CSV file, its leading `#` comment lines skipped."""
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    reader = csv.DictReader(lines)
    rows = list(enumerate(reader))
    return list(reader.fieldnames or []), rows


def tooi_from_bundled() -> list[dict[str, Any]]:
    """The bundled gemeenten and herindelingen as TOOI expanded JSON-LD, with the nodes TOOI also has."""
    nodes: list[dict[str, Any]] = [
        {"@id": "https://identifier.overheid.nl/tooi/set/rwc_gemeenten_compleet/4", "@type": ["http://www.w3.org/2002/07/owl#Ontology"]},
        {"@id": GEMEENTE + "gm0518_hv", "@type": [ONT + "HistorischeVersie"],
         ONT + "officieleNaamExclSoort": tooi_values("'s-Gravenhage")},
    ]  # fmt: skip
    _, rows = read_csv_rows(BUNDLED_DIR / "gemeenten.csv")
    for _, row in rows:
        nodes.append(
            tooi_gemeente(row["cbs_code"], row["naam_officieel"], row["naam_voorkeur"], row["provincie_code"],
                      row["begindatum"], row["einddatum"])
        )  # fmt: skip
    header, events = read_csv_rows(BUNDLED_DIR / "herindelingen.csv")
    covered: set[str] = set()
    for n, (_, row) in enumerate(events):
        cells = [row[name] or "" for name in header]
        codes = [re.findall(r"GM\d{4}", cell) for cell in cells[2:5]]
        nodes.append(tooi_event(cells[1], cells[0], *codes, n))
        covered.update(codes[0])
    # herindelingen.csv holds 2018-2023 only; older endings come from TOOI's older events, one per gemeente
    for _, row in rows:
        if row["opgeheven_via"] and row["cbs_code"] not in covered:
            effective = (date.fromisoformat(row["einddatum"]) + timedelta(days=1)).isoformat()
            successors = [c for c in row["opvolger_codes"].split(";") if c]
            nodes.append(
                tooi_event(row["opgeheven_via"], effective, [row["cbs_code"]], [], successors, len(nodes))
            )
    return nodes
