"""What the sandbox data generator's parts share: constants, name normalisation, the name gate, GeneratorBase.

GeneratorBase holds the run's state (one ``random.Random(seed)``, the objects so far, the indexes) and
its random primitives; datagen_parties.py adds organisations and contacts, datagen_build.py the rest.
"""

from __future__ import annotations

import csv
import random
import re
import unicodedata
from datetime import datetime, timedelta
from itertools import accumulate
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process

__all__ = [
    "ADMIN_ROLE",
    "END",
    "GEBRUIK_STATUS",
    "GeneratorBase",
    "KOPPELING_TYPES",
    "MERGED_CODES",
    "NAME_SIMILARITY_LIMIT",
    "PROVISION_NAMES",
    "REF_NOW",
    "STATUS_DATE",
    "T0",
    "bare_name",
    "iso_stamp",
    "normalise_name",
    "read_csv",
    "slugify",
    "weighted_choice",
]

DATA = Path(__file__).resolve().parent / "data"
ADMIN_ROLE = "Organisatie-beheerder"
NAME_SIMILARITY_LIMIT = 85  # natural organisations' normalised names stay below this rapidfuzz ratio
T0 = datetime(2025, 1, 6, 8, 0, 0)
MIGRATION = datetime(2025, 5, 22, 7, 46, 48)  # batch import from the old catalogue: many equal timestamps
REF_NOW = datetime(2026, 12, 1, 0, 0, 0)
END = datetime(2026, 11, 30, 18, 0, 0)
# Real herindelingen (TOOI v4) planted as still-active catalogue organisations.
MERGED_CODES = ("GM0457", "GM0788", "GM0370", "GM1685", "GM0398", "GM0501")
GEBRUIK_STATUS = (
    ("In productie", 70),
    ("Gepland", 8),
    ("Verwerving", 5),
    ("Uit te faseren", 7),
    ("Uitgefaseerd", 10),
)
STATUS_DATE = {
    "Verwerving": "startDatumVerwerving",
    "Gepland": "startDatumGepland",
    "In productie": "startDatumInProductie",
    "Uit te faseren": "startDatumUitTeFaseren",
    "Uitgefaseerd": "startDatumUitGefaseerd",
}
KOPPELING_TYPES = (
    "api",
    "webservices",
    "digikoppeling",
    "bestandsoverdracht",
    "message que",
    "upload naar portaal",
    "n.v.t.",
)
PROVISION_NAMES = ("BRP", "BAG", "DigiD", "Mijn Overheid", "Landelijke Voorziening WOZ", "eHerkenning")


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in folded if not unicodedata.combining(ch))


def normalise_name(name: str) -> str:
    """Organisation name for comparison: ASCII, case-folded, without 'gemeente'/legal-form noise."""
    text = _ascii(name).casefold()
    text = re.sub(r"^(gemeente|gem\.|openbaar lichaam)\s+", "", text)
    text = re.sub(r"[^a-z0-9]+", " ", text).strip()
    text = re.sub(r"\s+(b v|bv|n v|nv|software b v|ict|groep|nederland|solutions)$", "", text)
    return text.strip()


def slugify(text: str) -> str:
    """Lower-case ASCII letters and digits only (for web sites and e-mail domains)."""
    return re.sub(r"[^a-z0-9]+", "", _ascii(text).casefold())


def iso_stamp(value: datetime) -> str:
    """`value` (naive UTC) as the server writes timestamps: seconds, +00:00."""
    return value.replace(microsecond=0).isoformat() + "+00:00"


class _NameGate:
    """Keeps organisation names apart: no equal and no near-identical normalised names."""

    def __init__(self) -> None:
        self.keys: list[str] = []
        self.seen: set[str] = set()

    def admit(self, name: str) -> bool:
        key = normalise_name(name)
        if not key or key in self.seen:
            return False
        if process.extractOne(key, self.keys, scorer=fuzz.ratio, score_cutoff=NAME_SIMILARITY_LIMIT):
            return False
        self.force(name)
        return True

    def force(self, name: str) -> None:
        key = normalise_name(name)
        self.seen.add(key)
        self.keys.append(key)


class GeneratorBase:
    """The state of one generation run and its random primitives."""

    def __init__(self, scale: int, seed: int, size: str) -> None:
        self.rng = random.Random(seed)
        self.scale, self.seed, self.size = scale, seed, size
        self.factor = scale * (0.1 if size == "tiny" else 1.0)
        self.orgs: list[dict[str, Any]] = []
        self.contacts: list[dict[str, Any]] = []
        self.modules: list[dict[str, Any]] = []
        self.usages: list[dict[str, Any]] = []
        self.koppelingen: list[dict[str, Any]] = []
        self.truth: list[dict[str, Any]] = []
        self.quirks: list[dict[str, Any]] = []
        self.emails: set[str] = set()
        self.kvks: set[str] = set()
        self.gate = _NameGate()
        self.org_contacts: dict[str, list[dict[str, Any]]] = {}
        self.usages_of: dict[str, list[dict[str, Any]]] = {}
        self.module_by_id: dict[str, dict[str, Any]] = {}
        self.gemeenten: list[dict[str, Any]] = []  # natural, active
        self.suppliers: list[dict[str, Any]] = []  # natural
        self.coops: list[dict[str, Any]] = []  # natural
        self.communities: list[dict[str, Any]] = []
        self.special: set[str] = set()  # org ids with a planted role; natural picks avoid them
        self.no_users: set[str] = set()
        self.no_admin: set[str] = set()
        self.ended: dict[str, dict[str, str]] = {}
        self.natural_usage_count = 0
        self.merged: list[dict[str, Any]] = []

    # -- helpers ----------------------------------------------------------------------------------
    def n(self, base: float) -> int:
        return max(1, round(base * self.factor))

    def uid(self) -> str:
        value = self.rng.getrandbits(128)
        value &= ~(0xF000 << 64)
        value |= 0x4000 << 64
        value &= ~(0xC000 << 48)
        value |= 0x8000 << 48
        text = f"{value:032x}"
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"

    def between(self, low: datetime, high: datetime) -> datetime:
        span = max(0, int((high - low).total_seconds()))
        return low + timedelta(seconds=self.rng.randint(0, span))

    def pick(self, pool: list[dict[str, Any]], k: int) -> list[dict[str, Any]]:
        """k natural organisations without a planted role (they get one now)."""
        free = [o for o in pool if o["id"] not in self.special and o["id"] not in self.no_users]
        chosen = self.rng.sample(free, min(k, len(free)))
        self.special.update(o["id"] for o in chosen)
        return chosen

    def stamps(self, low: datetime = T0, batch: float = 0.0) -> tuple[datetime, datetime]:
        created = MIGRATION if self.rng.random() < batch else self.between(low, END - timedelta(days=20))
        updated = created if self.rng.random() < 0.3 else self.between(created, END)
        return created, updated

    def self_block(
        self, created: datetime, updated: datetime, owner: str, tenant: str | None
    ) -> dict[str, Any]:
        block: dict[str, Any] = {"created": iso_stamp(created), "updated": iso_stamp(updated), "owner": owner}
        if tenant:
            block["organisation"] = tenant
        if updated > created:
            block["version"] = f"0.0.{self.rng.randint(2, 9)}"
        return block

    def kvk(self) -> str:
        while True:
            value = f"{self.rng.randint(10_000_000, 99_999_999)}"
            if value not in self.kvks:
                self.kvks.add(value)
                return value

    def truth_entry(self, rule: str, subject: str, ids: list[str], **detail: Any) -> None:
        self.truth.append({"rule": rule, "subject": subject, "ids": ids, "detail": detail})


def bare_name(naam: str) -> str:
    """A municipality's name without the "Gemeente " prefix."""
    return naam.removeprefix("Gemeente ")


_CUMULATIVE: dict[tuple[tuple[str, int], ...], tuple[list[str], list[int]]] = {}


def weighted_choice(rng: random.Random, options: tuple[tuple[str, int], ...]) -> str:
    """One option, drawn with its weight (cumulative weights cached per options tuple)."""
    if options not in _CUMULATIVE:
        _CUMULATIVE[options] = ([o for o, _ in options], list(accumulate(w for _, w in options)))
    values, cumulative = _CUMULATIVE[options]
    return rng.choices(values, cum_weights=cumulative)[0]


def read_csv(path: Path) -> list[dict[str, str]]:
    """The rows of a bundled CSV file, `#` comment lines left out."""
    with open(path, encoding="utf-8", newline="") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    return list(csv.DictReader(lines))
