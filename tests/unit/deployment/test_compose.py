"""docker-compose.yml and the Dockerfile, read as files (docker is absent in CI).

Compose's variable interpolation (`${VAR}`, `${VAR:-default}`, `${VAR:?message}`) is applied here the way
the Compose specification describes it, so the test sees what `docker compose config` would.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from config import load_settings

ROOT = Path(__file__).resolve().parents[3]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
APP = COMPOSE["services"]["swc-beheer"]
DB = COMPOSE["services"]["db"]

_VARIABLE = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


class InterpolationError(Exception):
    pass


def interpolate(value: Any, env: dict[str, str]) -> Any:
    """Compose interpolation over a loaded YAML value (strings only), as in the Compose specification."""
    if isinstance(value, dict):
        return {key: interpolate(item, env) for key, item in value.items()}
    if isinstance(value, list):
        return [interpolate(item, env) for item in value]
    if not isinstance(value, str):
        return value

    def one(match: re.Match[str]) -> str:
        name, op, arg = match["name"], match["op"], match["arg"]
        current = env.get(name)
        unset_or_empty = not current
        if op in (":?", "?") and (current is None or (op == ":?" and unset_or_empty)):
            raise InterpolationError(f"required variable {name} is missing a value: {arg}")
        if op in (":-", "-") and (current is None or (op == ":-" and unset_or_empty)):
            return arg
        return current or ""

    return _VARIABLE.sub(one, value)


def test_without_settings_compose_config_fails_naming_the_catalogue_url() -> None:
    with pytest.raises(InterpolationError) as info:
        interpolate(COMPOSE, {})
    assert "SWC_CATALOGUE__BASE_URL" in str(info.value) and "https://" in str(info.value)
    with pytest.raises(InterpolationError, match="SWC_CATALOGUE__USER"):
        interpolate(COMPOSE, {"SWC_CATALOGUE__BASE_URL": "https://catalogus.example.nl"})


def test_no_sandbox_default_anywhere() -> None:
    text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    defaults = re.findall(r"\$\{[A-Z_]+:?-([^}]*)\}", text)
    assert defaults and not any("sandbox" in value for value in defaults)
    resolved = interpolate(
        APP["environment"], {"SWC_CATALOGUE__BASE_URL": "https://c.example.nl", "SWC_CATALOGUE__USER": "u"}
    )
    assert "sandbox" not in " ".join(map(str, resolved.values()))
    assert (
        resolved["SWC_STORE__URL"].startswith("postgresql+psycopg://")
        and "@db:" in resolved["SWC_STORE__URL"]
    )


def test_the_resolved_environment_and_secrets_load_as_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the container sees (environment + secret files under SWC_SECRETS_DIR) is a valid Settings."""
    env = interpolate(
        APP["environment"], {"SWC_CATALOGUE__BASE_URL": "https://c.example.nl", "SWC_CATALOGUE__USER": "u"}
    )
    secrets_dir = tmp_path / "swc"
    secrets_dir.mkdir()
    values = {"db_password": "pg-geheim", "catalogue_password": "app-geheim", "github_token": "ghp_geheim"}
    for entry in APP["secrets"]:
        target = Path(entry["target"])
        assert target.parent == Path(env["SWC_SECRETS_DIR"]), entry  # inside the directory the app reads
        (secrets_dir / target.name).write_text(values[entry["source"]] + "\n")
    for name, value in env.items():
        monkeypatch.setenv(name, str(value))
    monkeypatch.setenv("SWC_SECRETS_DIR", str(secrets_dir))
    settings = load_settings()
    assert settings.catalogue.base_url == "https://c.example.nl" and settings.catalogue.user == "u"
    assert settings.github.base_url == "https://api.github.com"
    assert settings.store.password is not None and settings.store.password.get_secret_value() == "pg-geheim"
    assert (
        settings.catalogue.password is not None
        and settings.catalogue.password.get_secret_value() == "app-geheim"
    )
    assert settings.github.token is not None and settings.github.token.get_secret_value() == "ghp_geheim"
    assert settings.daemon.host == "0.0.0.0"


def test_the_postgres_password_is_one_secret_used_by_both_services() -> None:
    assert COMPOSE["secrets"]["db_password"] == {"file": "./secrets/db_password"}
    assert DB["environment"]["POSTGRES_PASSWORD_FILE"] == "/run/secrets/db_password"
    assert "db_password" in DB["secrets"]
    app_sources = {entry["source"]: entry["target"] for entry in APP["secrets"]}
    assert app_sources["db_password"].endswith("/store__password")
    text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    assert "POSTGRES_PASSWORD:" not in text and ":swc@" not in text  # no password inline anywhere
    assert all("file" in secret for secret in COMPOSE["secrets"].values())


def test_both_services_have_health_checks() -> None:
    assert "pg_isready" in " ".join(DB["healthcheck"]["test"])
    probe = " ".join(APP["healthcheck"]["test"])
    assert "/healthz" in probe and ":8765/" in probe
    assert str(APP["environment"]["SWC_DAEMON__PORT"]) == "8765"
    assert APP["depends_on"]["db"]["condition"] == "service_healthy"


def test_data_and_reports_live_in_named_volumes() -> None:
    named = set(COMPOSE["volumes"])
    assert {"pgdata", "reports", "data"} <= named
    mounts = dict(volume.split(":", 1) for volume in APP["volumes"])
    assert mounts["reports"] == APP["environment"]["SWC_REPORTS_DIR"]
    assert APP["environment"]["SWC_RECONCILE__REFERENCE_DIR"].startswith(mounts["data"])
    assert DB["volumes"] == ["pgdata:/var/lib/postgresql/data"]
    # no bind mount of a host folder: every volume source is a named volume
    for service in (APP, DB):
        assert all(volume.split(":", 1)[0] in named for volume in service["volumes"])


def test_the_image_runs_the_daemon_by_default() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")  # join continued lines
    lines = [" ".join(line.split()) for line in text.splitlines()]
    instructions = [line for line in lines if line and not line.startswith("#")]
    assert 'ENTRYPOINT ["swc-beheer"]' in instructions
    assert [line for line in instructions if line.startswith("CMD")] == ['CMD ["serve"]']
    assert any(line.startswith("HEALTHCHECK") for line in instructions)
    assert APP["command"] == ["serve"]
