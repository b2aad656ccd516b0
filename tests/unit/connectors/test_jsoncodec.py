"""orjson on the hot path must answer like the standard library (which it replaced) for catalogue data."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors import jsoncodec

# JSON values as a catalogue sends them: no floats in exponent notation (see dumps_canonical's docstring)
_scalars = (
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text() | st.sampled_from([0.5, 1.25])
)
_json = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@given(_json)
def test_canonical_text_equals_the_standard_librarys(value: Any) -> None:
    stdlib = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert jsoncodec.dumps_canonical(value) == stdlib.encode("utf-8")


@given(_json)
def test_dumps_round_trips_and_keeps_non_ascii(value: Any) -> None:
    text = jsoncodec.dumps(value)
    assert jsoncodec.loads(text) == value
    assert text == json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"x": NaN}', None),  # compared below: NaN != NaN
        ('"\u00e9"'.encode("utf-16"), "\u00e9"),  # a UTF-16 body with BOM, which json.loads detects
    ],
)
def test_loads_falls_back_to_the_standard_library(text: str | bytes, expected: Any) -> None:
    got = jsoncodec.loads(text)
    if expected is None:
        assert got["x"] != got["x"]
    else:
        assert got == expected


def test_integers_beyond_64_bits_read_as_floats() -> None:
    # the one documented difference from json.loads (connectors/jsoncodec.py)
    assert jsoncodec.loads('{"n": 123456789012345678901234567890}') == {"n": 1.2345678901234568e29}
    assert jsoncodec.loads('{"n": 9223372036854775807}') == {"n": 2**63 - 1}


def test_big_integers_are_written_and_hashed_like_the_standard_library() -> None:
    value = {"b": 2**70, "a": "é"}
    assert jsoncodec.dumps(value) == '{"b":1180591620717411303424,"a":"é"}'
    assert jsoncodec.dumps_canonical(value) == '{"a":"é","b":1180591620717411303424}'.encode()


def test_not_json_raises_value_error() -> None:
    with pytest.raises(ValueError):
        jsoncodec.loads(b'{"cut": ')
