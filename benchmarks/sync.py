"""Sync benchmark: our full sync vs a peer (dlt's REST API source) and the lean mirror, on one sandbox.

    python -m benchmarks.sync [--scales 1,10] [--latency-ms 100] [--skip-peer]

For each scale the sandbox catalogue is served from this process with `latency-ms` added to every request.
Our sync (`swc-beheer sync --full --json`, SQLite), the lean mirror (benchmarks/lean_mirror.py: fetch and
store raw JSON, nothing else) and the peer (dlt's `rest_api_source` into DuckDB, in a virtualenv of its own
under benchmarks/.venv-peer, made on first use) each run as a child process, so their peak RSS is their
own (VmHWM, reported by each child: see benchmarks/peak.py). Prints wall time, records/s, requests, peak
RSS, the child's CPU seconds and the sandbox's, the round-trip lower bound (requests / concurrency x
latency), the store floor (SQLite alone writing the rows our sync wrote: benchmarks/store_floor.py) and
the ratios. Writes benchmarks/results/sync.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import venv
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.store_floor import store_floor  # noqa: E402
from store.base import SQLITE_CACHE_KIB  # noqa: E402

PEER_VENV = ROOT / "benchmarks" / ".venv-peer"
USER, PASSWORD = "bench", "bench-app-password"
SCHEMAS = ["organisatie", "contactpersoon", "module", "gebruik", "koppeling"]


@dataclass
class Result:
    who: str
    scale: int
    wall: float
    records: int
    requests: int
    peak_rss_mb: float
    store_floor_s: float | None = None  # SQLite alone writing what this run wrote (benchmarks/store_floor.py)
    cpu_s: float | None = None  # the child's CPU seconds (user + system)
    sandbox_cpu_s: float | None = None  # the sandbox's CPU seconds while serving it

    @property
    def rate(self) -> float:
        return self.records / self.wall if self.wall else 0.0


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


@dataclass
class ChildRun:
    wall: float
    peak_rss_mb: float
    stdout: str
    cpu_s: float  # the child's user + system CPU seconds
    sandbox_cpu_s: float  # this process's CPU meanwhile: the sandbox serving the child


def _run_child(cmd: list[str], env: dict[str, str]) -> ChildRun:
    """Run cmd; measure its wall time, CPU, peak RSS (VmHWM, reported by the child) and the sandbox's CPU."""
    child_cpu, own_cpu = _cpu(resource.RUSAGE_CHILDREN), _cpu(resource.RUSAGE_SELF)
    started = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=ROOT, check=False)
    wall = time.perf_counter() - started
    if proc.returncode not in (0, 3):
        raise SystemExit(f"{cmd[0]} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    peaks = [json.loads(line) for line in proc.stderr.splitlines() if line.startswith('{"peak_rss_mb"')]
    return ChildRun(
        wall,
        float(peaks[-1]["peak_rss_mb"]) if peaks else float("nan"),
        proc.stdout,
        _cpu(resource.RUSAGE_CHILDREN) - child_cpu,
        _cpu(resource.RUSAGE_SELF) - own_cpu,
    )


def _ensure_peer() -> Path:
    python = PEER_VENV / "bin" / "python"
    if not python.exists():
        print("benchmark: creating benchmarks/.venv-peer with dlt[duckdb] (once)...", flush=True)
        venv.EnvBuilder(with_pip=True).create(PEER_VENV)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "dlt[duckdb]"], check=True)
    return python


def _result(
    who: str, scale: int, child: ChildRun, records: int, requests: int, floor: float | None = None
) -> Result:
    return Result(
        who, scale, child.wall, records, requests, child.peak_rss_mb, floor, child.cpu_s, child.sandbox_cpu_s
    )


def run_ours(url: str, scale: int, page_size: int, concurrency: int, state: object) -> Result:
    state.reset_counters()  # type: ignore[attr-defined]
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ)
        env.update(
            SWC_CATALOGUE__BASE_URL=url,
            SWC_CATALOGUE__USER=USER,
            SWC_CATALOGUE__PASSWORD=PASSWORD,
            SWC_CATALOGUE__PAGE_SIZE=str(page_size),
            SWC_CATALOGUE__CONCURRENCY=str(concurrency),
            SWC_STORE__URL=f"sqlite:///{tmp}/bench.sqlite3",
        )
        cmd = [
            str(ROOT / ".venv" / "bin" / "python"),
            "-m",
            "benchmarks.peak",
            "swc-beheer",
            "sync",
            "--full",
            "--json",
        ]
        child = _run_child(cmd, env)
        requests = state.request_count  # type: ignore[attr-defined]
        floor = store_floor(Path(tmp) / "bench.sqlite3", Path(tmp) / "floor.sqlite3", SQLITE_CACHE_KIB)
    report = json.loads(child.stdout)
    records = sum(int(stats["listed"]) for stats in report["stats"].values())
    return _result("swc-beheer", scale, child, records, requests, floor)


def run_lean(url: str, scale: int, page_size: int, concurrency: int, state: object) -> Result:
    """The leanest mirror (benchmarks/lean_mirror.py) on the same sandbox, with the same paging."""
    state.reset_counters()  # type: ignore[attr-defined]
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [
            str(ROOT / ".venv" / "bin" / "python"),
            "-m",
            "benchmarks.peak",
            "lean-mirror",
            url,
            USER,
            PASSWORD,
            str(page_size),
            str(concurrency),
            f"{tmp}/lean.sqlite3",
            ",".join(SCHEMAS),
            str(SQLITE_CACHE_KIB),
        ]
        child = _run_child(cmd, dict(os.environ))
    out = json.loads(child.stdout.strip().splitlines()[-1])
    return _result("lean mirror", scale, child, int(out["records"]), state.request_count)  # type: ignore[attr-defined]


def run_peer(url: str, scale: int, page_size: int, state: object) -> Result:
    python = _ensure_peer()
    state.reset_counters()  # type: ignore[attr-defined]
    api = url + "/index.php/apps/openregister/api/objects/voorzieningen"
    cmd = [
        str(python),
        str(ROOT / "benchmarks" / "peer_dlt.py"),
        api,
        USER,
        PASSWORD,
        str(page_size),
        ",".join(SCHEMAS),
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SWC_")}
    env["RUNTIME__LOG_LEVEL"] = "WARNING"
    child = _run_child(cmd, env)
    peer = json.loads(child.stdout.strip().splitlines()[-1])
    return _result("dlt rest_api", scale, child, int(peer["records"]), state.request_count)  # type: ignore[attr-defined]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scales", default="1,10")
    parser.add_argument("--latency-ms", type=float, default=100.0)
    parser.add_argument("--page-size", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--skip-peer", action="store_true")
    parser.add_argument(
        "--warmup",
        type=int,
        default=1,
        help="untimed runs of ours first, so the sandbox has rendered and sorted its objects (default 1)",
    )
    args = parser.parse_args()

    from sandbox.catalogue import CatalogueState, create_app
    from sandbox.datagen import generate
    from sandbox.faults import FaultPlan
    from sandbox.server import serve_in_thread

    rows: list[dict[str, object]] = []
    for scale in (int(s) for s in args.scales.split(",")):
        t0 = time.perf_counter()
        state = CatalogueState(generate(scale=scale))
        print(f"scale {scale}: dataset generated in {time.perf_counter() - t0:.1f} s", flush=True)
        app = create_app(state, users={USER: PASSWORD}, faults=FaultPlan(latency_ms=args.latency_ms))
        with serve_in_thread(app) as server:
            # the sandbox renders and sorts on first use; that is the server's cost, not the client's
            for _ in range(args.warmup):
                run_ours(server.url, scale, args.page_size, args.concurrency, state)
            ours = run_ours(server.url, scale, args.page_size, args.concurrency, state)
            bound = ours.requests / args.concurrency * args.latency_ms / 1000
            row: dict[str, object] = {
                "ours": asdict(ours),
                "bound_s": bound,
                "ours_vs_bound": ours.wall / bound,
            }
            _print_run("ours", ours, f"(bound {bound:.1f} s, {ours.wall / bound:.2f}x)")
            print(
                f"  store floor: {ours.store_floor_s or 0:.1f} s = {(ours.store_floor_s or 0) / bound:.2f}x "
                "the bound (SQLite alone writing the same rows, one thread)",
                flush=True,
            )
            lean = run_lean(server.url, scale, args.page_size, args.concurrency, state)
            row["lean"] = asdict(lean)
            row["lean_vs_bound"] = lean.wall / bound
            row["ours_vs_lean"] = ours.wall / lean.wall
            _print_run(
                "lean", lean, f"({lean.wall / bound:.2f}x the bound; ours is {ours.wall / lean.wall:.2f}x it)"
            )
            if not args.skip_peer:
                peer = run_peer(server.url, scale, args.page_size, state)
                row["peer"] = asdict(peer)
                row["speedup_vs_peer"] = peer.wall / ours.wall
                _print_run("peer", peer, f"(ours is {peer.wall / ours.wall:.1f}x faster)")
        rows.append({"scale": scale, **row})
    _print_table(rows, args.latency_ms)
    out = ROOT / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    (out / "sync.json").write_text(json.dumps(rows, indent=2))


def _print_run(label: str, run: Result, note: str) -> None:
    print(
        f"  {label:5}: {run.wall:7.1f} s  {run.rate:8.0f} rec/s  {run.requests} req  "
        f"{run.peak_rss_mb:6.0f} MB  cpu {run.cpu_s or 0:5.1f} s + sandbox {run.sandbox_cpu_s or 0:4.1f} s  "
        f"{note}",
        flush=True,
    )


def _ratio_cells(key: str, row: dict[str, object], run: dict[str, object]) -> str:
    """The last three cells of a table row: bound and store floor (ours only) and the ratio."""
    if key == "ours":
        return f"{row['bound_s']:.1f} | {run['store_floor_s']:.1f} | {row['ours_vs_bound']:.2f}x bound"
    if key == "lean":
        return f" | | {row['lean_vs_bound']:.2f}x bound; ours {row['ours_vs_lean']:.2f}x it"
    return f" | | ours {row['speedup_vs_peer']:.1f}x faster"


def _print_table(rows: list[dict[str, object]], latency: float) -> None:
    print(
        "\n| scale | who | wall s | records/s | requests | peak RSS MB | CPU s "
        f"| bound s ({latency:.0f} ms) | store floor s | ratio |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        for key, who in (("ours", "swc-beheer"), ("lean", "lean mirror"), ("peer", "dlt rest_api")):
            run = row.get(key)
            if not isinstance(run, dict):
                continue
            extra = _ratio_cells(key, row, run)
            print(
                f"| {row['scale']} | {who} | {run['wall']:.1f} | {run['records'] / run['wall']:.0f} | "
                f"{run['requests']} | {run['peak_rss_mb']:.0f} | {run['cpu_s'] or 0:.1f} | {extra} |"
            )
    if len(rows) >= 2:
        first, last = rows[0]["ours"], rows[-1]["ours"]
        assert isinstance(first, dict) and isinstance(last, dict)
        print(
            f"\npeak RSS scale {rows[-1]['scale']} / scale {rows[0]['scale']}: "
            f"{last['peak_rss_mb'] / first['peak_rss_mb']:.2f}x"
        )


if __name__ == "__main__":
    main()
