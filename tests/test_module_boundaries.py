"""Two boundaries the layering test does not draw: only the store builds SQL for the runs, and test modules
share helpers through tests/helpers/ or a conftest, never by importing one another.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# test modules that still import another test module; each entry is work left for the room that owns it
KNOWN_TEST_TO_TEST: dict[str, set[str]] = {}


def _imports(path: Path) -> set[str]:
    """Every absolute module `path` imports anywhere (function-level imports too); `from a import b`: a.b."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _python_files(folder: str) -> list[Path]:
    return sorted(p for p in (ROOT / folder).rglob("*.py") if "__pycache__" not in p.parts)


@pytest.mark.parametrize("room", ["connectors", "journey", "sync", "reconcile", "reports"])
def test_only_the_store_builds_sql(room: str) -> None:
    """store/ owns SQL; the rooms around it import no SQLAlchemy, not even inside a function.

    (swc_beheer/ may: it parses store URLs with SQLAlchemy's make_url and maps its exceptions.)
    """
    offenders = {
        str(p.relative_to(ROOT)): sorted(m for m in _imports(p) if m.split(".")[0] == "sqlalchemy")
        for p in _python_files(room)
    }
    assert {path: mods for path, mods in offenders.items() if mods} == {}


def test_the_sql_check_sees_a_function_level_import(tmp_path: Path) -> None:
    sample = tmp_path / "m.py"
    sample.write_text("def f():\n    from sqlalchemy.orm import Session\n")
    assert "sqlalchemy.orm" in _imports(sample)


def _test_module(name: str) -> str | None:
    """The test module an imported name lies in (`tests.x.test_y.NAME` -> `tests.x.test_y`), else None."""
    parts = name.split(".")
    if parts[0] != "tests":
        return None
    for index, part in enumerate(parts[1:], start=1):
        if part.startswith("test_"):
            return ".".join(parts[: index + 1])
    return None


def test_no_test_module_imports_another() -> None:
    offenders: dict[str, set[str]] = {}
    for path in _python_files("tests"):
        rel = str(path.relative_to(ROOT))
        found = {module for name in _imports(path) if (module := _test_module(name))}
        wrong = found - KNOWN_TEST_TO_TEST.get(rel, set())
        if wrong:
            offenders[rel] = wrong
    assert offenders == {}


def test_the_check_sees_a_test_module_import() -> None:
    assert _test_module("tests.integration.test_catalogue_sync") == "tests.integration.test_catalogue_sync"
    assert _test_module("tests.unit.x.test_y.USER") == "tests.unit.x.test_y"
    assert _test_module("tests.helpers.sync_checks") is None
    assert _test_module("tests.integration.conftest") is None
    assert _test_module("sync.test_like") is None
