"""docs/configuration.md is generated from the Settings model and names every setting with its variable."""

from __future__ import annotations

from pathlib import Path

from swc_beheer.settings_docs import render_configuration

DOC = Path(__file__).resolve().parent.parent / "docs" / "configuration.md"


def test_docs_configuration_md_matches_the_settings_model() -> None:
    """Regenerate: `python -m swc_beheer.settings_docs > docs/configuration.md`."""
    assert DOC.read_text(encoding="utf-8").split() == render_configuration().split()


def test_every_setting_is_documented_with_a_description() -> None:
    from config.settings import Settings

    text = render_configuration()
    for section, field in Settings.model_fields.items():
        nested = getattr(field.annotation, "model_fields", None)
        fields = nested if nested is not None else {section: field}
        prefix = f"SWC_{section.upper()}__" if nested is not None else "SWC_"
        for name, sub in fields.items():
            variable = prefix + name.upper()
            assert f"| `{variable}` |" in text, variable
            assert (sub.description or "").strip(), f"{variable} has no description"
    assert "| `SWC_CATALOGUE__PASSWORD` | — | *secret*;" in text
    assert "| `SWC_SCHEDULE__TIMEZONE` | `Europe/Amsterdam` |" in text
    assert "| `SWC_CATALOGUE__BASE_URL` | — |" in text  # no sandbox default
