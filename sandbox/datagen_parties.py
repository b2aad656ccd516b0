"""Organisations and contacts of the natural sandbox catalogue: municipalities, suppliers, cooperations."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sandbox.datagen_base import (
    ADMIN_ROLE,
    DATA,
    MERGED_CODES,
    T0,
    GeneratorBase,
    bare_name,
    read_csv,
    slugify,
)
from sandbox.datagen_words import (
    BRAND_HEADS,
    BRAND_TAILS,
    COMMUNITIES,
    COOP_KINDS,
    DOMAINS,
    FIRST_NAMES,
    INFIXES,
    JOB_TITLES,
    LAST_NAMES,
    LEGAL_FORMS,
)

__all__ = ["PartyGenerator"]


class PartyGenerator(GeneratorBase):
    """GeneratorBase plus the organisations and their contacts."""

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
        slug = slugify(naam.removeprefix("Gemeente ")) or "organisatie"
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
        rows = read_csv(DATA / "gemeenten_tooi_v4_with_oin.csv")
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
        for row in read_csv(DATA / "caribische_openbare_lichamen.csv"):
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
            website=f"https://www.{slugify(row['naam_voorkeur'])}.nl",
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
            website=f"https://www.{slugify(brand)}.nl",
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
            label = "-".join(bare_name(g["naam"]) for g in (chosen or [first])[:2])
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
        local = ".".join(slugify(p) for p in (first, infix, last) if p)
        if len(local) + len(domain) > 44:  # username (= e-mail) has maxLength 50
            local = f"{slugify(first)[:1]}.{slugify(last)}"
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
