"""Sync benchmark: our full sync vs a peer (dlt's REST API source) on the same sandbox, same run.

    python -m benchmarks.sync [--scales 1,10] [--latency-ms 100] [--skip-peer]

For each scale the sandbox catalogue is served from this process with `latency-ms` added to every request.
Our sync (`swc-beheer sync --full --json`, SQLite) and the peer (dlt's `rest_api_source` into DuckDB, in a
virtualenv of its own under benchmarks/.venv-peer, made on first use) each run as a child process, so their
peak RSS is their own (VmHWM, reported by each child: see benchmarks/peak.py). Prints wall time,
records/s, requests, peak RSS, the
round-trip lower bound (requests / concurrency x latency), the store floor (SQLite alone writing the rows
our sync wrote: benchmarks/store_floor.py) and the ratios. Writes benchmarks/results/sync.json.
"""

from __future__ import annotations

import argparse
import json
import os
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
from sync.store.base import SQLITE_CACHE_KIB  # noqa: E402

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

    @property
    def rate(self) -> float:
        return self.records / self.wall if self.wall else 0.0


def _run_child(cmd: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Run cmd; return wall seconds, its own peak RSS in MB (VmHWM, reported by the child) and stdout."""
    started = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=ROOT, check=False)
    wall = time.perf_counter() - started
    if proc.returncode not in (0, 3):
        raise SystemExit(f"{cmd[0]} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    peaks = [json.loads(line) for line in proc.stderr.splitlines() if line.startswith('{"peak_rss_mb"')]
    return wall, float(peaks[-1]["peak_rss_mb"]) if peaks else float("nan"), proc.stdout


def _ensure_peer() -> Path:
    python = PEER_VENV / "bin" / "python"
    if not python.exists():
        print("benchmark: creating benchmarks/.venv-peer with dlt[duckdb] (once)...", flush=True)
        venv.EnvBuilder(with_pip=True).create(PEER_VENV)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "dlt[duckdb]"], check=True)
    return python


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
        wall, rss, stdout = _run_child(cmd, env)
        requests = state.request_count  # type: ignore[attr-defined]
        floor = store_floor(Path(tmp) / "bench.sqlite3", Path(tmp) / "floor.sqlite3", SQLITE_CACHE_KIB)
    report = json.loads(stdout)
    records = sum(int(stats["listed"]) for stats in report["stats"].values())
    return Result("swc-beheer", scale, wall, records, requests, rss, floor)


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
    wall, rss, stdout = _run_child(cmd, env)
    peer = json.loads(stdout.strip().splitlines()[-1])
    return Result("dlt rest_api", scale, wall, int(peer["records"]), state.request_count, rss)  # type: ignore[attr-defined]


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
            print(
                f"  ours : {ours.wall:7.1f} s  {ours.rate:8.0f} rec/s  {ours.requests} req  "
                f"{ours.peak_rss_mb:6.0f} MB  (bound {bound:.1f} s, {ours.wall / bound:.2f}x)",
                flush=True,
            )
            print(
                f"  store floor: {ours.store_floor_s or 0:.1f} s = {(ours.store_floor_s or 0) / bound:.2f}x "
                "the bound (SQLite alone writing the same rows, one thread)",
                flush=True,
            )
            if not args.skip_peer:
                peer = run_peer(server.url, scale, args.page_size, state)
                row["peer"] = asdict(peer)
                row["speedup_vs_peer"] = peer.wall / ours.wall
                print(
                    f"  peer : {peer.wall:7.1f} s  {peer.rate:8.0f} rec/s  {peer.requests} req  "
                    f"{peer.peak_rss_mb:6.0f} MB  (ours is {peer.wall / ours.wall:.1f}x faster)",
                    flush=True,
                )
        rows.append({"scale": scale, **row})
    _print_table(rows, args.latency_ms)
    out = ROOT / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    (out / "sync.json").write_text(json.dumps(rows, indent=2))


def _print_table(rows: list[dict[str, object]], latency: float) -> None:
    print(
        "\n| scale | who | wall s | records/s | requests | peak RSS MB "
        f"| bound s ({latency:.0f} ms) | store floor s | ratio |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        ours = row["ours"]
        assert isinstance(ours, dict)
        print(
            f"| {row['scale']} | swc-beheer | {ours['wall']:.1f} | {ours['records'] / ours['wall']:.0f} | "
            f"{ours['requests']} | {ours['peak_rss_mb']:.0f} | {row['bound_s']:.1f} | "
            f"{ours['store_floor_s']:.1f} | {row['ours_vs_bound']:.2f}x bound |"
        )
        peer = row.get("peer")
        if isinstance(peer, dict):
            print(
                f"| {row['scale']} | dlt rest_api | {peer['wall']:.1f} | "
                f"{peer['records'] / peer['wall']:.0f} | {peer['requests']} | {peer['peak_rss_mb']:.0f} | "
                f"| | ours {row['speedup_vs_peer']:.1f}x faster |"
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
