"""The peer for benchmarks/sync.py: dlt's REST API source pulling the same five schemas into DuckDB.

Runs in its own virtualenv (benchmarks/.venv-peer, made by benchmarks/sync.py) so dlt never becomes a
dependency of the service. Prints one JSON line: records loaded and wall time.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time


def main() -> None:
    base_url, user, password, page_size = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    schemas = sys.argv[5].split(",")
    import dlt
    from dlt.sources.rest_api import rest_api_source

    source = rest_api_source(
        {
            "client": {
                "base_url": base_url,
                "auth": {"type": "http_basic", "username": user, "password": password},
                # the same paging our connector uses: page numbers, page count from the envelope
                "paginator": {
                    "type": "page_number",
                    "base_page": 1,
                    "page_param": "_page",
                    "total_path": "pages",
                },
            },
            "resource_defaults": {
                "write_disposition": "replace",
                "endpoint": {
                    "data_selector": "results",
                    "params": {
                        "_limit": page_size,
                        "_order[@self.created]": "asc",
                        "_order[@self.uuid]": "asc",
                    },
                },
            },
            "resources": [{"name": s, "endpoint": {"path": s}} for s in schemas],
        }
    )
    workdir = tempfile.mkdtemp(prefix="dlt-peer-")
    pipeline = dlt.pipeline(
        pipeline_name="swc_peer",
        destination=dlt.destinations.duckdb(f"{workdir}/peer.duckdb"),
        pipelines_dir=workdir,
        dataset_name="catalogue",
        progress=None,
    )
    started = time.perf_counter()
    info = pipeline.run(source)
    wall = time.perf_counter() - started
    counts = pipeline.last_trace.last_normalize_info.row_counts if pipeline.last_trace else {}
    records = sum(v for k, v in counts.items() if k in schemas)
    print(json.dumps({"records": records, "wall": wall, "loads": len(info.loads_ids)}))
    # run as a script from benchmarks/, in the peer's own virtualenv: peak.py (stdlib only) is importable
    from peak import report_peak

    report_peak()


if __name__ == "__main__":
    main()
