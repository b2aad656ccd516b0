"""The generator behind ``sandbox.datagen.generate``: natural catalogue data first, then planted problems.

Every random choice comes from one ``random.Random(seed)`` in a fixed order, so output is deterministic.
Natural data keeps the invariants listed in datagen.py; each planted problem adds one ground-truth entry.
"""

from __future__ import annotations

import csv
import random
import re
import unicodedata
from bisect import bisect
from datetime import datetime, timedelta
from itertools import accumulate
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process

from sandbox.datagen_words import (
    BRAND_HEADS,
    BRAND_TAILS,
    COMMUNITIES,
    COOP_KINDS,
    DOMAINS,
    EXTERNAL_PROVISIONS,
    FIRST_NAMES,
    INFIXES,
    JOB_TITLES,
    LAST_NAMES,
    LEGAL_FORMS,
    STANDARDS,
)
from sandbox.dataset import Dataset

__all__ = ["Generator", "normalise_name", "NAME_SIMILARITY_LIMIT", "ADMIN_ROLE"]

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


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", _ascii(text).casefold())


def _iso(value: datetime) -> str:
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


class Generator:
    """One generation run; ``run()`` returns the Dataset."""

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
        block: dict[str, Any] = {"created": _iso(created), "updated": _iso(updated), "owner": owner}
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

    # -- organisations -------------------------------------------------------------------------------
    def org(
        self,
        naam: str,
        kind: str,
        *,
        status: str = "Actief",
        website: str | None = None,
        created: tuple[datetime, datetime] | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        oid = self.uid()
        slug = _slug(naam.removeprefix("Gemeente ")) or "organisatie"
        created_at, updated_at = created or self.stamps(batch=0.4)
        obj: dict[str, Any] = {
            "id": oid,
            "naam": naam,
            "type": kind,
            "status": status,
            "website": website or f"https://www.{slug}.nl",
            "e-mailadres": f"info@{slug[:24]}.nl",
        }
        obj.update(extra)
        obj["@self"] = self.self_block(created_at, updated_at, "admin", oid)
        self.orgs.append(obj)
        self.org_contacts[oid] = []
        return obj

    def municipalities(self) -> None:
        rows = _read_csv(DATA / "gemeenten_tooi_v4_with_oin.csv")
        active = [r for r in rows if not r["einddatum"]]
        self.ended = {r["cbs_code"]: r for r in rows if r["einddatum"]}
        protected = set()
        for code in MERGED_CODES:
            protected.update(self.ended[code]["opvolger_codes"].split(";"))
        candidates = [r for r in active if r["cbs_code"] not in protected]
        missing = sorted(self.rng.sample(candidates, 3), key=lambda r: r["cbs_code"])
        for row in missing:
            self.truth_entry("municipality_missing", row["cbs_code"], [], name=row["naam_voorkeur"])
        skip = {r["cbs_code"] for r in missing}
        for row in active:
            self.gate.force(row["naam_voorkeur"])
            if row["cbs_code"] in skip:
                continue
            naam = row["naam_voorkeur"]
            if self.rng.random() < 0.15:
                naam = f"Gemeente {naam}"
            self.gemeenten.append(self._gemeente(naam, row))
        for row in _read_csv(DATA / "caribische_openbare_lichamen.csv"):
            self.gate.force(row["naam_roo"])
            naam = row["naam_roo"]
            self.gemeenten.append(
                self.org(naam, "Gemeente", beschrijvingKort="Openbaar lichaam (Caribisch Nederland)")
            )

    def _gemeente(self, naam: str, row: dict[str, str]) -> dict[str, Any]:
        self.kvks.add(row["kvk"])
        obj = self.org(
            naam,
            "Gemeente",
            website=f"https://www.{_slug(row['naam_voorkeur'])}.nl",
            telefoonnummer="14 0" + f"{self.rng.randint(10, 599)}",
            cbsCode=int(row["gemeentecode"]),
            kvkNummer=row["kvk"],
            beschrijvingKort=f"Gemeente {row['naam_voorkeur']} ({row['provincie']})",
        )
        obj["x-provincie"] = row["provincie"]  # grouping aid, removed before output
        return obj

    def brand(self) -> str:
        for attempt in range(200):
            head = self.rng.choice(BRAND_HEADS)
            if attempt > 20 or self.rng.random() < 0.3:
                head += self.rng.choice(BRAND_HEADS).lower()
            name = head + self.rng.choice(BRAND_TAILS)
            if self.gate.admit(name):
                return name
        raise RuntimeError("no free supplier name; widen the word lists")

    def supplier(
        self, brand: str, status: str = "Actief", kvk: str | None = None, legal: str | None = None, **kw: Any
    ) -> dict[str, Any]:
        legal = self.rng.choice(LEGAL_FORMS) if legal is None else legal
        naam = f"{brand} {legal}".strip()
        return self.org(
            naam,
            "Leverancier",
            status=status,
            website=f"https://www.{_slug(brand)}.nl",
            kvkNummer=kvk or self.kvk(),
            telefoonnummer=f"+31 {self.rng.randint(10, 79)} {self.rng.randint(1_000_000, 9_999_999)}",
            beschrijvingKort=f"Leverancier van software voor {self.rng.choice(DOMAINS).lower()}",
            **kw,
        )

    def natural_orgs(self) -> None:
        for _ in range(self.n(600)):
            self.suppliers.append(self.supplier(self.brand()))
        for name in COMMUNITIES[: min(len(COMMUNITIES), max(2, round(5 * min(self.factor, 1.6))))]:
            if self.gate.admit(name):
                self.communities.append(self.org(name, "Community", beschrijvingKort="Open source community"))
        for _ in range(self.n(40)):
            self.coops.append(self.coop())

    def coop(self, members: list[dict[str, Any]] | None = None, status: str = "Actief") -> dict[str, Any]:
        pool = [g for g in self.gemeenten if "cbsCode" in g]
        for _ in range(200):
            first = self.rng.choice(pool)
            same = [g for g in pool if g.get("x-provincie") == first.get("x-provincie") and g is not first]
            chosen = (
                members if members is not None else [first, *self.rng.sample(same, self.rng.randint(1, 5))]
            )
            kind, coop_type = self.rng.choice(COOP_KINDS)
            label = "-".join(_bare(g["naam"]) for g in (chosen or [first])[:2])
            if self.gate.admit(f"{kind} {label}"):
                break
        else:
            raise RuntimeError("no free cooperation name")
        obj = self.org(
            f"{kind} {label}",
            "Samenwerking",
            status=status,
            samenwerkingtype=coop_type,
            kvkNummer=self.kvk(),
            beschrijvingKort=f"{coop_type} van {len(chosen)} gemeenten",
            deelnemers=[g["id"] for g in chosen],
        )
        for member in chosen:
            member.setdefault("deelnames", []).append(obj["id"])
        return obj

    # -- contacts ----------------------------------------------------------------------------------
    def person(self) -> tuple[str, str, str]:
        return self.rng.choice(FIRST_NAMES), self.rng.choice(INFIXES), self.rng.choice(LAST_NAMES)

    def email_for(self, first: str, infix: str, last: str, domain: str) -> str:
        local = ".".join(_slug(p) for p in (first, infix, last) if p)
        if len(local) + len(domain) > 44:  # username (= e-mail) has maxLength 50
            local = f"{_slug(first)[:1]}.{_slug(last)}"
        email, n = f"{local}@{domain}", 2
        while email in self.emails:
            email, n = f"{local}{n}@{domain}", n + 1
        self.emails.add(email)
        return email

    def contact(
        self,
        org: dict[str, Any] | None,
        roles: list[str],
        *,
        email: str | None = None,
        org_id: str | None = None,
        with_org_key: bool = True,
    ) -> dict[str, Any]:
        first, infix, last = self.person()
        domain = org["e-mailadres"].split("@", 1)[1] if org else "voorbeeld.nl"
        address = email or self.email_for(first, infix, last, domain)
        cid = self.uid()
        obj: dict[str, Any] = {"id": cid, "voornaam": first}
        if infix:
            obj["tussenvoegsel"] = infix
        obj.update(
            {
                "achternaam": last,
                "e-mailadres": address,
                "username": address,
                "telefoonnummer": f"+31 6 {self.rng.randint(10_000_000, 99_999_999)}",
                "functie": self.rng.choice(JOB_TITLES),
                "rollen": roles,
                "notificaties": self.rng.sample(
                    ["Nieuw in organisatie", "Nieuw buiten de organisatie", "Gewijzigd in de organisatie"],
                    self.rng.randint(0, 2),
                ),
            }
        )
        target = org["id"] if org else org_id
        if target or with_org_key:
            obj["organisatie"] = target
        created, updated = self.stamps(T0 + timedelta(days=30), batch=0.2)
        obj["@self"] = self.self_block(created, updated, address, target)
        self.contacts.append(obj)
        if org:
            self.org_contacts[org["id"]].append(obj)
            org.setdefault("contactpersonen", []).append(cid)
        return obj

    def staff(self, org: dict[str, Any], count: int, admin: bool = True) -> None:
        extra = {
            "Leverancier": "Aanbod-beheerder",
            "Gemeente": "Gebruik-beheerder",
            "Samenwerking": "Gebruik-beheerder",
            "Community": "Aanbod-beheerder",
        }[org["type"]]
        for i in range(count):
            roles = [extra] if self.rng.random() < 0.8 else []
            if i == 0 and admin:
                roles = [ADMIN_ROLE, *roles]
            elif admin and self.rng.random() < 0.1:
                roles.append(ADMIN_ROLE)
            self.contact(org, roles or [extra])

    def natural_contacts(self, no_users: set[str], no_admin: set[str]) -> None:
        per = {"Gemeente": 5.0, "Leverancier": 3.5, "Samenwerking": 2.0, "Community": 2.0}
        for org in [*self.gemeenten, *self.suppliers, *self.coops, *self.communities]:
            if org["id"] in no_users:
                continue
            mean = per[org["type"]] * (min(self.factor, 1.0) if org["type"] == "Gemeente" else 1.0)
            count = max(1, round(self.rng.uniform(0.4, 1.6) * mean))
            if org["id"] in no_admin:
                count = max(count, 2)
            self.staff(org, count, admin=org["id"] not in no_admin)

    # -- modules, gebruik, koppelingen ----------------------------------------------------------------
    def module(
        self,
        naam: str,
        supplier: dict[str, Any] | None,
        registered_by: str = "Leverancier",
        tenant: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        owner_org = tenant or supplier
        assert owner_org is not None
        staff = self.org_contacts.get(owner_org["id"]) or []
        open_source = self.rng.random() < (0.8 if supplier and supplier["type"] == "Community" else 0.15)
        obj: dict[str, Any] = {
            "id": self.uid(),
            "naam": naam,
            "beschrijvingKort": f"{naam}: software voor {self.rng.choice(DOMAINS).lower()}",
            "website": f"https://www.{_slug(naam)}.nl",
            "type": "Applicatie",
        }
        if supplier:
            obj["aanbieder"] = supplier["id"]
        if staff:
            obj["contactpersoon"] = self.rng.choice(staff)["id"]
        obj["licentietype"] = "Open source" if open_source else "Closed source"
        if open_source:
            obj["licentie"] = "European Union Public Licence (EUPL), versie 1.2"
        obj["cloudDienstverleningsmodel"] = self.rng.sample(
            ["On-premises (self-managed)", "SaaS", "PaaS"], self.rng.randint(1, 2)
        )
        obj["hostingJurisdictie"] = obj["hostingLocatie"] = self.rng.choice(("NL", "NL", "NL", "EU"))
        obj["standaarden"] = self.rng.sample(STANDARDS, self.rng.randint(0, 2))
        obj["geregistreerdDoor"] = registered_by
        created, updated = self.stamps(batch=0.3)
        owner = staff[0]["e-mailadres"] if staff else "admin"
        obj["@self"] = self.self_block(created, updated, owner, owner_org["id"])
        self.modules.append(obj)
        self.module_by_id[obj["id"]] = obj
        return obj

    def natural_modules(self) -> list[dict[str, Any]]:
        makers = [*self.suppliers, *self.communities]
        weights = [min(self.rng.paretovariate(1.3), 15.0) for _ in makers]
        target, total_w = self.n(5000), sum(weights)
        for maker, weight in zip(makers, weights, strict=True):
            brand = maker["naam"].split(" ")[0] if maker["type"] == "Leverancier" else maker["naam"]
            count = max(1, min(round(weight / total_w * target), 120))
            names: set[str] = set()
            for _ in range(count):
                domain = self.rng.choice(DOMAINS)
                naam = f"{brand} {domain}"
                if naam in names:
                    naam = f"{naam} {self.rng.choice(('Online', 'Suite', 'Pro', 'Cloud', 'Connect', 'Plus'))}"
                if naam in names:
                    continue
                names.add(naam)
                self.module(naam, maker)
        return list(self.modules)

    def usage(
        self,
        afnemer: dict[str, Any] | None,
        module_id: str,
        *,
        status: str | None = None,
        members: list[str] | None = None,
        tenant: str | None = None,
    ) -> dict[str, Any]:
        status = status or _weighted(self.rng, GEBRUIK_STATUS)
        staff = self.org_contacts.get(afnemer["id"]) if afnemer else None
        obj: dict[str, Any] = {
            "id": self.uid(),
            "afnemer": afnemer["id"] if afnemer else tenant,
            "module": module_id,
            "status": status,
        }
        start = self.between(datetime(2012, 1, 1), END)
        obj[STATUS_DATE[status]] = start.date().isoformat()
        if staff:
            obj["contactpersoon"] = self.rng.choice(staff)["id"]
        if members:
            obj["deelnemers"] = members
        created, updated = self.stamps(T0 + timedelta(days=60), batch=0.25)
        owner = staff[0]["e-mailadres"] if staff else "admin"
        obj["@self"] = self.self_block(created, updated, owner, obj["afnemer"])
        self.usages.append(obj)
        if afnemer:
            self.usages_of.setdefault(afnemer["id"], []).append(obj)
        return obj

    def natural_usages(self, modules: list[dict[str, Any]]) -> None:
        cum = list(accumulate(self.rng.paretovariate(1.1) for _ in modules))
        afnemers = [(g, 1.0) for g in self.gemeenten] + [(c, 0.6) for c in self.coops]
        target = self.n(40000)
        share = target / sum(w for _, w in afnemers)
        for afnemer, weight in afnemers:
            count = min(len(modules) // 2, max(1, round(self.rng.uniform(0.5, 1.5) * share * weight)))
            picked: dict[str, None] = {}
            while len(picked) < count:
                picked[modules[bisect(cum, self.rng.random() * cum[-1])]["id"]] = None
            for module_id in picked:
                members = None
                if afnemer["type"] == "Samenwerking" and self.rng.random() < 0.5:
                    members = self.rng.sample(
                        afnemer["deelnemers"], self.rng.randint(1, len(afnemer["deelnemers"]))
                    )
                self.usage(afnemer, module_id, members=members)

    def koppeling(
        self,
        gebruik: dict[str, Any],
        module_b: str | None,
        *,
        tenant: dict[str, Any],
        module_a: str | None = None,
    ) -> dict[str, Any]:
        a_id = module_a or gebruik["module"]
        a = self.module_by_id.get(a_id)
        direction = self.rng.choice(("AnaarB", "AnaarB", "BnaarA", "bi-directioneel"))
        arrow = {"AnaarB": "→", "BnaarA": "←", "bi-directioneel": "↔"}[direction]
        obj: dict[str, Any] = {"id": self.uid()}
        if module_b:
            b = self.module_by_id.get(module_b)
            obj["naam"] = f"{a['naam'] if a else 'Onbekend'} {arrow} {b['naam'] if b else 'Onbekend'}"
        else:
            provision = self.rng.randrange(len(EXTERNAL_PROVISIONS))
            obj["naam"] = f"{a['naam'] if a else 'Onbekend'} {arrow} {PROVISION_NAMES[provision]}"
        status = self.rng.choice(
            ("in gebruik", "in gebruik", "in gebruik", "in ontwikkeling", "einde ondersteuning")
        )
        obj.update(
            {
                "type": self.rng.choice(KOPPELING_TYPES),
                "status": status,
                "datumInGebruik": self.between(datetime(2015, 1, 1), END).date().isoformat(),
                "gegevensuitwisselingRichting": direction,
                "moduleA": a_id,
            }
        )
        if module_b:
            obj["moduleB"] = module_b
        else:
            obj["buitengemeentelijkVoorziening"] = EXTERNAL_PROVISIONS[provision]
        if a and a.get("aanbieder"):
            obj["aanbieder"] = a["aanbieder"]
        staff = self.org_contacts.get(tenant["id"]) or []
        created, updated = self.stamps(T0 + timedelta(days=90), batch=0.1)
        owner = staff[0]["e-mailadres"] if staff else "admin"
        obj["@self"] = self.self_block(created, updated, owner, tenant["id"])
        self.koppelingen.append(obj)
        gebruik.setdefault("koppelingen", []).append(obj["id"])
        return obj

    def natural_koppelingen(self) -> None:
        gemeente_ids = {g["id"] for g in self.gemeenten}
        by_id = {o["id"]: o for o in self.orgs}
        candidates = [u for u in self.usages if u["afnemer"] in gemeente_ids]
        for _ in range(self.n(3500)):
            gebruik = self.rng.choice(candidates)
            other = self.rng.choice(self.usages_of[gebruik["afnemer"]])["module"]
            module_b = other if other != gebruik["module"] and self.rng.random() < 0.75 else None
            self.koppeling(gebruik, module_b, tenant=by_id[gebruik["afnemer"]])

    def dataset(self) -> Dataset:
        for org in self.orgs:
            org.pop("x-provincie", None)
        for obj in self.orgs:  # keep `@self` last, as the server does
            obj["@self"] = obj.pop("@self")
        for items in (self.usages,):
            for obj in items:
                obj["@self"] = obj.pop("@self")
        self.truth.sort(key=lambda e: (e["rule"], e["subject"]))
        meta = {"scale": self.scale, "seed": self.seed, "size": self.size, "reference_now": _iso(REF_NOW)}
        objects = {
            "organisatie": self.orgs,
            "contactpersoon": self.contacts,
            "module": self.modules,
            "gebruik": self.usages,
            "koppeling": self.koppelingen,
        }
        return Dataset(objects=objects, ground_truth=self.truth, quirks=self.quirks, meta=meta)


def _bare(naam: str) -> str:
    return naam.removeprefix("Gemeente ")


_CUMULATIVE: dict[tuple[tuple[str, int], ...], tuple[list[str], list[int]]] = {}


def _weighted(rng: random.Random, options: tuple[tuple[str, int], ...]) -> str:
    if options not in _CUMULATIVE:
        _CUMULATIVE[options] = ([o for o, _ in options], list(accumulate(w for _, w in options)))
    values, cumulative = _CUMULATIVE[options]
    return rng.choices(values, cum_weights=cumulative)[0]


def _read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    return list(csv.DictReader(lines))
