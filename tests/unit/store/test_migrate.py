"""Opening a store: migrated once, opened without Alembic when up to date, refused when newer."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from store import open_store
from store.base import SchemaMismatch
from store.migrate import HEADS, alembic_config, current_heads


def test_heads_constant_matches_the_migration_files(tmp_path: Path) -> None:
    from alembic.script import ScriptDirectory

    store = open_store(f"sqlite:///{tmp_path / 's.sqlite3'}")
    try:
        script = ScriptDirectory.from_config(alembic_config(store))
        computed = set(script.get_heads())
        recorded = current_heads(store)
        assert set(HEADS) == recorded, "a migration was added: update store.migrate.HEADS"
        # a head another head depends on (the views read the catalogue and findings tables) is not recorded
        depended_on = {dep for head in recorded for dep in (script.get_revision(head).dependencies or ())}
        assert computed - recorded <= set(depended_on) and recorded <= computed
    finally:
        store.close()


OPEN_AND_REPORT = """
import sys
from store import open_store
store = open_store(sys.argv[1])
with store.engine.connect() as conn:
    tables = len(__import__("sqlalchemy").inspect(conn).get_table_names())
print(tables, "alembic" in sys.modules)
"""


def test_an_up_to_date_store_opens_without_importing_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.sqlite3'}"
    root = Path(__file__).resolve().parents[3]

    def open_in_child() -> tuple[int, bool]:
        out = subprocess.run(
            [sys.executable, "-c", OPEN_AND_REPORT, url], cwd=root, capture_output=True, text=True, check=True
        ).stdout.split()
        return int(out[0]), out[1] == "True"

    tables, imported = open_in_child()
    assert tables > 10 and imported  # a new database is migrated by Alembic
    assert open_in_child() == (tables, False)  # the second time, one query decides there is nothing to do


def test_a_store_from_a_newer_version_is_refused(store_url: str) -> None:
    store = open_store(store_url)
    with store.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO alembic_version (version_num) VALUES ('z9z9_from_the_future')"))
    store.close()
    with pytest.raises(SchemaMismatch) as info:
        open_store(store_url)
    assert "z9z9_from_the_future" in info.value.message and "newer swc-beheer" in (info.value.hint or "")
