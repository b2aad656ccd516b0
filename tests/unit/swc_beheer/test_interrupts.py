"""SIGTERM / SIGINT during a command: the work unwinds (its clean-up runs), then Interrupted (143 / 130)."""

from __future__ import annotations

import asyncio
import os
import signal

import pytest

from config import SwcError
from swc_beheer.interrupts import Interrupted, interruptible, run_interruptibly


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_async_work_is_cancelled_and_cleans_up(signum: int, code: int) -> None:
    cleaned: list[str] = []

    async def work() -> None:
        try:
            asyncio.get_running_loop().call_later(0.05, os.kill, os.getpid(), signum)
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cleaned.append("cancelled")
            raise

    with pytest.raises(Interrupted) as caught:
        run_interruptibly(work())
    assert cleaned == ["cancelled"]
    assert isinstance(caught.value, SwcError) and caught.value.exit_code == code
    assert caught.value.params == {"signal": signal.Signals(signum).name}
    # the handlers are gone again: SIGINT is Python's own once more
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_async_work_that_finishes_returns_its_result() -> None:
    async def work() -> int:
        await asyncio.sleep(0)
        return 7

    assert run_interruptibly(work()) == 7


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_sync_work_unwinds_on_a_signal(signum: int, code: int) -> None:
    previous = signal.getsignal(signal.SIGTERM)
    cleaned: list[str] = []
    with pytest.raises(Interrupted) as caught, interruptible():
        try:
            os.kill(os.getpid(), signum)
            for _ in range(1000):  # the handler runs at the next bytecode boundary
                pass
            raise AssertionError("the signal did not interrupt the work")
        finally:
            cleaned.append("finally")
    assert cleaned == ["finally"] and caught.value.exit_code == code
    assert signal.getsignal(signal.SIGTERM) is previous
