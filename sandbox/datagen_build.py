"""The generator behind ``sandbox.datagen.generate``: natural catalogue data first, then planted problems.

Every random choice comes from one ``random.Random(seed)`` in a fixed order, so output is deterministic.
Natural data keeps the invariants listed in datagen.py; each planted problem adds one ground-truth entry.
"""

from __future__ import annotations

from bisect import bisect
from datetime import datetime, timedelta
from itertools import accumulate
from typing import Any

from sandbox.datagen_base import (
    END,
    GEBRUIK_STATUS,
    KOPPELING_TYPES,
    PROVISION_NAMES,
    REF_NOW,
    STATUS_DATE,
    T0,
    iso_stamp,
    slugify,
    weighted_choice,
)
from sandbox.datagen_parties import PartyGenerator
from sandbox.datagen_words import (
    DOMAINS,
    EXTERNAL_PROVISIONS,
    STANDARDS,
)
from sandbox.dataset import Dataset

__all__ = ["Generator"]


class Generator(PartyGenerator):
    """One generation run: organisations and contacts (PartyGenerator), then packages, usage, koppelingen."""

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
            "website": f"https://www.{slugify(naam)}.nl",
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
        status = status or weighted_choice(self.rng, GEBRUIK_STATUS)
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
        meta = {
            "scale": self.scale,
            "seed": self.seed,
            "size": self.size,
            "reference_now": iso_stamp(REF_NOW),
        }
        objects = {
            "organisatie": self.orgs,
            "contactpersoon": self.contacts,
            "module": self.modules,
            "gebruik": self.usages,
            "koppeling": self.koppelingen,
        }
        return Dataset(objects=objects, ground_truth=self.truth, quirks=self.quirks, meta=meta)
