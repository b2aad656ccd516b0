"""`store/` owns SQL: no module of reconcile/ imports SQLAlchemy, not even inside a function."""

from __future__ import annotations

from pathlib import Path

from tests.test_layering import imported_modules

RECONCILE = Path(__file__).resolve().parents[3] / "reconcile"


def test_reconcile_imports_no_sqlalchemy() -> None:
    offenders = {
        str(path.relative_to(RECONCILE.parent)): sorted(m for m in found if m.split(".")[0] == "sqlalchemy")
        for path in sorted(RECONCILE.rglob("*.py"))
        if (found := imported_modules(path.read_text(encoding="utf-8"), str(path)))
    }
    assert {path: mods for path, mods in offenders.items() if mods} == {}


def test_the_check_sees_a_function_level_import() -> None:
    assert "sqlalchemy.orm" in imported_modules("def f():\n    from sqlalchemy.orm import Session\n")
