"""The daemon's log lines: JSON objects (or text on a terminal), with the job and no secret anywhere."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from config import load_settings
from swc_beheer.logs import configure_logging, job_context, uses_json
from swc_beheer.wiring import secret_values

SECRET = "Zeer-Geheim-Wachtwoord-9"


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


def test_auto_is_json_off_a_terminal_and_text_on_one() -> None:
    assert uses_json("auto", io.StringIO()) is True
    assert uses_json("auto", _Tty()) is False
    assert uses_json("json", _Tty()) is True
    assert uses_json("text", io.StringIO()) is False


def test_json_lines_carry_job_and_exception_and_mask_secrets(restore_logging: None) -> None:
    out = io.StringIO()
    assert configure_logging("auto", secrets=[SECRET], stream=out) is True
    log = logging.getLogger("swc.test")
    log.info("plain line")
    with job_context("sync:catalogue"):
        log.warning("catalogue said no to %s", SECRET)
        try:
            raise RuntimeError(f"connect to postgresql://beheer:{SECRET}@db/swc failed")
        except RuntimeError:
            log.exception("job crashed")
    log.debug("below the level")
    lines = out.getvalue().splitlines()
    assert len(lines) == 3
    first, second, third = (json.loads(line) for line in lines)
    assert set(first) == {"time", "level", "logger", "message"}
    assert (first["level"], first["logger"], first["message"]) == ("INFO", "swc.test", "plain line")
    assert first["time"].endswith("+00:00")
    assert (second["level"], second["job"]) == ("WARNING", "sync:catalogue")
    assert second["message"] == "catalogue said no to ***"
    assert third["job"] == "sync:catalogue" and third["level"] == "ERROR"
    assert third["exception"].startswith("Traceback (most recent call last):")
    assert "RuntimeError: connect to postgresql://beheer:***@db/swc failed" in third["exception"]
    assert SECRET not in out.getvalue()


def test_text_on_a_terminal_names_the_job_and_masks_secrets(restore_logging: None) -> None:
    out = _Tty()
    assert configure_logging("auto", secrets=[SECRET], stream=out) is False
    with job_context("reconcile:run"):
        logging.getLogger("swc.daemon").error("failed with %s", SECRET)
    line = out.getvalue().strip()
    assert line.endswith(" ERROR swc.daemon [reconcile:run]: failed with ***")
    assert not line.startswith("{")


def test_secret_values_cover_every_secret_setting() -> None:
    settings = load_settings(
        catalogue={"base_url": "https://catalogue.example", "user": "u", "password": "cat-pass-1"},
        github={"token": "ghp_token_2"},
        store={"url": "postgresql+psycopg://beheer:url-pass-3@db/swc"},
        digest={"smtp_password": "smtp-pass-4"},
    )
    assert set(secret_values(settings)) >= {"cat-pass-1", "ghp_token_2", "url-pass-3", "smtp-pass-4"}
    separate = load_settings(store={"url": "postgresql+psycopg://beheer@db/swc", "password": "pw-kept-5"})
    assert "pw-kept-5" in secret_values(separate)
