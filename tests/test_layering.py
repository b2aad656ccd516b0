"""The one-way dependency rule: config <- connectors <- journey <- sync; sandbox imports none of them."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ["config", "connectors", "journey", "sync"]
SERVICE = set(LAYERS)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", LAYERS)
def test_imports_point_only_down(package: str) -> None:
    allowed = set(LAYERS[: LAYERS.index(package) + 1])
    if package == "sync":
        allowed.add("sandbox")  # wiring starts the embedded sandbox; nothing below sync may
    offenders = {
        str(path.relative_to(ROOT)): sorted((_imports(path) & (SERVICE | {"sandbox"})) - allowed)
        for path in _modules(package)
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_sandbox_imports_no_service_package() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imports(path) & SERVICE) for path in _modules("sandbox")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_connectors_use_config_errors_only() -> None:
    """Connectors get plain values: the only config module they may touch is config.errors."""
    bad = []
    for path in _modules("connectors"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("config"):
                if node.module != "config.errors":
                    bad.append(f"{path.name}: from {node.module}")
    assert bad == []


def test_import_roots_are_ours() -> None:
    """The bare import roots must resolve to this checkout, not to another installed distribution."""
    import importlib

    for name in [*LAYERS, "sandbox"]:
        module = importlib.import_module(name)
        assert Path(module.__file__ or "").resolve().is_relative_to(ROOT), name
