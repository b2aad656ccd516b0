"""Findings written straight into a store for the digest tests (hostile catalogue text included)."""

from __future__ import annotations

import hashlib
from datetime import datetime

import sqlalchemy as sa

from store.base import Store
from store.findings_tables import finding

EVIL_NAME = "<script>alert(1)</script> @channel <!here> [klik](http://evil.example) *vet*"


def seed_findings(store: Store, count: int, when: datetime, *, evil: bool = True, steps: int = 5) -> None:
    """`count` new supplier_concept findings first seen at `when`, spread over `steps` journey steps."""
    step_names = ["1.1", "1.2", "1.5", "3.1", "3.3", "2.1"][:steps]
    rows = []
    for i in range(count):
        name = EVIL_NAME if evil and i == 0 else f"Leverancier {i:04d} B.V."
        subject = f"org-{when.isoformat()}-{i}"
        rows.append(
            {
                "fingerprint": hashlib.sha1(subject.encode()).hexdigest(),
                "rule": "supplier_concept",
                "subject": subject,
                "step": step_names[i % len(step_names)],
                "severity": ("error", "warning", "info")[i % 3],
                "status": "new",
                "params": {"name": name, "days": 20 + i},
                "evidence": [],
                "evidence_total": 0,
                "first_seen": when,
                "last_seen": when,
                "resolved_at": None,
                "reopened": 0,
                "accepted_at": None,
                "accepted_reason": None,
                "last_run_id": 1,
            }
        )
    with store.transaction() as session:
        session.execute(sa.insert(finding), rows)
