"""Generated objects validate against the register schemas, read the way OpenRegister reads them.

Reading rules (reference README): a related-object property (or array item) of type object is a uuid
string; an enum on an array constrains its items; null constraints mean none; `required` is advisory
(hardValidation false) and extra fields are allowed; `@self` and `id` are metadata.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from sandbox.datagen import Dataset, generate

SCHEMAS = Path(__file__).resolve().parents[3] / "sandbox" / "data" / "register_schemas.json"
STANDARD = {
    "type",
    "enum",
    "format",
    "maxLength",
    "minLength",
    "minimum",
    "maximum",
    "pattern",
    "items",
    "minItems",
    "maxItems",
}


def _property(spec: dict[str, Any]) -> dict[str, Any]:
    handling = (spec.get("objectConfiguration") or {}).get("handling")
    if spec.get("type") == "object" and handling == "related-object":
        return {"type": "string", "format": "uuid"}
    out = {k: v for k, v in spec.items() if k in STANDARD and v is not None and k != "items"}
    if out.get("format") in ("markdown", "url"):
        out.pop("format")  # not JSON Schema formats
    if spec.get("type") == "array":
        items = _property(spec.get("items") or {})
        if "enum" in out:
            items["enum"] = out.pop("enum")
        out["items"] = items
    return out


def openregister_to_json_schema(schema: dict[str, Any]) -> dict[str, Any]:
    props = {name: _property(spec) for name, spec in schema["properties"].items()}
    return {"type": "object", "properties": props, "additionalProperties": True}


@pytest.fixture(scope="module")
def validators() -> dict[str, Draft202012Validator]:
    raw = json.loads(SCHEMAS.read_text(encoding="utf-8"))
    checker = FormatChecker(formats=["email", "date", "uuid"])
    return {
        s: Draft202012Validator(openregister_to_json_schema(raw[s]), format_checker=checker)
        for s in ("organisatie", "contactpersoon", "module", "gebruik", "koppeling")
    }


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return generate(size="tiny")


def test_regular_objects_validate(dataset: Dataset, validators: dict[str, Draft202012Validator]) -> None:
    quirky = {q["id"] for q in dataset.quirks}
    invalid_email = {e["subject"] for e in dataset.ground_truth if e["rule"] == "invalid_email"}
    problems = []
    for schema, items in dataset.objects.items():
        for obj in items:
            if obj["id"] in quirky or obj["id"] in invalid_email:
                continue
            body = {k: v for k, v in obj.items() if k not in ("id", "@self") and v is not None}
            problems += [f"{schema} {obj['id']}: {e.message}" for e in validators[schema].iter_errors(body)]
    assert problems == []


def test_quirks_do_not_validate(dataset: Dataset, validators: dict[str, Draft202012Validator]) -> None:
    by_id = {o["id"]: (s, o) for s, items in dataset.objects.items() for o in items}
    for quirk in dataset.quirks:
        schema, obj = by_id[quirk["id"]]
        body = {k: v for k, v in obj.items() if k not in ("id", "@self")}
        assert list(validators[schema].iter_errors(body)), quirk
