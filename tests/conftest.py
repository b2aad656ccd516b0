"""Shared fixtures: a clean environment, store URLs for SQLite and PostgreSQL (isolated per test)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

PG_ADMIN_URL = os.environ.get("SWC_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """No SWC_* variable of the developer's shell leaks into a test."""
    for name in list(os.environ):
        if name.startswith("SWC_") and name != "SWC_TEST_PG_URL":
            monkeypatch.delenv(name, raising=False)


def _pg_available() -> str | None:
    """None when PostgreSQL answers, else the reason."""
    try:
        import psycopg

        dsn = PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(dsn, connect_timeout=3):
            return None
    except Exception as exc:  # any failure means: not available here
        return f"PostgreSQL at {PG_ADMIN_URL} not reachable ({type(exc).__name__}: {exc})"


@pytest.fixture(scope="session")
def pg_reason() -> str | None:
    return _pg_available()


@pytest.fixture
def pg_url(pg_reason: str | None) -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh schema, dropped afterwards.

    Outside CI a missing server skips the test with the reason; in CI (CI=true) it fails.
    """
    if pg_reason:
        if os.environ.get("CI"):
            pytest.fail(pg_reason)
        pytest.skip(pg_reason)
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    dsn = PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in PG_ADMIN_URL else "?"
    yield f"{PG_ADMIN_URL}{sep}options=-csearch_path%3D{schema}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: object) -> str:
    """Each test using this runs once on a SQLite file and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/store.sqlite3"
    url: str = request.getfixturevalue("pg_url")
    return url


@pytest.fixture(scope="session")
def register() -> Any:
    """The bundled municipality register (reconcile.register.Register), loaded once."""
    from reconcile.register import Register

    return Register.load()
