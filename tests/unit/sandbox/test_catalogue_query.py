"""Query-string parsing and matching of the OpenRegister objects API (pure functions)."""

from __future__ import annotations

from datetime import datetime

import pytest

from sandbox.catalogue_query import compile_search, matches, parse_datetime, parse_query


def test_paging_defaults_and_offset() -> None:
    query = parse_query([])
    assert (query.limit, query.page, query.offset) == (20, 1, 0)
    query = parse_query([("_limit", "50"), ("_page", "3")])
    assert (query.limit, query.page, query.offset) == (50, 3, 100)
    query = parse_query([("_limit", "50"), ("_offset", "120")])
    assert (query.page, query.offset) == (3, 120)
    assert parse_query([("_limit", "abc"), ("_page", "0")]).limit == 20


def test_order_forms_keep_their_sequence() -> None:
    query = parse_query([("_order[@self.updated]", "DESC"), ("_order[naam]", "asc")])
    assert query.order == [(True, "updated", True), (False, "naam", False)]
    assert parse_query([("_order", '{"@self.created": "asc"}')]).order == [(True, "created", False)]
    assert parse_query([("ordering", "-naam")]).order == [(False, "naam", True)]


@pytest.mark.parametrize("name", ["@self[updated][gte]", "@self.updated[gte]", "updated[gte]"])
def test_metadata_filter_spellings(name: str) -> None:
    (flt,) = parse_query([(name, "2026-01-01T00:00:00")]).filters
    assert (flt.meta, flt.path, flt.op) == (True, ("updated",), "gte")


def test_property_filters_and_php_underscore_nesting() -> None:
    filters = parse_query(
        [("naam[~]", "berg"), ("type", "Gemeente"), ("a_b", "1"), ("x[]", "1"), ("x[]", "2")]
    )
    assert [(f.meta, f.path, f.op, f.values) for f in filters.filters] == [
        (False, ("naam",), "~", ("berg",)),
        (False, ("type",), "", ("Gemeente",)),
        (False, ("a", "b"), "", ("1",)),
        (False, ("x",), "and", ("1", "2")),
    ]
    assert parse_query([("page", "2")]).filters[0].path == ("page",)  # a filter, not paging


def test_matching_rules() -> None:
    props = {"naam": "Groningen", "type": ["Gemeente"], "cbsCode": 14, "deelnemers": ["a", "b"]}
    meta = {"updated": datetime(2026, 1, 14, 9, 12, 3), "organisation": "X"}

    def check(name: str, value: str, exact: bool = False) -> bool:
        (flt,) = parse_query([(name, value)]).filters
        return matches(flt, props, meta, exact_meta=exact)

    assert check("naam", "groningen") and not check("naam[===]", "groningen")
    assert check("type", "gemeente") and check("deelnemers", "b") and check("deelnemers[and]", "a,b")
    assert check("cbsCode[gte]", "14") and not check("cbsCode[gt]", "14") and check("cbsCode", "14")
    assert (
        check("missing[null]", "true")
        and check("missing[empty]", "true")
        and not check("missing[exists]", "1")
    )
    assert check("updated[gte]", "2026-01-01") and not check("updated[gte]", "2026-01-01", exact=True)
    assert check("@self[updated][gte]", "2026-01-14T09:12:03", exact=True)
    assert check("organisation", "x") and check("naam[or]", "Utrecht,Groningen")


def test_parse_datetime_forms() -> None:
    assert parse_datetime("2026-01-01") == datetime(2026, 1, 1)
    assert parse_datetime("2026-01-01 10:00:00") == datetime(2026, 1, 1, 10)
    assert parse_datetime("2026-01-01T10:00:00+01:00") == datetime(2026, 1, 1, 9)
    assert parse_datetime("2026-01-01T10:00:00Z") == datetime(2026, 1, 1, 10)
    assert parse_datetime("gisteren") is None


def test_search_terms_wildcards_and_anchors() -> None:
    text = "Zaaksysteem Pro\nGemeente Groningen"
    assert compile_search("zaak groningen")(text)
    assert compile_search("zaak*pro")(text) and compile_search("^gemeente")(text)
    assert not compile_search('"groningen zaak"')(text) and compile_search("gr?ningen$")(text)
