"""Fault plans: parsing, determinism, bounds (no sockets: the plan wraps a plain app)."""

from __future__ import annotations

import pytest

from sandbox.faults import FaultPlan, FaultSpecError, parse_faults, with_faults
from sandbox.server import Request, Response


def _ok(request: Request) -> Response:
    return Response.json({"results": list(range(50))})


def _run(plan: FaultPlan, n: int = 200) -> list[tuple[int, bool, int | None]]:
    app = with_faults(_ok, plan)
    out = []
    for _ in range(n):
        response = app(Request("GET", "/"))
        out.append((response.status, response.reset, response.truncate_at))
    return out


def test_parse_full_spec() -> None:
    plan = parse_faults("latency=100,5xx=0.1,429=0.05,timeout=0.02,truncate=0.05,reset=0.02,seed=1")
    assert (plan.latency_ms, plan.error_rate, plan.rate_limit_rate) == (100, 0.1, 0.05)
    assert (plan.timeout_rate, plan.truncate_rate, plan.reset_rate, plan.seed) == (0.02, 0.05, 0.02, 1)
    assert parse_faults("max=3, jitter=5").max_faults == 3


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        ("bogus=1", "bogus=1"),
        ("5xx", "KEY=VALUE"),
        ("5xx=lots", "not a float"),
        ("5xx=2", "outside 0..1"),
        ("5xx=0.6,429=0.6", "more than 1"),
    ],
)
def test_parse_errors_name_the_part(spec: str, fragment: str) -> None:
    with pytest.raises(FaultSpecError, match=fragment):
        parse_faults(spec)


def test_same_seed_same_faults_and_rates_roughly_hold() -> None:
    spec = "5xx=0.1,429=0.1,truncate=0.1,reset=0.1,seed=9"
    first, second = _run(parse_faults(spec)), _run(parse_faults(spec))
    assert first == second
    errors = sum(1 for status, _, _ in first if status >= 500)
    assert 5 <= errors <= 40
    assert any(reset for _, reset, _ in first) and any(cut is not None for *_, cut in first)
    assert _run(parse_faults(spec.replace("seed=9", "seed=10"))) != first


def test_max_faults_bounds_the_injection() -> None:
    plan = FaultPlan(seed=1, error_rate=1.0, max_faults=3)
    statuses = [status for status, _, _ in _run(plan, 10)]
    assert statuses[:3] != [200] * 3 and statuses[3:] == [200] * 7 and plan.fault_count == 3


def test_latency_only_is_not_a_fault() -> None:
    plan = FaultPlan(seed=1, latency_ms=1)
    assert {status for status, _, _ in _run(plan, 5)} == {200} and plan.fault_count == 0


def test_truncation_stays_inside_the_body() -> None:
    plan = FaultPlan(seed=4, truncate_rate=1.0)
    body_length = len(_ok(Request("GET", "/")).body)
    cuts = [cut for *_, cut in _run(plan, 50)]
    assert all(cut is not None and 0 <= cut < body_length for cut in cuts)
