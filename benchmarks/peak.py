"""Run a console entry point and report this process's own peak RSS (VmHWM) on stderr at exit.

    python -m benchmarks.peak swc-beheer sync --full --json
    python -m benchmarks.peak lean-mirror BASE_URL USER PASSWORD ...   (benchmarks/lean_mirror.py)

`ru_maxrss` from wait4 is not usable here: Linux carries the parent's peak over fork+exec, so a child of a
benchmark that holds a large dataset would report the parent's memory. VmHWM is reset by exec.
"""

from __future__ import annotations

import atexit
import json
import sys


def vm_hwm_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def report_peak() -> None:
    """Write this process's peak RSS as the JSON line benchmarks/sync.py looks for on stderr."""
    sys.stderr.write("\n" + json.dumps({"peak_rss_mb": round(vm_hwm_mb(), 1)}) + "\n")


def main() -> None:
    atexit.register(report_peak)
    program, *args = sys.argv[1:]
    sys.argv = [program, *args]
    if program == "swc-beheer":
        from swc_beheer.cli import main as entry

        entry()
    elif program == "lean-mirror":
        from benchmarks.lean_mirror import main as mirror

        mirror()
    else:
        raise SystemExit(f"unknown program {program!r}")


if __name__ == "__main__":
    main()
