"""`/metrics`: the daemon's state in the Prometheus text format (0.0.4), written without a client library.

Three sources:
- the daemon itself: job runs by job and outcome, last durations, last successes (this process only);
- the store, read at each scrape: catalogue runs by status with their API requests and retries (all daemons
  sharing the store), the records of the last finished sync by type, active findings by severity;
- `Observations` the jobs report into: GitHub requests and rate-limit points of this process's refreshes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Metric", "Observations", "render_metrics", "store_metrics"]

Labels = tuple[tuple[str, str], ...]


@dataclass
class Metric:
    """One metric family: name, type, help and its samples (labels -> value)."""

    name: str
    kind: str  # counter | gauge
    help: str
    samples: dict[Labels, float] = field(default_factory=dict)

    def set(self, value: float, **labels: str) -> None:
        self.samples[tuple(sorted(labels.items()))] = float(value)


def render_metrics(families: Iterable[Metric]) -> str:
    """The families in the text exposition format; a counter is named with its `_total` suffix throughout."""
    lines: list[str] = []
    for family in families:
        sample = family.name + ("_total" if family.kind == "counter" else "")
        lines.append(f"# HELP {sample} {_escape_help(family.help)}")
        lines.append(f"# TYPE {sample} {family.kind}")
        for labels, value in sorted(family.samples.items()):
            rendered = ",".join(f'{key}="{_escape_label(text)}"' for key, text in labels)
            lines.append(
                f"{sample}{{{rendered}}} {_number(value)}" if rendered else f"{sample} {_number(value)}"
            )
    return "\n".join(lines) + "\n"


def _escape_help(text: str) -> str:
    return text.replace("\\", r"\\").replace("\n", r"\n")


def _escape_label(text: str) -> str:
    return text.replace("\\", r"\\").replace("\n", r"\n").replace('"', r"\"")


def _number(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)


class Observations:
    """Counters and gauges the jobs report (thread-safe): e.g. GitHub requests of each refresh."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._families: dict[str, Metric] = {}

    def add(self, name: str, help_text: str, amount: float, **labels: str) -> None:
        with self._lock:
            family = self._families.setdefault(name, Metric(name, "counter", help_text))
            key = tuple(sorted(labels.items()))
            family.samples[key] = family.samples.get(key, 0.0) + amount

    def set(self, name: str, help_text: str, value: float, **labels: str) -> None:
        with self._lock:
            self._families.setdefault(name, Metric(name, "gauge", help_text)).set(value, **labels)

    def families(self) -> list[Metric]:
        with self._lock:
            return [Metric(m.name, m.kind, m.help, dict(m.samples)) for m in self._families.values()]


def job_metrics(statuses: Mapping[str, Any]) -> list[Metric]:
    """Runs by job and outcome, last duration and last success of each job (the daemon's JobStatus)."""
    runs = Metric("swc_job_runs", "counter", "Job runs finished by this daemon, by job and outcome.")
    duration = Metric("swc_job_last_duration_seconds", "gauge", "Duration of each job's last run.")
    success = Metric(
        "swc_job_last_success_timestamp_seconds", "gauge", "When each job last succeeded (Unix time)."
    )
    from datetime import datetime

    for job_id, status in statuses.items():
        for outcome, count in status.outcomes.items():
            runs.set(count, job=job_id, outcome=outcome)
        if status.last_duration_seconds is not None:
            duration.set(status.last_duration_seconds, job=job_id)
        if status.last_success is not None:
            success.set(datetime.fromisoformat(status.last_success).timestamp(), job=job_id)
    return [runs, duration, success]


def store_metrics(store_url: str) -> Callable[[], list[Metric]]:
    """A collector reading the store at each scrape (opened and closed each time, never created)."""

    def collect() -> list[Metric]:
        from reconcile.lifecycle import ACTIVE, list_findings
        from store.base import open_store
        from store.outbox import count_outbox
        from store.run_metrics import load_last_finished_run, load_run_totals

        store = open_store(store_url)
        try:
            with store.sessions() as session:
                totals = load_run_totals(session)
                last = load_last_finished_run(session)
                findings = list_findings(session, statuses=ACTIVE)
            outbox = count_outbox(store)
        finally:
            store.close()
        families = [*_run_families(totals), *_last_sync_families(last), _findings_family(findings)]
        return [*families, _outbox_family(outbox)]

    return collect


def _outbox_family(counts: dict[str, int]) -> Metric:
    outbox = Metric("swc_digest_outbox", "gauge", "Digests in the outbox, by status.")
    for status in ("pending", "sending", "delivered", "failed"):
        outbox.set(counts.get(status, 0), status=status)
    return outbox


def _run_families(totals: Any) -> list[Metric]:
    runs = Metric("swc_sync_runs", "counter", "Sync runs recorded in the store, by source and status.")
    for (source, status), count in totals.runs.items():
        runs.set(count, source=source, status=status)
    requests = Metric("swc_api_requests", "counter", "API requests made by the recorded sync runs.")
    retries = Metric("swc_api_retries", "counter", "API requests the recorded sync runs retried.")
    for source, count in totals.requests.items():
        requests.set(count, service=source)
    for source, count in totals.retries.items():
        retries.set(count, service=source)
    return [runs, requests, retries]


def _last_sync_families(last: Any) -> list[Metric]:
    records = Metric(
        "swc_last_sync_records", "gauge", "Records of the last finished catalogue sync, by type and kind."
    )
    info = Metric("swc_last_sync_info", "gauge", "The last finished catalogue sync: its mode and status.")
    duration = Metric(
        "swc_last_sync_duration_seconds", "gauge", "Duration of the last finished catalogue sync."
    )
    if last is not None:
        info.set(1, mode=last.mode, status=last.status, run=str(last.run_id))
        if last.finished is not None:
            duration.set((last.finished - last.started).total_seconds())
        for entity, counts in last.stats.items():
            for kind, value in counts.items():
                records.set(value, entity=entity, kind=kind)
    return [records, info, duration]


def _findings_family(findings: Iterable[Any]) -> Metric:
    family = Metric("swc_findings", "gauge", "Active findings (new or open) by severity and acceptance.")
    counts: dict[tuple[str, str], int] = {}
    for finding in findings:
        key = (finding.severity, "true" if finding.accepted else "false")
        counts[key] = counts.get(key, 0) + 1
    for (severity, accepted), count in counts.items():
        family.set(count, severity=severity, accepted=accepted)
    return family
