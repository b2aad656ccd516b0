"""A store's URL may carry a password: its repr never shows it."""

from __future__ import annotations

from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from store.base import Store

URL = "postgresql+psycopg://beheer:Geheim-Wachtwoord-42@db.example.invalid:5432/swc"


def test_repr_masks_the_password() -> None:
    engine = create_engine(URL)  # lazy: nothing connects
    store = Store(engine=engine, sessions=sessionmaker(engine), url=URL)
    try:
        shown = repr(store)
        assert "Geheim-Wachtwoord-42" not in shown
        assert shown == "Store(url='postgresql+psycopg://beheer:***@db.example.invalid:5432/swc')"
        assert "Geheim-Wachtwoord-42" not in f"{store!s} {[store]!r} {dict(s=store)!r}"
    finally:
        engine.dispose()
