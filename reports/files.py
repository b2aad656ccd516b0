"""Writing reports to disk: atomically (temp file + rename), readable like any file the user creates, with
a stable name (`usage.html`) plus a dated copy in `archive/` (`archive/usage-2026-12-04.html`)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from config.errors import SwcError
from reports.model import Format, Report

__all__ = ["OutputError", "render_files", "write_output", "write_report_files"]


class OutputError(SwcError):
    """A report could not be written where the user asked."""


def write_output(path: Path, content: str | bytes) -> Path:
    """Write `content` to `path` (parents created); a half-written report never replaces a good one."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; a report is meant to be read by others
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise OutputError(
            f"Cannot write {path}: {exc.strerror or exc}", hint="choose a directory you can write to"
        ) from exc
    return path


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current


def render_files(report: Report, fmt: Format) -> dict[str, str | bytes]:
    """File name -> content of `report` in `fmt` (CSV: one file per table, `<name>-<table>.csv`)."""
    from reports.render import render_csv, render_html, render_json, render_markdown, render_xlsx

    if fmt == "csv":
        return {f"{report.name}-{key}.csv": text for key, text in render_csv(report).items()}
    content: str | bytes
    if fmt == "md":
        content = render_markdown(report)
    elif fmt == "html":
        content = render_html(report)
    elif fmt == "xlsx":
        content = render_xlsx(report)
    else:
        content = render_json(report)
    return {f"{report.name}.{fmt}": content}


def write_report_files(
    report: Report, directory: Path, formats: Iterable[Format], *, day: date | None = None
) -> list[Path]:
    """Write `report` in each format under its stable name, and a dated copy in `directory/archive/`."""
    stamp = (day or report.generated_at.date()).isoformat()
    written: list[Path] = []
    for fmt in dict.fromkeys(formats):
        for name, content in render_files(report, fmt).items():
            written.append(write_output(directory / name, content))
            stem, _, suffix = name.rpartition(".")
            write_output(directory / "archive" / f"{stem}-{stamp}.{suffix}", content)
    return written
