"""`swc-beheer digest preview|send|outbox` on the real Typer app (file channel: no sockets)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from swc_beheer.cli import app


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "digests"
    monkeypatch.setenv("SWC_STORE__URL", f"sqlite:///{tmp_path / 'store.sqlite3'}")
    monkeypatch.setenv("SWC_REPORTS_DIR", str(tmp_path / "reports"))
    monkeypatch.setenv(
        "SWC_DIGEST__CHANNELS", json.dumps([{"name": "archief", "kind": "file", "directory": str(folder)}])
    )
    return folder


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def test_preview_send_and_outbox(env: Path) -> None:
    code, out = _run("digest", "preview", "--channel", "archief", "--format", "md")
    assert code == 0 and out.startswith("Niets nieuws in de Softwarecatalogus sinds ")
    code, out = _run("digest", "send", "--dry-run")
    assert code == 0 and out.startswith("archief: compose archief:") and not env.exists()
    code, out = _run("digest", "send")
    assert code == 0 and "1 samengesteld, 1 afgeleverd, 0 later opnieuw, 0 mislukt" in out
    assert len(list(env.glob("digest-archief-*.html"))) == 1
    code, out = _run("digest", "send")
    assert code == 0 and "0 samengesteld, 0 afgeleverd" in out
    code, out = _run("digest", "outbox")
    assert code == 0 and "Niets in de wachtrij" in out
    code, out = _run("digest", "outbox", "--all")
    assert code == 0 and "delivered" in out


def test_an_unknown_channel_is_named(env: Path) -> None:
    result = CliRunner().invoke(app, ["digest", "preview", "--channel", "nope"])
    assert result.exit_code == 2 and "No digest channel 'nope'" in result.output
