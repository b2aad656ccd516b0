"""On PostgreSQL too, a read-only command never creates a store: an empty schema stays empty."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from swc_beheer.cli import app

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


@pytest.mark.parametrize("command", [["findings", "list"], ["journey", "status"], ["db", "status"]])
def test_read_only_command_on_an_empty_schema_exits_2_and_creates_no_table(
    pg_url: str, command: list[str]
) -> None:
    result = CliRunner().invoke(app, command, env={"SWC_STORE__URL": pg_url}, catch_exceptions=False)
    assert result.exit_code == 2, result.output
    assert "SWC_STORE__URL" in "".join(result.stderr.split())
    engine = sa.create_engine(pg_url)
    try:
        with engine.connect() as conn:
            tables = conn.execute(
                sa.text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
            )
            assert tables.all() == []
    finally:
        engine.dispose()


def test_the_store_password_setting_fills_the_url(pg_url: str) -> None:
    # trust auth ignores the password; what matters is that the URL with it still opens the store
    env = {"SWC_STORE__URL": pg_url, "SWC_STORE__PASSWORD": "not-logged-anywhere", "SWC_LANGUAGE": "en"}
    upgraded = CliRunner().invoke(app, ["db", "upgrade"], env=env, catch_exceptions=False)
    assert upgraded.exit_code == 0 and "not-logged-anywhere" not in upgraded.output
    status = CliRunner().invoke(app, ["db", "status"], env=env, catch_exceptions=False)
    assert status.exit_code == 0 and "not-logged-anywhere" not in status.output + status.stderr
