"""Fixtures of the reconcile tests: a rule context over the bundled register."""

from __future__ import annotations

from typing import Any

import pytest

from config.settings import ReconcileSettings
from reconcile.model import RuleContext, Snapshot
from reconcile.register import Register
from tests.helpers.records import LINKS, NOW


@pytest.fixture
def make_ctx(register: Register) -> Any:
    def make(snapshot: Snapshot, **settings: Any) -> RuleContext:
        return RuleContext(register, ReconcileSettings(**settings), NOW, LINKS, snapshot)

    return make


