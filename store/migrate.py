"""Alembic, driven from code: `open_store` upgrades to all heads (one branch per area of the store)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import sqlalchemy as sa

from store.errors import SchemaMismatch

if TYPE_CHECKING:
    from alembic.config import Config


class Store(Protocol):
    """What migrating needs of a store (store.base.Store has it; no import back, so no cycle)."""

    engine: sa.engine.Engine

    @property
    def location(self) -> str: ...


__all__ = ["HEADS", "alembic_config", "upgrade_store", "current_heads"]

# The revisions a fully upgraded database records in alembic_version. Alembic works them out from the
# migration files, but importing it (with Mako and Pygments) costs every command about 0.15 s; when the
# database already records exactly these, `upgrade_store` needs neither. A test keeps this equal to what
# Alembic records: add a migration, update this set. A revision another one depends on is not recorded:
# v0a1_views (the reporting views) depends on c0a1_catalogue and f0a1_findings, whose tables it reads.
HEADS = frozenset({"a0a1_accounts", "b0a1_jobs", "j0a1_journey", "o0a1_outbox", "v0a1_views"})

MIGRATIONS = Path(__file__).parent / "migrations"
# Alembic keeps its running context in module globals: two threads migrating at once (the daemon's jobs
# opening the store together) would trample each other, so upgrades are serialised in this process.
_UPGRADE_LOCK = threading.Lock()


def alembic_config(store: Store) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = store.engine
    return cfg


def current_heads(store: Store) -> set[str]:
    from alembic.runtime.migration import MigrationContext

    with store.engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())


def upgrade_store(store: Store) -> None:
    """Bring the schema to the newest revision of every branch; refuse a database newer than the code."""
    if _recorded_heads(store) == HEADS:
        return  # up to date, the common case: one query, no Alembic
    from alembic.script import ScriptDirectory

    cfg = alembic_config(store)
    script = ScriptDirectory.from_config(cfg)
    known = {rev.revision for rev in script.walk_revisions()}
    with _UPGRADE_LOCK:
        current = current_heads(store)
        unknown = current - known
        if unknown:
            raise SchemaMismatch(
                f"The store at {store.location} has schema revision(s) {sorted(unknown)} "
                "this version does not know.",
                hint="run a newer swc-beheer, or restore a backup made with this version",
            )
        if current == HEADS:
            return  # another thread upgraded it meanwhile
        _upgrade(store, cfg)


def _recorded_heads(store: Store) -> frozenset[str] | None:
    """The revisions the database records, or None when it has no version table yet."""
    with store.engine.connect() as conn:
        if not sa.inspect(conn).has_table("alembic_version"):
            return None
        return frozenset(conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars())


def _upgrade(store: Store, cfg: Config) -> None:
    from alembic import command

    try:
        command.upgrade(cfg, "heads")
    except Exception as exc:  # alembic raises many types; the user needs one message
        raise SchemaMismatch(
            f"Could not upgrade the store at {store.location}: {exc}",
            hint="back up the database and run `swc-beheer db upgrade`",
        ) from exc
