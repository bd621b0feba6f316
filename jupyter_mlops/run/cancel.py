"""A cancel is a SIGTERM to the process executing a run or a batch (a worker, the CLI).

It becomes KeyboardInterrupt there, so that whatever executes unwinds and records the run
cancelled — and it is remembered: a library between the interrupt and the run's record (a
kernel's start, its client's clean-up) may turn it into an error of its own, and the run
would end `failed`, saying something else than that it was cancelled.
"""

from __future__ import annotations

import signal
import threading
from typing import Any

_requested = threading.Event()


def _interrupt(_signum: int, _frame: Any) -> None:
    _requested.set()
    raise KeyboardInterrupt


def cancel_on_sigterm() -> None:
    """In the main thread of a process that executes runs."""
    signal.signal(signal.SIGTERM, _interrupt)


def requested() -> bool:
    """Whether this process was asked to stop (SIGTERM)."""
    return _requested.is_set()
