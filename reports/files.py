"""Writing a report to disk: atomically (temp file + rename), with a clear error naming the path."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from config.errors import SwcError

__all__ = ["OutputError", "write_output"]


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
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise OutputError(
            f"Cannot write {path}: {exc.strerror or exc}", hint="choose a directory you can write to"
        ) from exc
    return path
