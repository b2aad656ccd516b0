"""Job functions for the child-process tests: importable by name, as a spawned child needs them."""

from __future__ import annotations

import os
import time
from pathlib import Path

from config.errors import SwcError
from store.runs import SyncAborted


def ok(word: str) -> tuple[str, str]:
    return "success", f"{word} from {os.getpid()}"


def expected_failure() -> tuple[str, str]:
    raise SwcError("catalogue unreachable")


def held_elsewhere() -> tuple[str, str]:
    raise SyncAborted("Another catalogue sync is running on x.")


def bug() -> tuple[str, str]:
    raise KeyError("oops")


def sleep_and_tell(pidfile: str, seconds: float) -> tuple[str, str]:
    Path(pidfile).write_text(str(os.getpid()))
    time.sleep(seconds)
    return "success", "slept"
