"""The sandbox catalogue as data (``Dataset``), with planted problems and their ground truth.

``datagen.generate(scale=1, seed=20261201, size="full")`` returns a ``Dataset``; the same arguments give
byte-identical JSON. Scale 1 resembles the real catalogue: the 342 current municipalities and the three
Caribbean public bodies (from the bundled TOOI register, see data/PROVENANCE.md), ~600 suppliers, ~40
cooperations, a few communities, ~4,000 contactpersonen, ~5,000 modules, ~40,000 gebruik, ~3,500
koppelingen. ``scale`` multiplies everything but the municipalities; ``size="tiny"`` keeps all
municipalities and every planted problem but ~10% of the other counts (fast tests).

DATA FILE FORMAT (``Dataset.save``/``load``; also what ``swc-beheer sandbox serve --data`` reads)::

    {"format": "swc-sandbox/1",
     "register": "voorzieningen",
     "objects": {"organisatie": [...], "contactpersoon": [...], "module": [...],
                 "gebruik": [...], "koppeling": [...]},
     "ground_truth": [{"rule": "...", "subject": "...", "ids": ["<uuid>", ...], "detail": {...}}, ...],
     "quirks": [{"schema": "...", "id": "<uuid>", "kind": "..."}, ...],      (optional)
     "meta": {"scale": 1, "seed": 20261201, "size": "full", "reference_now": "..."}}   (optional)

Objects are in wire format (Gen-2 Dutch keys, ``id``, relations as uuid strings). ``@self`` may be left
out or partial (``created``, ``updated``, ``owner``, ``organisation``, ``version``, ``published``): the
server fills the rest, so hand-written files need only ``id`` and properties. ``quirks`` lists natural
objects whose wire format deviates from the schema on purpose (catalogue-api.md §6: ``type`` as a
one-element list, lower-case status, JSON-encoded relations); everything else validates against the
register schemas under the OpenRegister reading rules.

Ground truth: one entry per planted problem; the natural data has none of these problems (a test checks).
Rules and subjects: ``supplier_concept`` (org uuid), ``municipality_missing`` ("GM0123"),
``cooperation_member_inactive`` ("<coop>:<member>"), ``cooperation_without_members`` (coop uuid),
``municipality_merged`` (org uuid), ``duplicate_organisation`` ("<uuid_a>|<uuid_b>", sorted),
``organisation_without_users`` / ``organisation_without_admin`` (org uuid), ``concept_package`` (module
uuid), ``user_without_organisation`` / ``user_of_deleted_organisation`` / ``invalid_email`` (contact uuid),
``duplicate_email`` (lower-cased e-mail), ``dangling_reference`` ("<entity>:<uuid>:<field>").
Deleted objects are simply absent; their uuids only occur in the references that the truth names.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "FORMAT",
    "RULES",
    "SCHEMA_ORDER",
    "Dataset",
    "REGISTER",
    "SandboxDataError",
]

FORMAT = "swc-sandbox/1"
REGISTER = "voorzieningen"
SCHEMA_ORDER = ("organisatie", "contactpersoon", "module", "gebruik", "koppeling")
RULES = (
    "supplier_concept",
    "municipality_missing",
    "cooperation_member_inactive",
    "cooperation_without_members",
    "municipality_merged",
    "duplicate_organisation",
    "organisation_without_users",
    "organisation_without_admin",
    "concept_package",
    "user_without_organisation",
    "user_of_deleted_organisation",
    "duplicate_email",
    "invalid_email",
    "dangling_reference",
)


class SandboxDataError(ValueError):
    """A sandbox data file is unreadable or malformed; the message names the file (and line)."""


@dataclass
class Dataset:
    """Catalogue objects per schema (wire format) plus the planted problems' ground truth."""

    objects: dict[str, list[dict[str, Any]]]
    ground_truth: list[dict[str, Any]] = field(default_factory=list)
    quirks: list[dict[str, Any]] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        return {schema: len(items) for schema, items in self.objects.items()}

    def _chunks(self) -> Iterator[str]:
        def dump(value: Any) -> str:
            return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

        yield '{"format":' + dump(FORMAT) + ',"register":' + dump(REGISTER) + ',\n"objects":{'
        schemas = [s for s in SCHEMA_ORDER if s in self.objects] + [
            s for s in self.objects if s not in SCHEMA_ORDER
        ]
        for i, schema in enumerate(schemas):
            yield ("," if i else "") + "\n" + dump(schema) + ":["
            for j, obj in enumerate(self.objects[schema]):
                yield ("," if j else "") + "\n" + dump(obj)
            yield "]"
        yield '},\n"ground_truth":['
        for j, entry in enumerate(self.ground_truth):
            yield ("," if j else "") + "\n" + dump(entry)
        yield '],\n"quirks":['
        for j, entry in enumerate(self.quirks):
            yield ("," if j else "") + "\n" + dump(entry)
        yield '],\n"meta":' + dump(self.meta) + "}\n"

    def to_json(self) -> str:
        """The data file text: one object per line, stable key order (byte-identical per seed)."""
        return "".join(self._chunks())

    def save(self, path: str | Path) -> None:
        """Write the data file (streamed, UTF-8)."""
        with open(path, "w", encoding="utf-8") as out:
            for chunk in self._chunks():
                out.write(chunk)

    @classmethod
    def from_json(cls, text: str, source: str = "<string>") -> Dataset:
        """Parse a data file; SandboxDataError names ``source`` and the line of a JSON error."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SandboxDataError(f"{source}:{exc.lineno}:{exc.colno}: not valid JSON ({exc.msg})") from None
        return cls.from_dict(data, source)

    @classmethod
    def from_dict(cls, data: Any, source: str = "<data>") -> Dataset:
        if not isinstance(data, dict):
            raise SandboxDataError(f"{source}: the top level must be a JSON object")
        if data.get("format") != FORMAT:
            raise SandboxDataError(f'{source}: "format" must be {FORMAT!r}, found {data.get("format")!r}')
        if data.get("register", REGISTER) != REGISTER:
            raise SandboxDataError(
                f"{source}: only register {REGISTER!r} is served, not {data['register']!r}"
            )
        objects = data.get("objects")
        if not isinstance(objects, dict):
            raise SandboxDataError(f'{source}: "objects" must be an object of schema -> list')
        known = {"organisatie", "contactpersoon", "module", "gebruik", "koppeling", "moduleVersie", "dienst"}
        for schema, items in objects.items():
            if schema not in known:
                raise SandboxDataError(
                    f"{source}: unknown schema {schema!r} (known: {', '.join(sorted(known))})"
                )
            if not isinstance(items, list):
                raise SandboxDataError(f"{source}: objects.{schema} must be a list")
            for n, obj in enumerate(items):
                if not isinstance(obj, dict) or not isinstance(obj.get("id"), str):
                    raise SandboxDataError(
                        f"{source}: objects.{schema}[{n}] must be an object with a string id"
                    )
        truth = data.get("ground_truth", [])
        if not isinstance(truth, list):
            raise SandboxDataError(f'{source}: "ground_truth" must be a list')
        quirks, meta = data.get("quirks", []), data.get("meta", {})
        if not isinstance(quirks, list) or not isinstance(meta, dict):
            raise SandboxDataError(f'{source}: "quirks" must be a list and "meta" an object')
        return cls(objects=objects, ground_truth=truth, quirks=list(quirks), meta=dict(meta))

    @classmethod
    def load(cls, path: str | Path) -> Dataset:
        """Read a data file; SandboxDataError names the file (and line) when it is unusable."""
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise SandboxDataError(f"{path}: cannot read the data file ({exc.strerror})") from None
        except UnicodeDecodeError:
            raise SandboxDataError(f"{path}: the data file is not UTF-8") from None
        return cls.from_json(text, str(path))
