"""The exit codes of every `swc-beheer` command, in one place (the root `--help` and docs/cli.md show them).

0  OK        the command did all it was asked
1  FAILED    it failed and saved nothing (the store is as the last completed run left it)
2  SETTINGS  bad settings: an unknown SWC_* name, a malformed value, a missing URL or database
3  PARTIAL   it saved something, but not all: records skipped, deletions held, a later step of `run`
             failed, issues deferred by a rate limit
4  BUSY      another run holds the lock (a sync is running); try again when it has finished
130 SIGINT   stopped by Ctrl-C (SIGINT), 143 SIGTERM: stopped by SIGTERM (`docker stop`, systemd, kill).
             The step that was running saved nothing (a sync records its run as "interrupted"); steps
             `run` finished before it stay saved.

Why 128 + the signal's number for a stop: it is what a shell, systemd, Docker and Kubernetes report for a
process a signal ended, so their restart policies and an operator's scripts tell an operator's stop apart
from a failure of the run itself (1), while the process still exits on its own, cleanly, with a message.
"""

from __future__ import annotations

from enum import IntEnum

__all__ = ["ExitCode", "EXIT_CODES_HELP"]


class ExitCode(IntEnum):
    OK = 0
    FAILED = 1
    SETTINGS = 2
    PARTIAL = 3
    BUSY = 4
    INTERRUPTED_SIGINT = 130  # 128 + SIGINT
    INTERRUPTED_SIGTERM = 143  # 128 + SIGTERM


# Shown in the root command's help (and so in docs/cli.md); the commands refer to it.
EXIT_CODES_HELP = (
    "Exit codes (all commands): 0 ok; 1 failed, nothing saved; 2 bad settings (unknown SWC_* name, "
    "malformed value, missing URL or database); 3 partial, what could be saved was saved; 4 busy, another "
    "run holds the lock; 130 / 143 stopped by SIGINT / SIGTERM, the running step saved nothing."
)
