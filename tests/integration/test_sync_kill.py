"""SIGKILL mid-sync leaves the store as the last completed run left it; the next run succeeds."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from sandbox.catalogue import CatalogueState, create_app
from sandbox.server import serve_in_thread
from store import open_store
from store.catalogue_tables import catalogue_version, sync_run
from tests.helpers.sync_checks import (
    PASSWORD,
    USER,
    Catalogue,
    run,
    served_hashes,
    stored_hashes,
    tiny_dataset,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]

# Runs in a child process: a slow sandbox (latency per request) whose modules all changed, and a sync
# that prints a line per saved page, so the test can kill it mid-way.
CHILD = textwrap.dedent(
    """
    import asyncio, json, sys
    from connectors.catalogue import CatalogueClient
    from sandbox.catalogue import CatalogueState, create_app
    from sandbox.faults import FaultPlan
    from sandbox.server import serve_in_thread
    from sync.catalogue_sync import run_catalogue_sync
    from store import open_store

    data_file, store_url, user, password = sys.argv[1:5]
    state = CatalogueState(json.load(open(data_file)))
    for oid in state.ids("module"):
        state.update("module", oid, naam="Gewijzigd in de afgebroken run")
    state.add("gebruik", {"afnemer": state.ids("organisatie")[0], "module": state.ids("module")[0]})
    app = create_app(state, users={user: password}, faults=FaultPlan(latency_ms=60))
    with serve_in_thread(app) as server:
        store = open_store(store_url)

        def progress(entity, done, total):
            print("PAGE", entity, done, flush=True)

        async def main():
            async with CatalogueClient.connect(
                server.url, user=user, password=password, page_size=5, concurrency=1
            ) as client:
                await run_catalogue_sync(store, client, progress=progress)

        asyncio.run(main())
    print("DONE", flush=True)
    """
)


def _read_pages(proc: subprocess.Popen[str], wanted: int, deadline: float) -> list[str]:
    lines: list[str] = []
    assert proc.stdout is not None
    while sum(line.startswith("PAGE") for line in lines) < wanted:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"the child sync did not get far enough: {lines[-3:]}"
        ready, _, _ = select.select([proc.stdout], [], [], remaining)
        if ready:
            line = proc.stdout.readline()
            assert line, f"the child ended early (exit {proc.wait()}): {lines[-3:]}"
            assert not line.startswith("DONE"), "the child finished before it could be killed"
            lines.append(line)
    return lines


def test_sigkill_mid_sync_leaves_the_previous_state(store_url: str, tmp_path: Path) -> None:
    data = tiny_dataset(seed=3)
    store = open_store(store_url)
    state = CatalogueState(data)
    with serve_in_thread(create_app(state, users={USER: PASSWORD})) as server:
        first = run(store, Catalogue(state, server.url).client())
    assert first.status == "success"
    before = stored_hashes(store)
    with store.sessions() as session:
        versions = session.execute(sa.select(sa.func.count()).select_from(catalogue_version)).scalar_one()

    data_file = tmp_path / "data.json"
    data_file.write_text(json.dumps(data), encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(data_file), store_url, USER, PASSWORD],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    try:
        lines = _read_pages(proc, wanted=12, deadline=time.monotonic() + 120)
        with store.sessions() as session:
            status = session.execute(
                sa.select(sync_run.c.status).where(sync_run.c.id > first.run_id)
            ).scalar_one()
        assert status == "running"
        assert any(" package " in line for line in lines)  # the changed modules were already processed
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stdout:
            proc.stdout.close()
        if proc.stderr:
            proc.stderr.close()

    assert stored_hashes(store) == before
    with store.sessions() as session:
        assert (
            session.execute(sa.select(sa.func.count()).select_from(catalogue_version)).scalar_one()
            == versions
        )

    # the next run sees the same changes the killed run was saving, and lands them
    for oid in state.ids("module"):
        state.update("module", oid, naam="Gewijzigd in de afgebroken run")
    state.add("gebruik", {"afnemer": state.ids("organisatie")[0], "module": state.ids("module")[0]})
    with serve_in_thread(create_app(state, users={USER: PASSWORD})) as server:
        after = run(store, Catalogue(state, server.url).client())
    assert after.status == "success"
    assert after.stats["package"].changed == len(state.ids("module")) > 0
    assert after.stats["usage"].new == 1
    assert stored_hashes(store) == served_hashes(state)
    with store.sessions() as session:
        statuses = dict(session.execute(sa.select(sync_run.c.id, sync_run.c.status)).all())
    assert [statuses[i] for i in sorted(statuses)] == ["success", "interrupted", "success"]
    store.close()
