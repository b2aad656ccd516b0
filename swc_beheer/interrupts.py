"""SIGINT and SIGTERM in the CLI: the running step is cancelled, then the command ends as `Interrupted`.

A sync cancelled this way rolls its transaction back and records its `sync_run` row as "interrupted"
(sync/catalogue_sync.py), so the store is as the last completed run left it. `Interrupted` is an expected
failure: `user_errors` prints its message (no traceback) and exits 130 (SIGINT) or 143 (SIGTERM).

Async commands go through `run_interruptibly` (asyncio.run whose main task is cancelled on either
signal); synchronous ones through `interruptible()` (SIGTERM raises as Ctrl-C does). A second signal
is not caught: an operator who insists ends the process at once, which the store survives as well (its
transactions are atomic and a run left "running" is marked "interrupted" by the next one).
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any, TypeVar

from config import SwcError
from swc_beheer.exit_codes import ExitCode

__all__ = ["Interrupted", "interruptible", "run_interruptibly"]

T = TypeVar("T")
_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(SwcError):
    """The command was stopped by a signal; the step it was running saved nothing."""

    exit_code: int = ExitCode.INTERRUPTED_SIGTERM.value

    def __init__(self, signum: int) -> None:
        name = signal.Signals(signum).name
        super().__init__(
            f"Interrupted by {name}: the step that was running saved nothing; the database is as the last "
            "completed run left it",
            hint="run the command again to finish the work",
            key="error.interrupted",
            hint_key="hint.interrupted",
            params={"signal": name},
        )
        self.signum = signum
        self.exit_code = 128 + signum  # 130 for SIGINT, 143 for SIGTERM (swc_beheer/exit_codes.py)


def run_interruptibly(main: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run(main)`, but SIGINT or SIGTERM cancels `main` (it cleans up) and raises Interrupted."""
    received: list[int] = []

    async def guarded() -> T:
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        assert task is not None

        def on_signal(signum: int) -> None:
            received.append(signum)
            for each in _SIGNALS:  # the next signal gets the default behaviour (see the docstring)
                loop.remove_signal_handler(each)
            task.cancel()

        for signum in _SIGNALS:
            loop.add_signal_handler(signum, on_signal, signum)
        try:
            return await main
        finally:
            for signum in _SIGNALS:
                loop.remove_signal_handler(signum)

    try:
        return asyncio.run(guarded())
    except (asyncio.CancelledError, KeyboardInterrupt):
        if received:
            raise Interrupted(received[0]) from None
        raise


class _Terminated(KeyboardInterrupt):
    """SIGTERM, raised where Ctrl-C would raise KeyboardInterrupt (so the same clean-up runs)."""


@contextmanager
def interruptible() -> Iterator[None]:
    """For synchronous commands: SIGTERM and SIGINT unwind the work as Ctrl-C does, then raise Interrupted."""

    def on_term(signum: int, _frame: FrameType | None) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a second SIGTERM ends the process at once
        raise _Terminated()

    previous = signal.signal(signal.SIGTERM, on_term)
    try:
        yield
    except KeyboardInterrupt as exc:
        raise Interrupted(signal.SIGTERM if isinstance(exc, _Terminated) else signal.SIGINT) from None
    finally:
        signal.signal(signal.SIGTERM, previous)
