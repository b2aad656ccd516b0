"""`swc-beheer journey check` on generated 1 MB and 10 MB journey documents: time and memory grow linearly.

    .venv/bin/python -m benchmarks.journey_check [--sizes-mb 1 10] [--repeat 3] [--json out.json]

Each document comes from sandbox/journeygen.py: phases of 40 steps shaped like the bundled klantreis, 0-3
issue links per row, one row in ten split over two lines. For each size it measures
- the CLI as users run it, in a child process: wall time and peak RSS (VmHWM, benchmarks/peak.py), and that
  peak minus the peak of the same command on the small bundled klantreis (the interpreter and imports);
- `check_journeys` in this process: wall time, and the peak of Python allocations (tracemalloc, a second run,
  since tracing slows it down).
Wall times are the best of `--repeat` runs (a shared machine adds noise, never removes it). It then prints
each measure's ratio between the largest and the smallest size next to the size ratio.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import tracemalloc
from dataclasses import asdict, dataclass
from pathlib import Path

from config.settings import DEFAULT_JOURNEY
from journey.parser import check_journeys
from sandbox.journeygen import REPO, generate_journey

MB = 1_000_000


@dataclass
class Measure:
    size_mb: int
    bytes: int
    steps: int
    refs: int
    cli_wall_s: float
    cli_peak_rss_mb: float
    cli_rss_over_base_mb: float
    parse_wall_s: float
    parse_peak_alloc_mb: float


def _cli(path: Path) -> tuple[float, float]:
    """Wall time and peak RSS of `swc-beheer journey check PATH` in a child process."""
    cmd = [sys.executable, "-m", "benchmarks.peak", "swc-beheer", "journey", "check", str(path), "--json"]
    started = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False)
    wall = time.perf_counter() - started
    if proc.returncode not in (0, 1):  # 1: the document has errors; anything else is a failure
        raise SystemExit(f"journey check failed ({proc.returncode}):\n{proc.stderr}")
    peaks = [json.loads(line) for line in proc.stderr.splitlines() if line.startswith('{"peak_rss_mb"')]
    return wall, float(peaks[-1]["peak_rss_mb"])


def _best_cli(path: Path, repeat: int) -> tuple[float, float]:
    runs = [_cli(path) for _ in range(repeat)]
    return min(wall for wall, _ in runs), max(rss for _, rss in runs)


def _in_process(path: Path, repeat: int) -> tuple[float, float]:
    """Best wall time of check_journeys on PATH, then its peak traced allocation (MB) in one more run."""
    walls = []
    for _ in range(repeat):
        started = time.perf_counter()
        check_journeys([path], default_repo=REPO)
        walls.append(time.perf_counter() - started)
    wall = min(walls)
    tracemalloc.start()
    check_journeys([path], default_repo=REPO)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return wall, peak / MB


def measure(size_mb: int, folder: Path, base_rss_mb: float, repeat: int) -> Measure:
    doc = generate_journey(size_mb * MB)
    path = folder / f"journey-{size_mb}mb.md"
    path.write_text(doc.text, encoding="utf-8")
    cli_wall, cli_rss = _best_cli(path, repeat)
    parse_wall, parse_peak = _in_process(path, repeat)
    return Measure(
        size_mb,
        path.stat().st_size,
        doc.steps,
        doc.refs,
        round(cli_wall, 2),
        cli_rss,
        round(cli_rss - base_rss_mb, 1),
        round(parse_wall, 2),
        round(parse_peak, 1),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes-mb", type=int, nargs="+", default=[1, 10], help="document sizes in MB")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measure; the best time counts")
    parser.add_argument("--json", type=Path, help="also write the measures to this file")
    args = parser.parse_args()
    _, base_rss = _best_cli(DEFAULT_JOURNEY, args.repeat)
    print(f"baseline: journey check on the bundled klantreis peaks at {base_rss:.1f} MB RSS")
    with tempfile.TemporaryDirectory() as folder:
        results = [measure(size, Path(folder), base_rss, args.repeat) for size in args.sizes_mb]
    header = f"{'MB':>4} {'bytes':>10} {'steps':>7} {'refs':>7} {'cli s':>7} {'cli RSS':>8} {'over base':>9}"
    print(header + f" {'parse s':>8} {'alloc MB':>9}")
    for m in results:
        print(
            f"{m.size_mb:>4} {m.bytes:>10} {m.steps:>7} {m.refs:>7} {m.cli_wall_s:>7.2f}"
            f" {m.cli_peak_rss_mb:>8.1f} {m.cli_rss_over_base_mb:>9.1f}"
            f" {m.parse_wall_s:>8.2f} {m.parse_peak_alloc_mb:>9.1f}"
        )
    small, large = results[0], results[-1]
    if large is not small:
        ratios = {
            "size": large.bytes / small.bytes,
            "cli time": large.cli_wall_s / small.cli_wall_s,
            "cli RSS over base": large.cli_rss_over_base_mb / small.cli_rss_over_base_mb,
            "parse time": large.parse_wall_s / small.parse_wall_s,
            "parse peak alloc": large.parse_peak_alloc_mb / small.parse_peak_alloc_mb,
        }
        shown = ", ".join(f"{name} {value:.1f}x" for name, value in ratios.items())
        print(f"ratios largest/smallest: {shown}")
    if args.json:
        args.json.write_text(json.dumps([asdict(m) for m in results], indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
