"""Benchmark reconcile: time and peak memory at sandbox scale 1 and 10, precision and recall.

    .venv/bin/python benchmarks/reconcile.py [--scales 1 10] [--json out.json]

For each scale: generate the sandbox dataset, fill a SQLite store through the real sync code (an in-memory
source instead of HTTP, so the benchmark times reconcile, not transport), then run reconcile twice in a fresh
child process (first run: all findings new; second run: the lifecycle update path) and read the child's
peak RSS. Target at scale 10: < 10 s and < 500 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SCHEMAS = {
    "organisation": "organisatie",
    "contact": "contactpersoon",
    "package": "module",
    "usage": "gebruik",
    "koppeling": "koppeling",
}




class DatasetSource:
    """The sandbox dataset as a catalogue source: wire objects -> records via the connector's own parser,
    in the connector's own Page / ListingResult / RequestStats types (no HTTP)."""

    def __init__(self, objects: dict[str, list[dict[str, Any]]], page_size: int = 5000) -> None:
        from connectors import RequestStats

        self.objects, self.page_size, self.stats = objects, page_size, RequestStats()

    async def fetch_pages(
        self, entity: Any, *, since: Any = None, overlap: Any = None
    ) -> AsyncIterator[Any]:
        from connectors.catalogue import Page
        from connectors.catalogue_models import parse_record

        items = self.objects.get(SCHEMAS[entity], [])
        for number, start in enumerate(range(0, max(len(items), 1), self.page_size), start=1):
            self.stats.requests += 1
            chunk = items[start : start + self.page_size]
            yield Page(entity, number, [parse_record(entity, obj) for obj in chunk], [], len(items))

    def listing(self, entity: Any) -> Any:
        from connectors.catalogue import ListingResult

        count = len(self.objects.get(SCHEMAS[entity], []))
        return ListingResult(entity, "full", True, count, count, self.stats.requests, 0)


def fill_store(url: str, dataset: Any) -> float:
    from store import open_store
    from sync.catalogue_sync import run_catalogue_sync

    store = open_store(url)
    started = time.perf_counter()
    report = asyncio.run(run_catalogue_sync(store, DatasetSource(dataset.objects)))  # type: ignore[arg-type]
    store.close()
    if report.status != "success":
        raise SystemExit(f"sync failed: {report.error}")
    return time.perf_counter() - started


def peak_mb() -> float:
    """Peak RSS of this process image. VmHWM, because ru_maxrss survives exec and would report the parent."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(url: str, now: str) -> dict[str, Any]:
    """In a fresh process: reconcile twice; return timings, peak RSS and the found (rule, subject) pairs."""
    from config.settings import ReconcileSettings
    from reconcile import run_reconcile
    from reconcile.register import Register
    from store import open_store

    baseline = peak_mb()
    store = open_store(url)
    register = Register.load()
    when = datetime.fromisoformat(now)
    times = []
    for _ in range(2):
        started = time.perf_counter()
        report = run_reconcile(store, register, ReconcileSettings(), when)
        times.append(time.perf_counter() - started)
    store.close()
    return {
        "first_s": times[0],
        "second_s": times[1],
        "baseline_mb": baseline,
        "peak_mb": peak_mb(),
        "found": sorted([f.rule, f.subject] for f in report.findings),
    }


def bench_scale(scale: int, workdir: Path) -> dict[str, Any]:
    from sandbox.datagen import generate

    started = time.perf_counter()
    dataset = generate(scale=scale)
    generated = time.perf_counter() - started
    url = f"sqlite:///{workdir}/scale{scale}.sqlite3"
    synced = fill_store(url, dataset)
    now = dataset.meta.get("reference_now") or datetime.now(UTC).isoformat()
    child = subprocess.run(
        [sys.executable, __file__, "--measure", url, now],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    result: dict[str, Any] = json.loads(child.stdout)
    expected = {(g["rule"], g["subject"]) for g in dataset.ground_truth}
    found = {(rule, subject) for rule, subject in result.pop("found")}
    hits = len(expected & found)
    return {
        "scale": scale,
        "objects": sum(dataset.counts().values()),
        "generate_s": generated,
        "sync_s": synced,
        **result,
        "findings": len(found),
        "planted": len(expected),
        "precision": hits / len(found) if found else 1.0,
        "recall": hits / len(expected) if expected else 1.0,
    }


def print_table(rows: list[dict[str, Any]]) -> None:
    head = (
        "scale",
        "objects",
        "sync s",
        "reconcile s",
        "2nd run s",
        "peak MB",
        "findings",
        "planted",
        "P",
        "R",
    )
    print(" | ".join(f"{h:>11}" for h in head))
    for r in rows:
        cells = (
            r["scale"],
            r["objects"],
            f"{r['sync_s']:.1f}",
            f"{r['first_s']:.2f}",
            f"{r['second_s']:.2f}",
            f"{r['peak_mb']:.0f}",
            r["findings"],
            r["planted"],
            f"{r['precision']:.3f}",
            f"{r['recall']:.3f}",
        )
        print(" | ".join(f"{c:>11}" for c in cells))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 10], help="sandbox scales to run")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--measure", nargs=2, metavar=("URL", "NOW"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(*args.measure)))
        return
    with tempfile.TemporaryDirectory(prefix="swc-bench-reconcile-") as tmp:
        rows = [bench_scale(scale, Path(tmp)) for scale in args.scales]
    print_table(rows)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
