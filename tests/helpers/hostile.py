"""The hostile-catalogue pipeline shared by the regression and property tests: serve a dataset from the
sandbox over HTTP, run the real CLI (`swc-beheer sync`, then `reconcile` in every report format), and read
back what the store holds through plain SQL."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from typer.testing import CliRunner

from sandbox.catalogue import CatalogueState, create_app
from sandbox.server import serve_in_thread
from store import open_store
from store.catalogue_tables import ENTITY_TABLES, sync_run, sync_skipped
from swc_beheer.cli import app
from tests.helpers.sync_checks import PASSWORD, USER

__all__ = ["Outcome", "REPORT_FORMATS", "run_pipeline"]

REPORT_FORMATS = ("md", "html", "csv", "xlsx", "json")


@dataclass
class Outcome:
    sync_code: int
    sync_output: str
    run_id: int
    stored: dict[str, dict[str, Any]]  # organisation id -> its row (live, listed by this run)
    skipped: dict[str, str]  # record id -> reason, this run
    reports: dict[str, Path]


def _invoke(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.output


def run_pipeline(dataset: dict[str, list[dict[str, Any]]], store_url: str, out: Path) -> Outcome:
    """Serve `dataset`, sync it into `store_url` with the CLI, reconcile into every format under `out`."""
    with serve_in_thread(create_app(CatalogueState(dataset), users={USER: PASSWORD})) as server:
        env = {
            "SWC_STORE__URL": store_url,
            "SWC_CATALOGUE__BASE_URL": server.url,
            "SWC_CATALOGUE__USER": USER,
            "SWC_CATALOGUE__PASSWORD": PASSWORD,
            "SWC_CATALOGUE__PAGE_SIZE": "7",
            "SWC_RECONCILE__REFERENCE_DIR": str(out / "reference"),
            "SWC_LANGUAGE": "en",
        }
        code, output = _invoke(env, "sync", "--full", "--confirm-deletions")
    reports: dict[str, Path] = {}
    for fmt in REPORT_FORMATS:
        rcode, routput = _invoke(env, "reconcile", "--format", fmt, "--out", str(out / fmt))
        assert rcode == 0, f"reconcile --format {fmt}: exit {rcode}\n{routput}"
        # the findings report under its stable name (CSV: one file per table), a dated copy in archive/
        written = sorted(p for p in (out / fmt).iterdir() if p.is_file())
        assert written and all(p.suffix == f".{fmt}" for p in written), written
        reports[fmt] = written[0]
    store = open_store(store_url)
    try:
        with store.sessions() as session:
            catalogue_runs = sa.select(sa.func.max(sync_run.c.id)).where(sync_run.c.source == "catalogue")
            run_id = session.execute(catalogue_runs).scalar_one()
            table = ENTITY_TABLES["organisation"]
            rows = session.execute(
                sa.select(table).where(table.c.last_run_id == run_id, table.c.deleted_at.is_(None))
            ).mappings()
            stored = {row["id"]: dict(row) for row in rows}
            skipped = dict(
                session.execute(
                    sa.select(sync_skipped.c.record_id, sync_skipped.c.reason).where(
                        sync_skipped.c.run_id == run_id
                    )
                ).all()
            )
    finally:
        store.close()
    return Outcome(code, output, run_id, stored, skipped, reports)
