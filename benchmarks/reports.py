"""Benchmark the reports: time and peak memory of every report at sandbox scale 1 and 10.

    .venv/bin/python -m benchmarks.reports [--scales 1 10] [--json out.json]

For each scale: generate the sandbox dataset, fill a SQLite store through the real sync code (no HTTP, as
benchmarks/reconcile.py does) and reconcile once. Then, per report, a fresh child process builds the
report from the store and writes it in every format (md, html, xlsx, csv, json); it prints the time to
build (store reads + numbers), to render and write, and its own peak RSS (VmHWM). Target at scale 10:
every report under 10 s and 500 MB.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# run as a script, this folder comes first on sys.path and benchmarks/reconcile.py would shadow reconcile/
sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != ROOT / "benchmarks")]

REPORTS = ("findings", "usage", "users", "concepts")
FORMATS = ("md", "html", "xlsx", "csv", "json")


def build(url: str, name: str, now: datetime) -> Any:
    from config.settings import DEFAULT_JOURNEY
    from journey.parser import load_journey
    from reconcile.register import Register
    from reports.common import ReportOptions
    from store import open_store

    store = open_store(url)
    options = ReportOptions(now=now)
    try:
        if name == "findings":
            from reports.findings import build_findings_report, journey_step_titles, load_findings_state

            journey = load_journey(DEFAULT_JOURNEY, default_repo="VNG-Realisatie/Softwarecatalogus")[0]
            return build_findings_report(load_findings_state(store), options, journey_step_titles([journey]))
        if name == "usage":
            from reports.usage import build_usage_report

            return build_usage_report(store, Register.load(), options)
        if name == "users":
            from reports.users import build_users_report

            return build_users_report(store, options)
        from reports.concepts import build_concepts_report

        return build_concepts_report(store, options, warn_days=30, duplicate_score=85.0)
    finally:
        store.close()


def measure(url: str, name: str, now: str, out: str) -> dict[str, Any]:
    """In a fresh process: build one report, write it in every format; times and peak RSS."""
    from benchmarks.reconcile import peak_mb
    from reports.files import write_report_files

    started = time.perf_counter()
    report = build(url, name, datetime.fromisoformat(now))
    built = time.perf_counter()
    paths = write_report_files(report, Path(out), FORMATS)
    done = time.perf_counter()
    return {
        "report": name,
        "build_s": built - started,
        "render_s": done - built,
        "total_s": done - started,
        "peak_mb": peak_mb(),
        "files": len(paths),
        "bytes": sum(p.stat().st_size for p in paths),
    }


def bench_scale(scale: int, workdir: Path) -> list[dict[str, Any]]:
    from benchmarks.reconcile import fill_store
    from config.settings import ReconcileSettings
    from reconcile import run_reconcile
    from reconcile.register import Register
    from sandbox.datagen import generate
    from store import open_store

    dataset = generate(scale=scale)
    url = f"sqlite:///{workdir}/scale{scale}.sqlite3"
    fill_store(url, dataset)
    now = dataset.meta.get("reference_now") or datetime.now(UTC).isoformat()
    store = open_store(url)
    run_reconcile(store, Register.load(), ReconcileSettings(), datetime.fromisoformat(now))
    store.close()
    objects = sum(dataset.counts().values())
    del dataset
    rows = []
    for name in REPORTS:
        out = workdir / f"out{scale}"
        child = subprocess.run(
            [sys.executable, __file__, "--measure", url, name, now, str(out)],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        rows.append({"scale": scale, "objects": objects, **json.loads(child.stdout)})
    return rows


def print_table(rows: list[dict[str, Any]]) -> None:
    head = ("scale", "objects", "report", "build s", "render s", "total s", "peak MB", "files", "MB written")
    print(" | ".join(f"{h:>10}" for h in head))
    for r in rows:
        cells = (
            r["scale"],
            r["objects"],
            r["report"],
            f"{r['build_s']:.2f}",
            f"{r['render_s']:.2f}",
            f"{r['total_s']:.2f}",
            f"{r['peak_mb']:.0f}",
            r["files"],
            f"{r['bytes'] / 1e6:.1f}",
        )
        print(" | ".join(f"{c:>10}" for c in cells))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 10], help="sandbox scales to run")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--measure", nargs=4, metavar=("URL", "REPORT", "NOW", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(*args.measure)))
        return
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="swc-bench-reports-") as tmp:
        for scale in args.scales:
            rows += bench_scale(scale, Path(tmp))
    print_table(rows)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
