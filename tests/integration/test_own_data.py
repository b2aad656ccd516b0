"""A user serves their own data file with `swc-beheer sandbox serve --data`, syncs it, edits it, syncs again.

Everything runs as real processes: the sandbox CLI in a subprocess, the sync through the CLI.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
ORG_A = "11111111-1111-4111-8111-111111111111"
ORG_B = "22222222-2222-4222-8222-222222222222"
MODULE = "33333333-3333-4333-8333-333333333333"


def _data(orgs: list[dict[str, Any]]) -> dict[str, Any]:
    """A hand-written file: only `format`, `objects` and ids are required; the server fills @self."""
    return {
        "format": "swc-sandbox/1",
        "objects": {
            "organisatie": orgs,
            "module": [
                {"id": MODULE, "naam": "Zaaksysteem", "beschrijvingKort": "Zaken", "aanbieder": ORG_B}
            ],
        },
    }


@contextmanager
def serve(data_file: Path) -> Iterator[str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "swc_beheer.cli", "sandbox", "serve", "--data", str(data_file), "--port", "0"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"},
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            found = re.search(r"SWC_CATALOGUE__BASE_URL=(\S+)", line)
            if found:
                yield found.group(1)
                break
        else:
            raise AssertionError(f"sandbox did not start: {proc.stderr.read() if proc.stderr else ''}")
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        finally:
            if proc.poll() is None:
                proc.kill()
            for stream in (proc.stdout, proc.stderr):
                if stream:
                    stream.close()


def sync(url: str, store: str) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SWC_CATALOGUE__BASE_URL": url,
           "SWC_CATALOGUE__USER": "beheer", "SWC_CATALOGUE__PASSWORD": "sandbox-app-password",
           "SWC_STORE__URL": store, "SWC_SYNC__DELETION_BRAKE": "1"}  # fmt: skip
    done = subprocess.run([sys.executable, "-m", "swc_beheer.cli", "sync", "--full", "--json"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    return report["stats"]


def test_serve_own_file_then_change_it_between_runs(tmp_path: Path) -> None:
    data_file = tmp_path / "mijn-catalogus.json"
    store = f"sqlite:///{tmp_path}/own.sqlite3"
    data_file.write_text(json.dumps(_data([
        {"id": ORG_A, "naam": "Gemeente Eerstedorp", "type": "Gemeente", "status": "Actief"},
        {"id": ORG_B, "naam": "Leverancier BV", "type": "Leverancier", "status": "Concept"},
    ])))  # fmt: skip
    with serve(data_file) as url:
        first = sync(url, store)
    assert first["organisation"]["new"] == 2 and first["package"]["new"] == 1

    # the user edits the file: one organisation renamed, one removed, one added
    data_file.write_text(json.dumps(_data([
        {"id": ORG_B, "naam": "Leverancier Nederland BV", "type": "Leverancier", "status": "Actief"},
        {"id": "44444444-4444-4444-8444-444444444444", "naam": "Samenwerking West", "type": "Samenwerking"},
    ])))  # fmt: skip
    with serve(data_file) as url:
        second = sync(url, store)
    orgs = second["organisation"]
    assert (orgs["new"], orgs["changed"], orgs["deleted"]) == (1, 1, 1)
    assert second["package"]["unchanged"] == 1
