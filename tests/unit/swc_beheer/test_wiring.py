"""swc_beheer.wiring: settings become a store and a catalogue client; digests carry no secrets."""

from __future__ import annotations

import asyncio
from pathlib import Path

from config.settings import load_settings
from swc_beheer.wiring import open_services, settings_digest


def test_open_services_builds_store_and_client_from_settings(tmp_path: Path) -> None:
    settings = load_settings(
        store={"url": f"sqlite:///{tmp_path}/s.sqlite3"},
        catalogue={
            "base_url": "https://catalogus.example.nl",
            "user": "svc",
            "password": "geheim",
            "page_size": 77,
        },
    )
    with open_services(settings) as services:
        assert services.sandbox is None
        assert services.store.location == str(tmp_path / "s.sqlite3")
        client = services.catalogue_client()
        assert client.page_size == 77 and "geheim" not in repr(client) and "geheim" not in repr(services)
        asyncio.run(client.aclose())


def test_settings_digest_ignores_the_password_but_not_the_source() -> None:
    a = load_settings(catalogue={"base_url": "https://a.example.nl", "user": "u", "password": "one"})
    b = load_settings(catalogue={"base_url": "https://a.example.nl", "user": "u", "password": "two"})
    c = load_settings(catalogue={"base_url": "https://b.example.nl", "user": "u", "password": "one"})
    assert settings_digest(a) == settings_digest(b) != settings_digest(c)
