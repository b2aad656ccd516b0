"""Every command has a docstring and every option a help text, and `--help` works without any settings."""

from __future__ import annotations

from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

from swc_beheer.cli import app

ROOT = typer.main.get_command(app)


def _commands(group: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    # typer vendors its own click; walk groups by duck typing rather than importing click
    found = [(path, group)]
    if hasattr(group, "commands"):
        for name, command in group.commands.items():
            found.extend(_commands(command, (*path, name)))
    return found


COMMANDS = _commands(ROOT)


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[" ".join(p) or "root" for p, _ in COMMANDS])
def test_command_and_options_are_documented(path: tuple[str, ...], command: Any) -> None:
    assert (command.help or "").strip(), f"`swc-beheer {' '.join(path)}` has no help text"
    undocumented = [
        param.name
        for param in command.params
        if getattr(param, "param_type_name", "") == "option"
        and param.name != "help"
        and not (param.help or "").strip()
    ]
    assert undocumented == [], f"`swc-beheer {' '.join(path)}` options without help: {undocumented}"


@pytest.mark.parametrize("path", [p for p, _ in COMMANDS], ids=[" ".join(p) or "root" for p, _ in COMMANDS])
def test_help_works_with_broken_settings(path: tuple[str, ...], monkeypatch: pytest.MonkeyPatch) -> None:
    # settings are loaded inside commands, so --help must not trip over a bad configuration
    monkeypatch.setenv("SWC_CATALOGUE__PAGE_SIZE", "not-a-number")
    result = CliRunner().invoke(app, [*path, "--help"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


def test_bad_setting_gives_one_clear_error_and_exit_2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SWC_CATALOGUE__PAGE_SIZE", "not-a-number")
    result = CliRunner().invoke(app, ["sync"], catch_exceptions=False)
    assert result.exit_code == 2
    assert "SWC_CATALOGUE__PAGE_SIZE" in result.output
    assert "Traceback" not in result.output


def test_docs_cli_md_matches_the_help_texts() -> None:
    """docs/cli.md is generated from --help; regenerate: `python -m swc_beheer.cli_docs > docs/cli.md`."""
    from pathlib import Path

    from swc_beheer.cli_docs import render_cli_reference

    def words(text: str) -> list[str]:
        return text.split()  # box drawing and padding may differ by terminal; the words may not

    stored = (Path(__file__).resolve().parent.parent / "docs" / "cli.md").read_text(encoding="utf-8")
    assert words(stored) == words(render_cli_reference())
