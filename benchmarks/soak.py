"""Soak test: `swc-beheer serve` for a while against sandboxes with faults, on accelerated schedules.

    python -m benchmarks.soak                 # 10 minutes
    python -m benchmarks.soak --minutes 3 --faults "latency=20,5xx=0.05,429=0.02,timeout=0.01,seed=7"

Children: the sandbox catalogue (`swc-beheer sandbox serve --size tiny --faults ...`) and the daemon
(`swc-beheer serve`, JSON logs to a file); the GitHub sandbox runs in this process. The daemon's jobs run
on six-field cron schedules (seconds), a digest goes to a file channel. Every few seconds the daemon's RSS
(psutil), /status and /metrics are sampled. At the end (SIGTERM to the daemon, which lets a running job
finish) it prints: RSS at 1 minute and at the end and the growth, runs per job and outcome (the store's
`job_run` and `sync_run`), unhandled exceptions in the daemon's log, and whether every run is accounted
for (every row finished, none left running). Exit 1 when RSS grew 20% or more, an unhandled exception
was logged, or a run is unaccounted for. A JSON summary is written beside the log (`--workdir`).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx
import psutil
import sqlalchemy as sa

from sandbox.github import create_app as create_github
from sandbox.github_state import GitHubState
from sandbox.server import serve_in_thread

ROOT = Path(__file__).resolve().parents[1]
GITHUB_TOKEN = "soak-token"
DEFAULT_FAULTS = "latency=20,jitter=20,5xx=0.04,429=0.02,timeout=0.01,truncate=0.01,reset=0.01,seed=7"
# six fields, seconds first: a sync every 20 s (every 3rd full), the rest in between
SCHEDULES = {
    "SWC_SCHEDULE__SYNC_CRON": "*/20 * * * * *",
    "SWC_SCHEDULE__JOURNEY_CRON": "5/15 * * * * *",
    "SWC_SCHEDULE__RECONCILE_CRON": "10/30 * * * * *",
}
MAX_GROWTH_PERCENT = 20.0


@dataclass
class Sample:
    elapsed: float
    rss_mb: float
    status_code: int | None
    healthy: bool | None
    metrics_ok: bool
    metrics: str = field(default="", repr=False)  # the /metrics text (only the last one is kept)


@dataclass
class Summary:
    minutes: float
    faults: str
    rss_at_1_min_mb: float
    rss_end_mb: float
    rss_peak_mb: float
    growth_percent: float
    job_runs: dict[str, dict[str, int]] = field(default_factory=dict)
    sync_runs: dict[str, int] = field(default_factory=dict)
    unhandled_exceptions: list[str] = field(default_factory=list)
    log_lines: int = 0
    non_json_lines: int = 0
    running_job_rows: int = 0
    running_sync_rows: int = 0
    unfinished_job_rows: int = 0
    status_codes: dict[str, int] = field(default_factory=dict)
    metrics_failures: int = 0
    api: dict[str, float] = field(default_factory=dict)  # requests and retries from the last /metrics
    daemon_exit_code: int | None = None

    @property
    def accounted(self) -> bool:
        return self.running_job_rows == self.running_sync_rows == self.unfinished_job_rows == 0

    @property
    def ok(self) -> bool:
        return self.growth_percent < MAX_GROWTH_PERCENT and not self.unhandled_exceptions and self.accounted


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start_catalogue(
    faults: str, scale: int, size: str, port: int, log: Path
) -> tuple[subprocess.Popen[str], str]:
    """The sandbox catalogue as a child; returns it and the env line it prints (URL, user, password)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "swc_beheer.cli", "sandbox", "serve", "--size", size, "--scale", str(scale),
         "--faults", faults, "--port", str(port)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=log.open("w"), text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "400"},
    )  # fmt: skip
    assert proc.stdout is not None
    for line in proc.stdout:
        if "SWC_CATALOGUE__BASE_URL=" in line:
            return proc, line
    raise SystemExit(f"the sandbox catalogue did not start; see {log}")


def _daemon_env(workdir: Path, env_line: str, github_url: str, port: int) -> dict[str, str]:
    remote = dict(re.findall(r"(SWC_CATALOGUE__\w+)=(\S+)", env_line))
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SWC_")}
    channel = [{"name": "soak", "kind": "file", "directory": str(workdir / "digests")}]
    return {
        **clean,
        **remote,
        **SCHEDULES,
        "PYTHONPATH": str(ROOT),
        "SWC_STORE__URL": f"sqlite:///{workdir / 'soak.sqlite3'}",
        "SWC_GITHUB__BASE_URL": github_url,
        "SWC_GITHUB__TOKEN": GITHUB_TOKEN,
        "SWC_DAEMON__PORT": str(port),
        "SWC_DAEMON__LOG_FORMAT": "json",
        "SWC_SYNC__FULL_EVERY": "3",
        "SWC_SCHEDULE__JITTER_SECONDS": "0",
        "SWC_DIGEST__CHANNELS": json.dumps(channel),
        "SWC_DIGEST__CRON": "* * * * *",  # a digest falls due every minute
        "SWC_DIGEST__CHECK_INTERVAL_SECONDS": "10",
        "SWC_REPORTS_DIR": str(workdir / "reports"),
    }


def _sample(proc: psutil.Process, port: int, began: float) -> Sample:
    rss = proc.memory_info().rss / 2**20
    code, healthy, metrics_ok = None, None, False
    base = f"http://127.0.0.1:{port}"
    try:
        status = httpx.get(f"{base}/status", timeout=10)
        code, healthy = status.status_code, bool(status.json().get("healthy"))
        metrics = httpx.get(f"{base}/metrics", timeout=10)
        metrics_ok = metrics.status_code == 200 and _parses(metrics.text)
        text = metrics.text if metrics_ok else ""
    except httpx.HTTPError:
        text = ""  # counted as a failed sample; the daemon may still be starting
    return Sample(round(time.monotonic() - began, 1), round(rss, 1), code, healthy, metrics_ok, text)


def _api_counts(text: str) -> dict[str, float]:
    """API requests and retries (by service) and GitHub's remaining points, from a /metrics text."""
    wanted = re.compile(
        r"^(swc_api_requests_total|swc_api_retries_total|swc_github_rate_limit_remaining)"
        r'\{(\w+)="([^"]+)"\} (\S+)$'
    )
    found: dict[str, float] = {}
    for line in text.splitlines():
        if match := wanted.match(line):
            found[f"{match[1]}{{{match[3]}}}"] = float(match[4])
    return found


def _parses(text: str) -> bool:
    try:
        from prometheus_client.parser import text_string_to_metric_families
    except ImportError:  # the test extra is not installed: at least the lines must look right
        return all(line.startswith("#") or " " in line for line in text.splitlines())
    try:
        list(text_string_to_metric_families(text))
    except ValueError:
        return False
    return True


def _read_log(log: Path) -> tuple[int, int, list[str]]:
    """(lines, lines that are not JSON, unhandled exceptions): tracebacks and crashed jobs."""
    lines = non_json = 0
    unhandled: list[str] = []
    for raw in log.read_text(encoding="utf-8", errors="replace").splitlines():
        if not raw.strip():
            continue
        lines += 1
        try:
            entry = json.loads(raw)
        except ValueError:
            non_json += 1
            if "Traceback" in raw:
                unhandled.append(raw[:300])
            continue
        text = f"{entry.get('message', '')}\n{entry.get('exception', '')}"
        if "Traceback" in text or ": error: " in str(entry.get("message", "")):
            unhandled.append(f"{entry.get('job', '-')}: {str(entry.get('message'))[:200]}")
    return lines, non_json, unhandled


def _store_counts(url: str, summary: Summary) -> None:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            for job, outcome, count in conn.execute(
                sa.text("SELECT job_id, outcome, count(*) FROM job_run GROUP BY job_id, outcome")
            ):
                summary.job_runs.setdefault(job, {})[outcome] = int(count)
            for mode, status, count in conn.execute(
                sa.text("SELECT mode, status, count(*) FROM sync_run GROUP BY mode, status")
            ):
                summary.sync_runs[f"{mode}/{status}"] = int(count)
            summary.running_job_rows = int(
                conn.execute(sa.text("SELECT count(*) FROM job_run WHERE outcome = 'running'")).scalar_one()
            )
            summary.unfinished_job_rows = int(
                conn.execute(sa.text("SELECT count(*) FROM job_run WHERE finished IS NULL")).scalar_one()
            )
            summary.running_sync_rows = int(
                conn.execute(sa.text("SELECT count(*) FROM sync_run WHERE status = 'running'")).scalar_one()
            )
    finally:
        engine.dispose()


def soak(minutes: float, faults: str, scale: int, size: str, every: float, workdir: Path) -> Summary:
    workdir.mkdir(parents=True, exist_ok=True)
    daemon_log, catalogue_log = workdir / "daemon.log", workdir / "catalogue.log"
    catalogue, env_line = _start_catalogue(faults, scale, size, _free_port(), catalogue_log)
    samples: list[Sample] = []
    try:
        with serve_in_thread(create_github(GitHubState.seeded(), token=GITHUB_TOKEN)) as github:
            port = _free_port()
            env = _daemon_env(workdir, env_line, github.url, port)
            with daemon_log.open("w") as log_file:
                daemon = subprocess.Popen(
                    [sys.executable, "-m", "swc_beheer.cli", "serve"],
                    cwd=ROOT, env=env, stdout=log_file, stderr=log_file,
                )  # fmt: skip
                began = time.monotonic()
                watched = psutil.Process(daemon.pid)
                try:
                    while time.monotonic() - began < minutes * 60 and daemon.poll() is None:
                        if samples:
                            samples[-1].metrics = ""  # keep only the newest /metrics text
                        samples.append(_sample(watched, port, began))
                        _progress(samples[-1])
                        time.sleep(every)
                finally:
                    daemon.send_signal(signal.SIGTERM)  # a running job finishes first
                    try:
                        exit_code: int | None = daemon.wait(timeout=300)
                    except subprocess.TimeoutExpired:
                        daemon.kill()
                        exit_code = daemon.wait()
    finally:
        catalogue.send_signal(signal.SIGINT)
        try:
            catalogue.wait(timeout=30)
        except subprocess.TimeoutExpired:
            catalogue.kill()
    return _summarise(minutes, faults, samples, daemon_log, env["SWC_STORE__URL"], exit_code)


def _progress(sample: Sample) -> None:
    sys.stderr.write(
        f"  {sample.elapsed:7.1f} s  rss {sample.rss_mb:7.1f} MB  /status {sample.status_code} "
        f"healthy={sample.healthy}  /metrics {'ok' if sample.metrics_ok else 'FAILED'}\n"
    )


def _summarise(
    minutes: float, faults: str, samples: list[Sample], log: Path, store_url: str, exit_code: int | None
) -> Summary:
    if not samples:
        raise SystemExit(f"no samples: the daemon ended at once; see {log}")
    at_1_min = next((s for s in samples if s.elapsed >= 60), samples[-1]).rss_mb
    end = samples[-1].rss_mb
    summary = Summary(
        minutes=minutes,
        faults=faults,
        rss_at_1_min_mb=at_1_min,
        rss_end_mb=end,
        rss_peak_mb=max(s.rss_mb for s in samples),
        growth_percent=round((end - at_1_min) / at_1_min * 100, 1),
        daemon_exit_code=exit_code,
    )
    summary.log_lines, summary.non_json_lines, summary.unhandled_exceptions = _read_log(log)
    for sample in samples:
        key = str(sample.status_code)
        summary.status_codes[key] = summary.status_codes.get(key, 0) + 1
    summary.metrics_failures = sum(not s.metrics_ok for s in samples)
    summary.api = _api_counts(next((s.metrics for s in reversed(samples) if s.metrics), ""))
    _store_counts(store_url, summary)
    return summary


def _report(summary: Summary, workdir: Path) -> None:
    print(f"soak: {summary.minutes} min, faults {summary.faults}")
    print(
        f"RSS: {summary.rss_at_1_min_mb} MB at 1 min, {summary.rss_end_mb} MB at the end "
        f"(growth {summary.growth_percent}%, limit {MAX_GROWTH_PERCENT}%), peak {summary.rss_peak_mb} MB"
    )
    print("runs per job and outcome (job_run):")
    for job, outcomes in sorted(summary.job_runs.items()):
        print(f"  {job:18} " + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())))
    print(
        "catalogue syncs (sync_run, mode/status): "
        + ", ".join(f"{k} {v}" for k, v in sorted(summary.sync_runs.items()))
    )
    print(f"/status answers: {summary.status_codes}; /metrics failures: {summary.metrics_failures}")
    print("from /metrics: " + ", ".join(f"{k} {v:g}" for k, v in sorted(summary.api.items())))
    print(
        f"daemon log: {summary.log_lines} lines, {summary.non_json_lines} not JSON; "
        f"exit {summary.daemon_exit_code}"
    )
    print(f"unhandled exceptions: {len(summary.unhandled_exceptions)}")
    for line in summary.unhandled_exceptions[:10]:
        print(f"  {line}")
    print(
        f"every run accounted for: {'yes' if summary.accounted else 'NO'} (job_run running "
        f"{summary.running_job_rows}, unfinished {summary.unfinished_job_rows}; sync_run running "
        f"{summary.running_sync_rows})"
    )
    print(f"result: {'OK' if summary.ok else 'FAILED'}  (details: {workdir})")
    (workdir / "soak.json").write_text(json.dumps({**asdict(summary), "ok": summary.ok}, indent=2))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="how long the daemon runs (default 10)")
    parser.add_argument(
        "--faults", default=DEFAULT_FAULTS, help="sandbox fault spec (swc-beheer sandbox serve)"
    )
    parser.add_argument("--scale", type=int, default=1, help="sandbox data scale")
    parser.add_argument("--size", default="tiny", choices=("tiny", "full"), help="sandbox data size")
    parser.add_argument("--every", type=float, default=5.0, help="seconds between samples")
    parser.add_argument(
        "--workdir", type=Path, default=None, help="store, logs and summary (default: a temp dir)"
    )
    args = parser.parse_args(argv)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="swc-soak-"))
    summary = soak(args.minutes, args.faults, args.scale, args.size, args.every, workdir)
    _report(summary, workdir)
    return 0 if summary.ok else 1


if __name__ == "__main__":
    sys.exit(main())
