"""Waiting for what another thread or process brings about (a run finishing, a server taking over),
failing with what never came."""

from __future__ import annotations

import time
from collections.abc import Callable

from jupyter_mlops.run.model import Run
from jupyter_mlops.service import runs as run_service


def wait_for(condition: Callable[[], object], timeout: float = 90.0, what: str = "condition") -> object:
    """The first truthy value `condition()` returns within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def wait_finished(run_id: str, timeout: float = 90.0) -> Run:
    return wait_for(lambda: (r := run_service.get_run(run_id)).status.finished and r, timeout,
                    f"run {run_id} to finish")
