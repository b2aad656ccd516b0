"""Settings: no remote by default; bad values and unknown names name the variable; secrets stay secret."""

from __future__ import annotations

from pathlib import Path

import pytest

from config import ConfigError, load_settings


def test_defaults_name_no_remote_not_even_the_sandbox() -> None:
    settings = load_settings()
    assert settings.catalogue.base_url is None and not settings.catalogue.is_sandbox
    assert settings.github.base_url is None and not settings.github.is_sandbox
    assert settings.store.url.startswith("sqlite:///")
    assert settings.language == "nl"
    assert all(path.is_file() for path in settings.journey.paths)


def test_nested_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SWC_CATALOGUE__BASE_URL", "https://catalogus.example.nl/")
    monkeypatch.setenv("SWC_CATALOGUE__USER", "beheer")
    monkeypatch.setenv("SWC_CATALOGUE__PASSWORD", "app-pass-123")
    monkeypatch.setenv("SWC_LANGUAGE", "en")
    settings = load_settings()
    assert settings.catalogue.base_url == "https://catalogus.example.nl"
    assert not settings.catalogue.is_sandbox
    assert settings.catalogue.password is not None
    assert settings.catalogue.password.get_secret_value() == "app-pass-123"
    assert settings.language == "en"


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("SWC_CATALOGUE__PAGE_SIZE", "lots", "SWC_CATALOGUE__PAGE_SIZE"),
        ("SWC_CATALOGUE__BASE_URL", "ftp://x", "http(s)://"),
        ("SWC_GITHUB__REPO", "no-slash", "owner/name"),
        ("SWC_STORE__URL", "mysql://x", "postgresql"),
        ("SWC_LANGUAGE", "fr", "SWC_LANGUAGE"),
    ],
)
def test_invalid_setting_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert name in info.value.message
    assert expected in info.value.message
    assert info.value.exit_code == 2


def test_secret_never_in_repr_or_error(monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "s3cr3t-app-password"
    monkeypatch.setenv("SWC_CATALOGUE__USER", "beheer@example.nl")
    monkeypatch.setenv("SWC_CATALOGUE__PASSWORD", secret)
    settings = load_settings()
    assert secret not in repr(settings)
    assert secret not in str(settings.model_dump())
    # an invalid neighbour setting: the error must not echo any input value
    monkeypatch.setenv("SWC_GITHUB__TOKEN", "ghp_tokenvalue")
    monkeypatch.setenv("SWC_GITHUB__TIMEOUT", "ghp_tokenvalue")
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert "ghp_tokenvalue" not in str(info.value)


def test_secrets_from_files(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "catalogue__password").write_text("from-a-file")
    monkeypatch.setenv("SWC_SECRETS_DIR", str(tmp_path))
    monkeypatch.setenv("SWC_CATALOGUE__USER", "beheer@example.nl")  # the password comes from the file
    settings = load_settings()
    assert settings.catalogue.password is not None
    assert settings.catalogue.password.get_secret_value() == "from-a-file"


def test_missing_secrets_dir_is_a_config_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SWC_SECRETS_DIR", str(tmp_path / "nope"))
    with pytest.raises(ConfigError, match="SWC_SECRETS_DIR"):
        load_settings()


def test_dotenv_file_is_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("SWC_SYNC__DELETION_BRAKE=0.2\n")
    monkeypatch.chdir(tmp_path)
    assert load_settings().sync.deletion_brake == 0.2


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("SWC_CATALOGUE__SCHEMAS", "{bad", "SWC_CATALOGUE__SCHEMAS is not valid JSON"),
        ("SWC_JOURNEY__PATHS", "notjson", "SWC_JOURNEY__PATHS is not valid JSON"),
        ("SWC_CATALOGUE__PASWORD", "typo", "SWC_CATALOGUE__PASWORD"),
        ("SWC_CATALOGUE__BASE_URL", "https://beheer:geheim@catalogus.example.nl", "user:password@"),
        ("SWC_GITHUB__BASE_URL", "api.github.com", "SWC_GITHUB__BASE_URL"),
    ],
)
def test_malformed_values_are_config_errors(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert expected in info.value.message
    assert "geheim" not in str(info.value)


def test_unrelated_dotenv_lines_are_ignored(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("OTHER_TOOL_TOKEN=abc\nSWC_LANGUAGE=en\n")
    monkeypatch.chdir(tmp_path)
    assert load_settings().language == "en"


@pytest.mark.parametrize(
    ("env", "missing"),
    [
        ({"SWC_CATALOGUE__USER": "beheer@example.nl"}, "SWC_CATALOGUE__PASSWORD"),
        (
            {"SWC_CATALOGUE__USER": "beheer@example.nl", "SWC_CATALOGUE__PASSWORD": ""},
            "SWC_CATALOGUE__PASSWORD",
        ),
        ({"SWC_CATALOGUE__PASSWORD": "app-password-1"}, "SWC_CATALOGUE__USER"),
    ],
)
def test_user_without_password_or_password_without_user_is_refused(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], missing: str
) -> None:
    """Nextcloud serves Basic auth with an empty password as anonymous: a settings error, never a request."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert info.value.exit_code == 2
    assert info.value.params["missing"] == missing and missing in info.value.message
    assert "app-password-1" not in str(info.value)


def test_user_and_password_from_env_and_secret_file_together(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "catalogue__user").write_text("beheer@example.nl")
    monkeypatch.setenv("SWC_SECRETS_DIR", str(tmp_path))
    monkeypatch.setenv("SWC_CATALOGUE__PASSWORD", "app-password-1")
    settings = load_settings()
    assert settings.catalogue.user == "beheer@example.nl"
