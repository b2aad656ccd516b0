"""Pagination classes, tested without HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from config.errors import ConfigError
from connectors.paginators import (
    OffsetPaginator,
    PageNumberPaginator,
    SinglePagePaginator,
    create_paginator,
)


def envelope(page: int, n: int, **extra: Any) -> dict[str, Any]:
    return {"results": [{"id": i} for i in range(n)], "page": page, **extra}


def walk(paginator: PageNumberPaginator, responses: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Feed responses while the paginator wants more; returns the params it asked for."""
    asked = []
    for response in responses:
        if not paginator.has_next_page:
            break
        asked.append(paginator.update_params({"x": 1}))
        paginator.update_state(response)
    return asked


@pytest.mark.parametrize(("total", "limit", "pages"), [(0, 10, 1), (1, 10, 1), (10, 10, 1), (11, 10, 2),
                                                        (3392, 100, 34), (3392, 500, 7)])
def test_page_number_pages_from_total_and_limit(total: int, limit: int, pages: int) -> None:
    paginator = PageNumberPaginator(limit=limit)
    assert paginator.page_count({"total": total}) == pages
    assert paginator.page_count({"total": total, "pages": 99}) == 99  # `pages` wins when given


def test_page_number_uses_the_limit_the_server_applied() -> None:
    assert PageNumberPaginator(limit=500).page_count({"total": 250, "limit": 100}) == 3


def test_page_number_walks_exactly_the_reported_pages() -> None:
    paginator = PageNumberPaginator(limit=2)
    responses = [envelope(1, 2, total=5, pages=3), envelope(2, 2, total=5, pages=3), envelope(3, 1, total=5,
                                                                                              pages=3)]
    asked = walk(paginator, [*responses, envelope(4, 2, total=5, pages=3)])
    assert [a["_page"] for a in asked] == [1, 2, 3]
    assert all(a["_limit"] == 2 and a["x"] == 1 for a in asked)
    assert not paginator.has_next_page


def test_page_number_never_follows_next() -> None:
    paginator = PageNumberPaginator(limit=2)
    broken_next = "/api/objects/voorzieningen/organisatie?_limit=2&_page=1&page=2"
    paginator.update_state(envelope(1, 2, total=4, pages=2, next=broken_next))
    params = paginator.update_params({})
    assert params == {"_limit": 2, "_page": 2}
    assert "page" not in params
    paginator.update_state(envelope(2, 2, total=4, pages=2, next=broken_next))
    assert not paginator.has_next_page  # `next` present, but page 2 of 2 is the last


def test_page_number_stops_on_an_empty_page_even_if_pages_says_more() -> None:
    paginator = PageNumberPaginator(limit=2)
    paginator.update_state(envelope(1, 0, total=10, pages=5))
    assert not paginator.has_next_page


def test_page_number_without_counts_stops_on_a_short_page() -> None:
    paginator = PageNumberPaginator(limit=3)
    asked = walk(paginator, [envelope(1, 3), envelope(2, 3), envelope(3, 1), envelope(4, 3)])
    assert [a["_page"] for a in asked] == [1, 2, 3]


def test_page_number_tolerates_string_counts_and_ignores_garbage() -> None:
    paginator = PageNumberPaginator(limit=10)
    paginator.update_state({"results": [1], "total": "25", "pages": "x", "page": "1"})
    assert paginator.pages == 3 and paginator.has_next_page and paginator.page == 2


def test_offset_paginator() -> None:
    paginator = OffsetPaginator(limit=2)
    assert paginator.update_params({}) == {"_limit": 2, "_offset": 0}
    paginator.update_state({"results": [1, 2], "total": 3})
    assert paginator.has_next_page and paginator.update_params({})["_offset"] == 2
    paginator.update_state({"results": [3], "total": 3})
    assert not paginator.has_next_page


def test_single_page_paginator() -> None:
    paginator = SinglePagePaginator()
    assert paginator.has_next_page and paginator.update_params({"a": 1}) == {"a": 1}
    paginator.update_state({"results": [1]})
    assert not paginator.has_next_page


def test_create_paginator_by_name() -> None:
    paginator = create_paginator("page_number", limit=7)
    assert isinstance(paginator, PageNumberPaginator) and paginator.limit == 7


def test_create_paginator_error_lists_valid_names() -> None:
    with pytest.raises(ConfigError) as info:
        create_paginator("header_link")
    assert "offset" in info.value.message and "page_number" in info.value.message
    assert "single_page" in info.value.message


def test_create_paginator_bad_options_and_limits() -> None:
    with pytest.raises(ConfigError, match="bad options"):
        create_paginator("page_number", size=3)
    with pytest.raises(ConfigError, match="at least 1"):
        PageNumberPaginator(limit=0)
