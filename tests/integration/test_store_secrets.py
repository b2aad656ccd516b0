"""Opening a store whose URL carries a password: errors and reprs never show that password."""

from __future__ import annotations

import socket
import traceback

import pytest

from store.base import StoreError, open_store

pytestmark = pytest.mark.integration

PASSWORD = "Geheim-Wachtwoord-42"


def _closed_port() -> int:
    with socket.socket() as probe:  # bound, then closed: nothing listens there
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_an_unreachable_store_error_never_shows_the_password() -> None:
    url = f"postgresql+psycopg://beheer:{PASSWORD}@127.0.0.1:{_closed_port()}/swc"
    with pytest.raises(StoreError) as caught:
        open_store(url)
    error = caught.value
    assert "127.0.0.1" in error.message and "unreachable" in error.message
    shown = " ".join([error.message, str(error.hint), repr(error), str(error)])
    assert PASSWORD not in shown
    assert "beheer:***@" in error.message
    # the chained driver error (logged at debug level) does not carry it either
    assert PASSWORD not in "".join(traceback.format_exception(error))


@pytest.mark.postgres
def test_an_open_postgres_store_repr_never_shows_the_password() -> None:
    # the test server trusts every local connection, so any password opens it
    store = open_store(f"postgresql+psycopg://postgres:{PASSWORD}@127.0.0.1:5432/test", upgrade=False)
    try:
        assert PASSWORD not in repr(store) and PASSWORD not in repr(store.engine)
        assert PASSWORD not in store.location
    finally:
        store.close()
