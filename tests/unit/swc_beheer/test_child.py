"""Heavy daemon jobs run in a child process: outcomes come back, expected failures stay outcomes, and a
child never outlives a SIGKILLed daemon (it would hold the store's locks)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil

from swc_beheer.child import in_child
from tests.helpers import child_jobs

ROOT = Path(__file__).resolve().parents[3]


def test_the_job_runs_in_another_process_and_its_outcome_comes_back() -> None:
    outcome, message = in_child(child_jobs.ok, "hello")
    assert outcome == "success" and message.startswith("hello from ")
    assert int(message.rsplit(" ", 1)[1]) != os.getpid()


def test_failures_come_back_as_outcomes() -> None:
    assert in_child(child_jobs.expected_failure) == ("failed", "catalogue unreachable")
    outcome, message = in_child(child_jobs.held_elsewhere)
    assert outcome == "skipped" and "Another catalogue sync is running" in message
    assert in_child(child_jobs.bug) == ("error", "KeyError: 'oops'")


def test_the_child_dies_with_a_killed_daemon(tmp_path: Path) -> None:
    pidfile = tmp_path / "child.pid"
    script = (
        "from swc_beheer.child import in_child\n"
        "from tests.helpers import child_jobs\n"
        f"in_child(child_jobs.sleep_and_tell, {str(pidfile)!r}, 120)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    daemon = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, env=env)
    try:
        deadline = time.monotonic() + 60
        while not pidfile.exists() or not pidfile.read_text():
            assert time.monotonic() < deadline, "the child did not start"
            time.sleep(0.05)
        child = psutil.Process(int(pidfile.read_text()))
        assert child.is_running()
        daemon.send_signal(signal.SIGKILL)
        daemon.wait(timeout=30)
        gone, _ = psutil.wait_procs([child], timeout=30)
        assert gone, "the child outlived the daemon"
    finally:
        if daemon.poll() is None:
            daemon.kill()
