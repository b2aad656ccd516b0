"""Property: arbitrary JSON values in catalogue objects, served over HTTP, never stop the pipeline.

sandbox -> `swc-beheer sync --full` -> store (SQLite and PostgreSQL) -> `reconcile` in every format. Each
example plants values in a few organisations; a planted value is either tame (any JSON within the bounds,
NUL and control characters included, under an unknown key) or hostile in a known way. (An integer beyond
64 bits under an unknown key is not hostile: the JSON decoder reads it as a float.) SWC_HOSTILE_EXAMPLES
sets the examples per database (default 25, about 10 s each). Asserts: no crash,
every hostile record skipped and reported, every other record stored.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers.hostile import run_pipeline
from tests.helpers.sync_checks import tiny_dataset

pytestmark = [pytest.mark.integration, pytest.mark.slow]

INT64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)
# any JSON within the bounds: every non-surrogate character (NUL and control characters included)
TAME_JSON = st.recursive(
    st.none() | st.booleans() | INT64 | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)


def _nest(value: Any, levels: int) -> Any:
    for _ in range(levels):
        value = {"x": value}
    return value


# hostile in a known way: (key, value); each one must be skipped
HOSTILE = st.one_of(
    st.tuples(st.just("extra"), st.integers(min_value=65, max_value=400).map(lambda n: _nest(1, n))),
    st.tuples(st.just("cbsCode"), st.integers(min_value=2**63, max_value=10**60)),
    st.tuples(
        st.sampled_from(["naam", "extra"]),
        st.text(st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), min_size=1, max_size=3),
    ),
    st.tuples(st.sampled_from(["naam", "type", "status"]), st.dictionaries(st.text(max_size=5), TAME_JSON)),
    st.tuples(st.just("cbsCode"), st.text(st.characters(categories=["L"]), min_size=1, max_size=8)),
)
PLANT = st.lists(
    st.one_of(
        st.tuples(st.just(False), st.tuples(st.just("extra"), TAME_JSON)),
        st.tuples(st.just(False), st.tuples(st.just("naam"), st.text(max_size=60))),
        st.tuples(st.just(True), HOSTILE),
    ),
    min_size=1,
    max_size=4,
)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_arbitrary_values_never_stop_the_pipeline(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = f"sqlite:///{tmp_path}/store.sqlite3" if backend == "sqlite" else request.getfixturevalue("pg_url")
    examples = int(os.environ.get("SWC_HOSTILE_EXAMPLES", "25"))
    ran: list[int] = []

    @settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        database=None,
    )
    @given(plants=PLANT)
    def check(plants: list[tuple[bool, tuple[str, Any]]]) -> None:
        ran.append(len(plants))
        dataset = tiny_dataset(seed=12, gemeenten=6, usages=8)
        orgs = dataset["organisatie"]
        expect_skipped: set[str] = set()
        for org, (hostile, (key, value)) in zip(orgs, plants, strict=False):
            org["id"] = str(uuid.uuid4())  # fresh ids: each example's records are its own
            org[key] = value
            if hostile:
                expect_skipped.add(org["id"])
        out = tmp_path / uuid.uuid4().hex
        outcome = run_pipeline(dataset, url, out)
        assert outcome.sync_code in (0, 3), outcome.sync_output
        all_ids = {o["id"] for o in orgs}
        assert expect_skipped <= set(outcome.skipped)
        assert all_ids - expect_skipped <= set(outcome.stored)
        assert not set(outcome.stored) & set(outcome.skipped)
        assert (outcome.sync_code == 3) == bool(expect_skipped)

    check()
    assert len(ran) == examples  # every example ran through the whole pipeline
