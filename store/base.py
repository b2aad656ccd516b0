"""The one MetaData all tables hang on, and the engine/session factory (`open_store`)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from connectors import jsoncodec
from store.errors import SchemaMismatch, StoreError

__all__ = [
    "metadata",
    "Session",  # the rooms above pass sessions along by this name and never import SQLAlchemy
    "Store",
    "StoreError",
    "SchemaMismatch",
    "RawJSON",
    "open_store",
    "redact_url",
    "store_errors",
]

# Naming convention keeps Alembic's constraint names stable across SQLite and PostgreSQL.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class RawJSON(str):
    """JSON text that is already serialised: JSON columns store it as is instead of encoding it again.

    The sync writes each object's raw JSON twice (entity row and version row); serialising it once
    saves a large share of the CPU a first sync spends.
    """

    @classmethod
    def dump(cls, value: Any) -> RawJSON:
        return cls(jsoncodec.dumps(value))


def _json_serializer(value: Any) -> str:
    if isinstance(value, RawJSON):
        return str(value)
    return jsoncodec.dumps(value)


# A JSON escape of NUL that is not itself escaped (`\\u0000` is a backslash and the text "u0000").
_JSON_NUL = re.compile(r"(?<!\\)((?:\\\\)*)\\u0000")


def _postgresql_json_serializer(value: Any) -> str:
    """JSON text for PostgreSQL, whose jsonb cannot hold NUL: each `\\u0000` becomes U+FFFD.

    The one place the stored raw JSON differs from the object received, and only on PostgreSQL (SQLite
    keeps it exactly); typed columns drop NUL on both (connectors.catalogue_mapping). Change detection is
    unaffected: the content hash is taken of the object as received, before it is stored.
    """
    text = _json_serializer(value)
    return _JSON_NUL.sub(r"\1\\ufffd", text) if "\\u0000" in text else text


def redact_url(url: str) -> str:
    """The URL with any password masked, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL is reported by the caller; never echo it raw
        return "<unparsable database URL>"


@dataclass(repr=False)
class Store:
    """An open database: engine plus session factory. One short session per run or job."""

    engine: Engine
    sessions: sessionmaker[Session]
    url: str  # may carry the password: never shown raw (see __repr__, redact_url)

    def __repr__(self) -> str:
        # a store lands in tracebacks, debug logs and test output: only ever with the password masked
        return f"Store(url={redact_url(self.url)!r})"

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work commits at the end or rolls back entirely on any exception."""
        with self.sessions.begin() as session:
            yield session

    def close(self) -> None:
        self.engine.dispose()

    @property
    def location(self) -> str:
        """Where the data lives, for users: the file path for SQLite, the redacted URL otherwise."""
        url = make_url(self.url)
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            return str(Path(url.database or "").resolve())
        return redact_url(self.url)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")  # readers never block the sync; a killed writer leaves no trace
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    cur.close()


# Page cache per connection (SQLite's default is 2 MiB). A sync inserts into uuid indexes at random places;
# with 2 MiB most of those index pages had to be re-read from the WAL for every page of records. Measured on
# a scale-10 first sync (530k records, 1.2 GB database): 32 MiB cut system time 21 -> 15 s and wall time 8%,
# for 31 MB more peak memory (the cache fills up at scale 1 as well, so the scale-10/scale-1 ratio drops).
SQLITE_CACHE_KIB = 32 * 1024


def open_store(url: str, *, upgrade: bool = True, schema: str | None = None) -> Store:
    """Open (and by default migrate) the store at `url`.

    `schema` selects a PostgreSQL schema (search_path); tests use it to isolate concurrent runs.
    """
    from store.migrate import upgrade_store

    try:
        parsed = make_url(url)
    except Exception as exc:
        raise StoreError(f"SWC_STORE__URL is not a database URL: {redact_url(url)}") from exc
    with store_errors(url):
        store = _open(url, parsed, schema)
        if upgrade:
            upgrade_store(store)
    return store


@contextmanager
def store_errors(url: str) -> Iterator[None]:
    """Database failures (unreachable, locked, not a database, no driver) as StoreError naming the store."""
    from sqlalchemy import exc as sa_exc

    where = redact_url(url)
    try:
        yield
    except sa_exc.OperationalError as exc:
        raise StoreError(
            f"The database {where} is unreachable or busy: {_first_line(exc.orig)}",
            hint="check SWC_STORE__URL; if another swc-beheer is writing, try again when it has finished",
        ) from exc
    except (sa_exc.DatabaseError, sa_exc.NoSuchModuleError, sa_exc.ArgumentError) as exc:
        raise StoreError(
            f"SWC_STORE__URL={where} cannot be used: {_first_line(getattr(exc, 'orig', None) or exc)}",
            hint="expected sqlite:///PATH or postgresql+psycopg://USER@HOST/DB",
        ) from exc
    except OSError as exc:
        raise StoreError(f"Cannot create the database {where}: {exc.strerror} ({exc.filename})") from exc


def _first_line(error: object) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def _open(url: str, parsed: Any, schema: str | None) -> Store:
    from sqlalchemy import create_engine

    # hide_parameters: a database error's text (stored in the run row, printed, logged) never quotes rows
    kwargs: dict[str, Any] = {"future": True, "json_serializer": _json_serializer, "hide_parameters": True}
    if parsed.get_backend_name() == "postgresql":
        kwargs["json_serializer"] = _postgresql_json_serializer
    if parsed.get_backend_name() == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            kwargs["poolclass"] = StaticPool
            kwargs["connect_args"] = {"check_same_thread": False}
        else:
            Path(parsed.database or "").parent.mkdir(parents=True, exist_ok=True)
    else:
        kwargs["pool_pre_ping"] = True
        if schema:
            kwargs["connect_args"] = {"options": f"-csearch_path={schema}"}
    engine = create_engine(url, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return Store(engine=engine, sessions=sessionmaker(engine, expire_on_commit=False), url=url)
