"""`swc-beheer sandbox generate` and the error paths of `sandbox serve` (no server is started)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from sandbox.datagen import Dataset
from swc_beheer.cli import app

runner = CliRunner()


def test_generate_writes_a_loadable_dataset(tmp_path: Path) -> None:
    out = tmp_path / "tiny.json"
    result = runner.invoke(
        app, ["sandbox", "generate", "--size", "tiny", "--out", str(out)], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    assert Dataset.load(out).ground_truth


def test_serve_with_a_broken_data_file_names_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "swc-sandbox/1",\n "objects": {"organisatie": [}\n', encoding="utf-8")
    result = runner.invoke(
        app, ["sandbox", "serve", "--data", str(bad), "--port", "0"], catch_exceptions=False
    )
    assert result.exit_code == 2
    assert f"{bad}:2:" in result.output.replace("\n", "") and "Traceback" not in result.output


def test_serve_with_a_bad_fault_spec(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["sandbox", "serve", "--size", "tiny", "--faults", "5xx=9", "--port", "0"],
        catch_exceptions=False,
    )
    assert result.exit_code == 2 and "--faults" in result.output
