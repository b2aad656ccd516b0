"""Integration fixtures: the sandbox catalogue on a real socket (127.0.0.1, free port), reusable by all areas.

* ``sandbox_dataset`` (session): ``generate(size="tiny")`` — every planted problem, ~10% of the counts.
* ``sandbox_dataset_full`` (session): ``generate()`` at scale 1 (~50,000 objects); use sparingly.
* ``make_catalogue_server(dataset=None, faults=None, **app_options)``: start a server (stopped after the
  test); options as ``sandbox.catalogue.create_app`` (``updated_filter``, ``next_links``, ``anonymous``,
  ``strip_empty``, ``users``, ``shuffle_seed``).
* ``catalogue_server``: one server over ``sandbox_dataset``; parametrise options indirectly with
  ``@pytest.mark.parametrize("catalogue_server", [{"updated_filter": "exact"}], indirect=True)``.

The yielded ``CatalogueServer`` has ``.url`` (base URL, as for ``SWC_CATALOGUE__BASE_URL``), ``.api``
(url + ``/index.php/apps/openregister/api``), ``.state`` (``CatalogueState``: mutate, count requests),
``.user``, ``.password`` and ``.client()`` (an ``httpx.Client`` with Basic auth, closed after the test).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from sandbox.catalogue import (
    API_PREFIXES,
    DEFAULT_PASSWORD,
    DEFAULT_USER,
    CatalogueState,
    create_app,
)
from sandbox.datagen import Dataset, generate
from sandbox.faults import FaultPlan
from sandbox.server import ServerHandle, serve_in_thread


@dataclass
class CatalogueServer:
    """A running sandbox catalogue and what a test needs to talk to it."""

    url: str
    state: CatalogueState
    handle: ServerHandle
    user: str = DEFAULT_USER
    password: str = DEFAULT_PASSWORD
    _clients: list[httpx.Client] = field(default_factory=list, repr=False)

    @property
    def api(self) -> str:
        return self.url + API_PREFIXES[0]

    def objects_url(self, schema: str, object_id: str | None = None) -> str:
        base = f"{self.api}/objects/voorzieningen/{schema}"
        return f"{base}/{object_id}" if object_id else base

    def client(self, **kwargs: Any) -> httpx.Client:
        kwargs.setdefault("auth", (self.user, self.password))
        kwargs.setdefault("timeout", 10.0)
        client = httpx.Client(**kwargs)
        self._clients.append(client)
        return client

    def close(self) -> None:
        for client in self._clients:
            client.close()
        self.handle.stop()


@pytest.fixture(scope="session")
def sandbox_dataset() -> Dataset:
    return generate(size="tiny")


@pytest.fixture(scope="session")
def sandbox_dataset_full() -> Dataset:
    return generate()


@pytest.fixture
def make_catalogue_server(sandbox_dataset: Dataset) -> Iterator[Callable[..., CatalogueServer]]:
    started: list[CatalogueServer] = []

    def make(dataset: Any = None, faults: FaultPlan | None = None, **app_options: Any) -> CatalogueServer:
        state = CatalogueState(sandbox_dataset if dataset is None else dataset)
        users = app_options.get("users") or {DEFAULT_USER: DEFAULT_PASSWORD}
        user, password = next(iter(users.items()))
        handle = serve_in_thread(create_app(state, faults=faults, **app_options))
        server = CatalogueServer(url=handle.url, state=state, handle=handle, user=user, password=password)
        started.append(server)
        return server

    yield make
    for server in started:
        server.close()


@pytest.fixture
def catalogue_server(
    make_catalogue_server: Callable[..., CatalogueServer], request: pytest.FixtureRequest
) -> CatalogueServer:
    options: dict[str, Any] = dict(getattr(request, "param", None) or {})
    return make_catalogue_server(**options)
