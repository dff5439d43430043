"""Turning SIGTERM into an exception, so that cleanup and publish's rollback run.

Python's default for SIGTERM is to stop on the spot: no `finally`, no `except BaseException`,
so a build stopped by CI's timeout, `timeout(1)` or a process manager in the middle of the
swap left site_src/ half replaced, and a running MkDocs orphaned (#7). The command line
installs this handler first; it touches nothing but the signal disposition.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType

EXIT_TERMINATED = 128 + signal.SIGTERM  # the shell's convention for "killed by SIGTERM": 143


class Terminated(SystemExit):
    """Raised in the main thread when SIGTERM arrives; exits with 143 unless caught.

    A SystemExit, so that `except Exception` handlers let it pass while `finally` blocks and
    rollbacks run.
    """


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    # A second SIGTERM while the first unwinds would interrupt the rollback itself.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise Terminated(EXIT_TERMINATED)


def raise_on_sigterm() -> None:
    """From now on, SIGTERM raises Terminated (Python allows handlers in the main thread only)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _raise_terminated)
