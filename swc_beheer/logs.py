"""The daemon's logs: one JSON object per line for a log collector, or readable text on a terminal.

`configure_logging(fmt, secrets=...)` replaces the root handlers with one stderr handler. "auto" writes
JSON unless stderr is a terminal. A JSON line holds `time` (UTC, ISO 8601), `level`, `logger`,
`message`, `job` (the daemon job that was running, when there was one) and `exception` (the traceback
text, when the record has one).

Every line, JSON or text, goes through `redact`: each secret value the settings hold (passwords, tokens,
the store URL's password) is replaced by `***` wherever it appears, in messages and tracebacks alike. The
code does not put secrets in messages to begin with; this is the net under a bug that would.
"""

from __future__ import annotations

import contextvars
import json
import logging
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Literal, TextIO

__all__ = ["LogFormat", "JsonFormatter", "configure_logging", "daemon_logging", "job_context", "uses_json"]

LogFormat = Literal["auto", "json", "text"]
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s%(job_suffix)s: %(message)s"
REDACTED = "***"
_MIN_SECRET = 4  # shorter values (a "0", a port) would mask innocent text and hide nothing worth hiding

# The daemon job running in this thread (and the tasks and worker threads it starts, which copy the context).
_current_job: contextvars.ContextVar[str | None] = contextvars.ContextVar("swc_job", default=None)


@contextmanager
def job_context(job_id: str) -> Iterator[None]:
    """Log records made inside carry `job_id` (the JSON `job` field; `[job]` in text)."""
    token = _current_job.set(job_id)
    try:
        yield
    finally:
        _current_job.reset(token)


class _Redactor:
    def __init__(self, secrets: Iterable[str]) -> None:
        # longest first: a secret that contains another is masked whole
        self.secrets = sorted({s for s in secrets if len(s) >= _MIN_SECRET}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        return text


class _JobFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        job = getattr(record, "job_id", None) or _current_job.get()
        record.job_id = job  # LogRecord takes extra attributes
        record.job_suffix = f" [{job}]" if job else ""
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line (newlines in messages and tracebacks are escaped)."""

    def __init__(self, redact: _Redactor | None = None) -> None:
        super().__init__()
        self._redact = redact or _Redactor(())

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": self._redact(record.getMessage()),
        }
        job = getattr(record, "job_id", None)
        if job:
            entry["job"] = job
        if record.exc_info:
            entry["exception"] = self._redact(self.formatException(record.exc_info))
        elif record.exc_text:
            entry["exception"] = self._redact(record.exc_text)
        if record.stack_info:
            entry["stack"] = self._redact(self.formatStack(record.stack_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


class _TextFormatter(logging.Formatter):
    def __init__(self, redact: _Redactor) -> None:
        super().__init__(TEXT_FORMAT)
        self._redact = redact

    def format(self, record: logging.LogRecord) -> str:
        return self._redact(super().format(record))


def uses_json(fmt: LogFormat, stream: TextIO) -> bool:
    """Whether `fmt` means JSON on `stream`: "auto" is JSON unless the stream is a terminal."""
    if fmt == "auto":
        isatty = getattr(stream, "isatty", None)
        return not (isatty is not None and isatty())
    return fmt == "json"


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever sys.stderr is at the time (a test runner swaps it; a stale one may be closed)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass


def configure_logging(
    fmt: LogFormat,
    *,
    level: int = logging.INFO,
    secrets: Iterable[str] = (),
    stream: TextIO | None = None,
) -> bool:
    """Send every log record to `stream` (default: stderr) as JSON or text, secrets masked.

    Returns True for JSON. Replaces the root logger's handlers (see `daemon_logging` to have them back).
    """
    as_json = uses_json(fmt, stream if stream is not None else sys.stderr)
    redact = _Redactor(secrets)
    handler = logging.StreamHandler(stream) if stream is not None else _StderrHandler()
    handler.addFilter(_JobFilter())
    handler.setFormatter(JsonFormatter(redact) if as_json else _TextFormatter(redact))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # APScheduler says "Running job ..." at INFO for every run; our job wrapper already logs each outcome
    logging.getLogger("apscheduler").setLevel(max(level, logging.WARNING))
    # Alembic says "Context impl ..." and its plugins at INFO each time a job opens the store
    logging.getLogger("alembic").setLevel(max(level, logging.WARNING))
    return as_json


@contextmanager
def daemon_logging(
    fmt: LogFormat, *, level: int = logging.INFO, secrets: Iterable[str] = ()
) -> Iterator[bool]:
    """`configure_logging` for the daemon's lifetime; the logging set-up before it comes back afterwards."""
    root, quieted = logging.getLogger(), [logging.getLogger(name) for name in ("apscheduler", "alembic")]
    handlers, root_level, quieted_levels = list(root.handlers), root.level, [q.level for q in quieted]
    logging.captureWarnings(True)  # a Python warning becomes a log line (JSON too), not bare stderr text
    try:
        yield configure_logging(fmt, level=level, secrets=secrets)
    finally:
        logging.captureWarnings(False)
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(root_level)
        for logger, quieted_level in zip(quieted, quieted_levels, strict=True):
            logger.setLevel(quieted_level)
