"""The error tree drawn in config/errors.py's docstring is the tree the code defines, class for class.

Every module of every service package is imported; every SwcError subclass defined there must appear in
the drawing under its direct base, with its module and exit code, and the drawing names no other class.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from dataclasses import dataclass
from pathlib import Path

import config.errors
from config.errors import SwcError

ROOT = Path(__file__).resolve().parent.parent
SERVICE = ("config", "connectors", "journey", "store", "sync", "reconcile", "reports", "swc_beheer")
SKIPPED = ("store.migrations",)  # Alembic scripts: env.py runs a migration when imported

# "│  ├─ Name   module.path   exit 1  what it means": the depth is the number of 3-character columns
LINE = re.compile(
    r"^(?P<tree>(?:[│ ]  )*(?:[├└]─ )?)(?P<name>\w+)\s+(?P<module>[\w.]+)\s+exit (?P<code>\d+)\b"
)


@dataclass(frozen=True)
class Drawn:
    module: str
    exit_code: int
    parent: str | None


def parse_drawing(doc: str) -> dict[str, Drawn]:
    """class name -> (module, exit code, parent) from the indented tree in a docstring."""
    drawn: dict[str, Drawn] = {}
    parents: list[str] = []  # parents[d] = the last class drawn at depth d
    for raw in doc.splitlines():
        match = LINE.match(raw.strip("\n")[4:]) if raw.startswith("    ") else None
        if match is None:
            continue
        depth = len(match["tree"]) // 3
        del parents[depth:]
        name = match["name"]
        if name in drawn:
            raise AssertionError(f"{name} is drawn twice")
        drawn[name] = Drawn(match["module"], int(match["code"]), parents[-1] if parents else None)
        parents.append(name)
    return drawn


def service_modules() -> list[str]:
    names: list[str] = []
    for package in SERVICE:
        names.append(package)
        path = [str(ROOT / package)]
        for info in pkgutil.walk_packages(path, prefix=f"{package}."):
            if not info.name.startswith(SKIPPED) and not info.name.endswith(".__main__"):
                names.append(info.name)
    return names


def defined_errors() -> dict[str, type[SwcError]]:
    """Every SwcError subclass (and SwcError itself) defined in a service module, by class name."""
    for name in service_modules():
        importlib.import_module(name)
    found: dict[str, type[SwcError]] = {"SwcError": SwcError}
    todo = list(SwcError.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.split(".")[0] in SERVICE:
            assert found.get(cls.__name__, cls) is cls, f"two error classes named {cls.__name__}"
            found[cls.__name__] = cls
    return found


def test_the_drawing_parses_as_a_tree() -> None:
    drawn = parse_drawing(
        "x\n\n    Root   a.b   exit 1  root\n    ├─ A   a.b   exit 2\n    │  └─ B   a.c   exit 1  under A\n"
        "    └─ C   a.d   exit 4\n"
    )
    assert drawn == {
        "Root": Drawn("a.b", 1, None),
        "A": Drawn("a.b", 2, "Root"),
        "B": Drawn("a.c", 1, "A"),
        "C": Drawn("a.d", 4, "Root"),
    }


def tree_problems(drawn: dict[str, Drawn], defined: dict[str, type[SwcError]]) -> list[str]:
    """What differs between the drawing and the classes, one line per class."""
    problems = [
        f"{name} ({defined[name].__module__}) is not drawn" for name in sorted(set(defined) - set(drawn))
    ]
    problems += [f"{name} is drawn but defined nowhere" for name in sorted(set(drawn) - set(defined))]
    for name in sorted(set(drawn) & set(defined)):
        cls = defined[name]
        parent = cls.__mro__[1].__name__ if cls is not SwcError else None
        actual = Drawn(cls.__module__, cls.exit_code, parent)
        if actual != drawn[name]:
            problems.append(f"{name} is drawn as {drawn[name]} but is {actual}")
    return problems


def test_every_error_class_is_drawn_as_defined() -> None:
    assert tree_problems(parse_drawing(config.errors.__doc__ or ""), defined_errors()) == []


def test_a_missing_a_stale_and_a_misplaced_class_are_reported() -> None:
    class Undrawn(SwcError):
        exit_code = 3

    drawn = parse_drawing(
        "    SwcError   config.errors   exit 1\n"
        "    ├─ ConfigError   config.errors   exit 1\n"  # wrong exit code
        "    └─ Gone   reconcile.gone   exit 1\n"
    )
    defined = {"SwcError": SwcError, "ConfigError": config.errors.ConfigError, "Undrawn": Undrawn}
    assert tree_problems(drawn, defined) == [
        "Undrawn (tests.test_error_tree) is not drawn",
        "Gone is drawn but defined nowhere",
        "ConfigError is drawn as Drawn(module='config.errors', exit_code=1, parent='SwcError') "
        "but is Drawn(module='config.errors', exit_code=2, parent='SwcError')",
    ]
