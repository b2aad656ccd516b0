"""Pagination styles as small classes (dlt's pattern): read a response, say whether and how to go on."""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from typing import Any

from config.errors import ConfigError

__all__ = [
    "BasePaginator",
    "PageNumberPaginator",
    "OffsetPaginator",
    "SinglePagePaginator",
    "PAGINATORS",
    "create_paginator",
    "count_problem",
    "envelope_int",
    "COUNT_PROBLEMS",
]

# Ways a list page's counts can contradict its rows (OpenRegister's count query answers 0 on any error while
# the rows still arrive, and `pages` is computed from that count; catalogue-api.md §8).
COUNT_PROBLEMS = ("total_zero", "pages_zero", "total_below_rows", "pages_below_page")

_Params = dict[str, Any]


def envelope_int(value: Any) -> int | None:
    """A non-negative int from an envelope field (int or numeric string); None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, float) and value.is_integer() and value >= 0:
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _results(response_json: Any, key: str) -> list[Any]:
    if isinstance(response_json, dict):
        items = response_json.get(key)
        if isinstance(items, list):
            return items
    return []


def count_problem(envelope: Any, *, page: int, limit: int, base_page: int = 1) -> str | None:
    """Why a page's `total`/`pages` cannot be trusted (one of COUNT_PROBLEMS), or None when they agree.

    A page with rows needs `total` ≥ offset + rows and `pages` ≥ this page (so both > 0); absent counts are
    no contradiction (the caller then pages until a short page anyway).
    """
    rows = len(_results(envelope, "results"))
    if not rows or not isinstance(envelope, dict):
        return None
    total = envelope_int(envelope.get("total"))
    pages = envelope_int(envelope.get("pages"))
    if total == 0:
        return "total_zero"
    if pages == 0:
        return "pages_zero"
    if total is not None and total < (page - base_page) * limit + rows:
        return "total_below_rows"
    if pages is not None and pages < page - base_page + 1:
        return "pages_below_page"
    return None


class BasePaginator(ABC):
    """One pagination style: `update_state` after each response, `update_params` before each request."""

    def __init__(self) -> None:
        self.has_next_page = True

    @abstractmethod
    def update_state(self, response_json: Any) -> None:
        """Read the envelope of the page just received; sets `has_next_page`."""

    @abstractmethod
    def update_params(self, params: _Params) -> _Params:
        """The query parameters for the next request (a new dict; `params` is not changed)."""


class PageNumberPaginator(BasePaginator):
    """`_page`/`_limit` paging; pages come from `pages`, else `total`/`limit`. `next` is NEVER followed.

    OpenRegister's `next` link appends `page=` (no underscore), which the server treats as a property filter,
    or is the unchanged URL. Once a page's counts contradict its rows (`count_problem`), the counts are
    no longer believed: paging goes on until a short or empty page.
    """

    def __init__(
        self,
        *,
        limit: int,
        page_param: str = "_page",
        limit_param: str = "_limit",
        base_page: int = 1,
        results_key: str = "results",
    ) -> None:
        super().__init__()
        if limit < 1:
            raise ConfigError(f"page size must be at least 1, got {limit}")
        self.limit = limit
        self.page_param = page_param
        self.limit_param = limit_param
        self.base_page = base_page
        self.results_key = results_key
        self.page = base_page  # the page the next request asks for
        self.total: int | None = None  # last `total` seen
        self.pages: int | None = None  # last page count seen or computed
        self.count_problem: str | None = None  # the first contradiction between counts and rows

    def params_for(self, page: int) -> _Params:
        """Query parameters for an arbitrary page (used to fetch pages concurrently)."""
        return {self.limit_param: self.limit, self.page_param: page}

    def update_state(self, response_json: Any) -> None:
        results = _results(response_json, self.results_key)
        envelope = response_json if isinstance(response_json, dict) else {}
        current = envelope_int(envelope.get("page")) or self.page
        self.total = envelope_int(envelope.get("total"))
        self.pages = self.page_count(envelope)
        limit = envelope_int(envelope.get("limit")) or self.limit
        problem = count_problem(envelope, page=current, limit=limit, base_page=self.base_page)
        self.count_problem = self.count_problem or problem
        if not results:
            self.has_next_page = False
        elif self.count_problem is not None:  # counts not to be trusted: a short page is the last one
            self.has_next_page = len(results) >= limit
        elif self.pages is not None:
            self.has_next_page = current - self.base_page + 1 < self.pages
        else:  # no counts at all: a short page is the last one
            self.has_next_page = len(results) >= self.limit
        self.page = current + 1

    def page_count(self, envelope: dict[str, Any]) -> int | None:
        """Pages in the listing: `pages` if given, else ceil(total / limit) with the limit the server used."""
        pages = envelope_int(envelope.get("pages"))
        if pages is not None:
            return pages
        total = envelope_int(envelope.get("total"))
        if total is None:
            return None
        limit = envelope_int(envelope.get("limit")) or self.limit
        return max(1, math.ceil(total / limit))

    def update_params(self, params: _Params) -> _Params:
        return {**params, **self.params_for(self.page)}


class OffsetPaginator(BasePaginator):
    """`_offset`/`_limit` paging: go on while offset + len(results) < total (or while pages are full)."""

    def __init__(
        self,
        *,
        limit: int,
        offset_param: str = "_offset",
        limit_param: str = "_limit",
        results_key: str = "results",
    ) -> None:
        super().__init__()
        if limit < 1:
            raise ConfigError(f"page size must be at least 1, got {limit}")
        self.limit = limit
        self.offset_param = offset_param
        self.limit_param = limit_param
        self.results_key = results_key
        self.offset = 0
        self.total: int | None = None

    def update_state(self, response_json: Any) -> None:
        results = _results(response_json, self.results_key)
        envelope = response_json if isinstance(response_json, dict) else {}
        self.total = envelope_int(envelope.get("total"))
        self.offset += len(results)
        if not results:
            self.has_next_page = False
        elif self.total is not None:
            self.has_next_page = self.offset < self.total
        else:
            self.has_next_page = len(results) >= self.limit

    def update_params(self, params: _Params) -> _Params:
        return {**params, self.limit_param: self.limit, self.offset_param: self.offset}


class SinglePagePaginator(BasePaginator):
    """One request, no paging (single objects, small lists)."""

    def update_state(self, response_json: Any) -> None:
        self.has_next_page = False

    def update_params(self, params: _Params) -> _Params:
        return dict(params)


PAGINATORS: dict[str, type[BasePaginator]] = {
    "page_number": PageNumberPaginator,
    "offset": OffsetPaginator,
    "single_page": SinglePagePaginator,
}


def create_paginator(name: str, **options: Any) -> BasePaginator:
    """The paginator registered under `name`, built with `options`; the error lists the valid names."""
    try:
        cls = PAGINATORS[name]
    except KeyError:
        valid = ", ".join(sorted(PAGINATORS))
        raise ConfigError(f"unknown paginator {name!r}; valid names: {valid}") from None
    try:
        return cls(**options)
    except TypeError as exc:
        raise ConfigError(f"paginator {name!r}: bad options {sorted(options)} ({exc})") from None
