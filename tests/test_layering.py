"""The one-way dependency rule (style guide B2) and no import cycles, function-level imports included.

config <- connectors <- journey <- store <- sync <- reconcile <- reports <- swc_beheer
`sandbox` imports none of them, and only `swc_beheer` (besides tests and benchmarks) imports `sandbox`.
Benchmarks import nothing from `tests`.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ["config", "connectors", "journey", "store", "sync", "reconcile", "reports", "swc_beheer"]
SERVICE = set(LAYERS)


def imported_modules(source: str, filename: str = "<source>") -> set[str]:
    """Every absolute module a source imports anywhere (module level, functions, TYPE_CHECKING blocks)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            # `from pkg import mod` may import a submodule: count it as pkg.mod when that is a module
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def roots(modules: set[str]) -> set[str]:
    return {name.split(".")[0] for name in modules}


def _modules(package: str, root: Path = ROOT) -> list[Path]:
    return sorted(p for p in (root / package).rglob("*.py") if "__pycache__" not in p.parts)


def layer_offenders(root: Path = ROOT) -> dict[str, list[str]]:
    """file -> the service roots (and `sandbox`) it may not import, by the order above."""
    offenders: dict[str, list[str]] = {}
    for package in LAYERS:
        allowed = set(LAYERS[: LAYERS.index(package) + 1])
        if package == "swc_beheer":
            allowed.add("sandbox")  # wiring starts the embedded sandboxes; nothing below it may
        for path in _modules(package, root):
            found = roots(imported_modules(path.read_text(encoding="utf-8"), str(path)))
            bad = sorted((found & (SERVICE | {"sandbox"})) - allowed)
            if bad:
                offenders[str(path.relative_to(root))] = bad
    return offenders


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    """module -> the project modules it imports (edges to packages resolve to their __init__)."""
    files = {_module_name(p, root): p for pkg in [*LAYERS, "sandbox"] for p in _modules(pkg, root)}
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                # `from pkg import sub` depends on pkg.sub when that is a module, else on pkg itself
                for alias in node.names:
                    sub = f"{node.module}.{alias.name}"
                    targets.add(sub if sub in files else node.module)
        graph[name] = {t for t in targets if t in files and t != name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a list of modules (first == last), or None (iterative DFS, three colours)."""
    colour: dict[str, int] = {}
    for start in sorted(graph):
        if colour.get(start):
            continue
        stack: list[tuple[str, list[str]]] = [(start, sorted(graph[start]))]
        path = [start]
        colour[start] = 1
        while stack:
            node, todo = stack[-1]
            if not todo:
                colour[node] = 2
                stack.pop()
                path.pop()
                continue
            nxt = todo.pop()
            state = colour.get(nxt, 0)
            if state == 1:
                return path[path.index(nxt) :] + [nxt]
            if state == 0:
                colour[nxt] = 1
                path.append(nxt)
                stack.append((nxt, sorted(graph.get(nxt, ()))))
    return None


# Package __init__ modules that re-export their own submodules form "cycles" of the kind
# `pkg/__init__ -> pkg.sub -> pkg` only when a submodule imports the package itself; those are real
# cycles too, so nothing is exempt.


def test_imports_point_only_down() -> None:
    assert layer_offenders() == {}


def test_no_import_cycles() -> None:
    assert find_cycle(import_graph()) is None


def test_sandbox_imports_no_service_package() -> None:
    offenders = {
        str(p.relative_to(ROOT)): sorted(roots(imported_modules(p.read_text(encoding="utf-8"))) & SERVICE)
        for p in _modules("sandbox")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_benchmarks_import_nothing_from_tests() -> None:
    offenders = [
        str(p.relative_to(ROOT))
        for p in _modules("benchmarks")
        if "tests" in roots(imported_modules(p.read_text(encoding="utf-8")))
    ]
    assert offenders == []


def test_connectors_use_config_errors_only() -> None:
    """Connectors get plain values: the only config module they may touch is config.errors."""
    bad = []
    for path in _modules("connectors"):
        for name in imported_modules(path.read_text(encoding="utf-8")):
            if name.split(".")[0] == "config" and name.split(".")[:2] != ["config", "errors"]:
                bad.append(f"{path.name}: {name}")
    assert bad == []


def test_import_roots_are_ours() -> None:
    """The bare import roots must resolve to this checkout, not to another installed distribution."""
    import importlib

    for name in [*LAYERS, "sandbox"]:
        module = importlib.import_module(name)
        assert Path(module.__file__ or "").resolve().is_relative_to(ROOT), name


# -- the checks themselves fail on what they are meant to catch ------------------------------------------


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for package in [*LAYERS, "sandbox"]:
        (tmp_path / package).mkdir(parents=True)
        (tmp_path / package / "__init__.py").write_text("")
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    return tmp_path


def test_an_upward_import_is_caught(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"store/tables.py": "def f():\n    from reconcile.rules import RULES\n"})
    assert layer_offenders(root) == {"store/tables.py": ["reconcile"]}


def test_a_sandbox_import_below_swc_beheer_is_caught(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"reconcile/engine.py": "from sandbox.datagen import generate\n"})
    assert layer_offenders(root) == {"reconcile/engine.py": ["sandbox"]}
    ok = _tree(tmp_path / "ok", {"swc_beheer/wiring.py": "from sandbox.datagen import generate\n"})
    assert layer_offenders(ok) == {}


def test_an_import_cycle_is_caught(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "sync/a.py": "from sync.b import x\n",
            "sync/b.py": "def x():\n    from sync import c\n",
            "sync/c.py": "import sync.a\n",
        },
    )
    cycle = find_cycle(import_graph(root))
    assert cycle is not None and set(cycle) == {"sync.a", "sync.b", "sync.c"}
    assert cycle[0] == cycle[-1]
