"""Every SWC_* name must be a setting: a misspelt one is an error naming the closest valid name."""

from __future__ import annotations

from pathlib import Path

import pytest

from config import ConfigError, load_settings


@pytest.mark.parametrize(
    ("name", "suggestion"),
    [
        ("SWC_CATALOG__BASE_URL", "did you mean SWC_CATALOGUE__BASE_URL"),
        ("SWC_CATALOGUE__BASEURL", "did you mean SWC_CATALOGUE__BASE_URL"),
        ("SWC_GITHUB_TOKEN", "did you mean SWC_GITHUB__TOKEN"),
        ("SWC_STORE_URL", "did you mean SWC_STORE__URL"),
        ("SWC_LANGUGE", "did you mean SWC_LANGUAGE"),
        ("SWC_SYNC__INTERVAL_SECONDS", "replaced by SWC_SCHEDULE__SYNC_CRON"),
    ],
)
def test_unknown_variable_is_an_error_with_the_closest_name(
    monkeypatch: pytest.MonkeyPatch, name: str, suggestion: str
) -> None:
    monkeypatch.setenv(name, "https://geheim.example.nl")
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert info.value.exit_code == 2
    assert name in info.value.message and suggestion in info.value.message
    assert "geheim" not in str(info.value)  # the value may be a secret: never echoed


def test_unknown_name_in_dotenv_names_the_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("OTHER_TOOL=1\nSWC_CATALOGUE__USR=beheer\n")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert "SWC_CATALOGUE__USR" in info.value.message and ".env" in info.value.message
    assert "SWC_CATALOGUE__USER" in info.value.message


def test_unknown_secret_file_is_an_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "catalogue__pasword").write_text("x")
    monkeypatch.setenv("SWC_SECRETS_DIR", str(tmp_path))
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert "catalogue__pasword" in info.value.message and "SWC_CATALOGUE__PASSWORD" in info.value.message


def test_map_entries_and_loader_variables_are_accepted(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SWC_CATALOGUE__SCHEMAS__ORGANISATION", "organisaties")
    monkeypatch.setenv("SWC_SECRETS_DIR", str(tmp_path))
    monkeypatch.setenv("SWC_TEST_PG_URL", "postgresql://x")
    monkeypatch.setenv("swc_language", "en")  # names are case-insensitive, as pydantic-settings reads them
    settings = load_settings()
    assert settings.catalogue.schemas["organisation"] == "organisaties"
    assert settings.language == "en"


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("SWC_SCHEDULE__SYNC_CRON", "hourly", "SWC_SCHEDULE__SYNC_CRON"),
        ("SWC_SCHEDULE__TIMEZONE", "Mars/Olympus", "SWC_SCHEDULE__TIMEZONE"),
    ],
)
def test_bad_schedule_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert expected in info.value.message
