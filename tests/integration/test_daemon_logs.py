"""`swc-beheer serve` as a real process: JSON lines on a pipe, text on a terminal, never a secret."""

from __future__ import annotations

import json
import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sandbox.catalogue import CatalogueState, create_app
from sandbox.github import create_app as create_github
from sandbox.github_state import GitHubState
from sandbox.server import serve_in_thread
from tests.helpers.sync_checks import USER, tiny_dataset

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
NEVER = "0 3 1 1 *"
CATALOGUE_SECRET = "Verkeerd-Maar-Geheim-7731"  # not the sandbox's password: the sync fails with 401
GITHUB_SECRET = "ghp_GeheimSandboxToken8842"


def _env(tmp_path: Path, catalogue_url: str, github_url: str, **extra: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SWC_")}
    return {
        **clean,
        "PYTHONPATH": str(ROOT),
        "SWC_STORE__URL": f"sqlite:///{tmp_path}/daemon.sqlite3",
        "SWC_CATALOGUE__BASE_URL": catalogue_url,
        "SWC_CATALOGUE__USER": USER,
        "SWC_CATALOGUE__PASSWORD": CATALOGUE_SECRET,
        "SWC_GITHUB__BASE_URL": github_url,
        "SWC_GITHUB__TOKEN": GITHUB_SECRET,
        "SWC_DAEMON__PORT": "0",
        "SWC_SCHEDULE__SYNC_CRON": NEVER,
        "SWC_SCHEDULE__JOURNEY_CRON": NEVER,
        "SWC_SCHEDULE__RECONCILE_CRON": NEVER,
        **extra,
    }


def _read_until(fd: int, done: str, timeout: float = 120) -> str:
    """Read `fd` until `done` appears and the line it is on has ended (or fail after `timeout`)."""
    text, deadline = "", time.monotonic() + timeout
    while done not in text or not text.endswith("\n"):
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"{done!r} not seen; got:\n{text[-3000:]}"
        ready, _, _ = select.select([fd], [], [], remaining)
        if ready:
            chunk = os.read(fd, 65536)
            assert chunk, f"the daemon ended early; got:\n{text[-3000:]}"
            text += chunk.decode("utf-8", "replace")
    return text


@pytest.fixture
def remotes() -> tuple[str, str]:  # type: ignore[misc]
    catalogue = create_app(CatalogueState(tiny_dataset(seed=9)), users={USER: "het-echte-wachtwoord"})
    github = create_github(GitHubState.seeded(), token=GITHUB_SECRET)
    with serve_in_thread(catalogue) as cat, serve_in_thread(github) as gh:
        yield cat.url, gh.url


def _stop(proc: subprocess.Popen[bytes]) -> int:
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_serve_on_a_pipe_logs_json_lines_without_secrets(tmp_path: Path, remotes: tuple[str, str]) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "swc_beheer.cli", "serve"],
        cwd=ROOT, env=_env(tmp_path, *remotes), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert proc.stderr is not None
    try:
        text = _read_until(proc.stderr.fileno(), "job reconcile:run: ")
        code = _stop(proc)
        text += proc.stderr.read().decode()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream:
                stream.close()
    assert code == 0, text
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]  # every line is JSON
    assert all({"time", "level", "logger", "message"} <= set(line) for line in lines)
    failed = [line for line in lines if line["message"].startswith("job sync:catalogue: failed")]
    assert len(failed) == 1 and failed[0]["level"] == "ERROR" and failed[0]["job"] == "sync:catalogue"
    assert "401" in failed[0]["message"]
    refreshed = [line for line in lines if line["message"].startswith("job journey:refresh: success")]
    assert refreshed and refreshed[0]["job"] == "journey:refresh"
    assert any(line["message"] == "SIGTERM received: stopping" for line in lines)
    assert CATALOGUE_SECRET not in text and GITHUB_SECRET not in text


def test_serve_on_a_terminal_logs_readable_text(tmp_path: Path, remotes: tuple[str, str]) -> None:
    parent, child = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "swc_beheer.cli", "serve"],
        cwd=ROOT, env=_env(tmp_path, *remotes), stdout=subprocess.DEVNULL, stderr=child,
    )  # fmt: skip
    os.close(child)
    try:
        text = _read_until(parent, "job sync:catalogue: failed")
        assert _stop(proc) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(parent)
    line = next(line for line in text.splitlines() if "job sync:catalogue: failed" in line)
    assert " ERROR swc.daemon [sync:catalogue]: job sync:catalogue: failed: " in line
    assert not any(raw.lstrip().startswith("{") for raw in text.splitlines())
    assert CATALOGUE_SECRET not in text and GITHUB_SECRET not in text
