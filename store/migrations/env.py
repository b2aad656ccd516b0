"""Alembic environment: uses the engine handed over in config.attributes (see store.migrate)."""

from __future__ import annotations

from alembic import context

import store.tables  # noqa: F401  (fills the metadata)
from store.base import metadata

config = context.config
engine = config.attributes["engine"]

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    context.run_migrations()
