"""Runs whose worker is gone: re-attach while the worker lives, else record the run lost.

Workers run in sessions of their own, so killing the scheduler (even with -9) leaves them
running: the next active scheduler simply follows them to their end. A worker that itself
died (killed, out of memory, machine stopped) never recorded a result; its run is marked
`lost` with the reason.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..run.model import Run, RunStatus
from ..store import runs as run_store


def worker_alive(run_id: str) -> bool:
    """Whether the worker recorded for this run still runs it (a reused pid does not count)."""
    pid = run_store.worker_pid(run_id)
    if pid is None:
        return False
    try:
        # The worker's command line names the run; an exited (zombie) process has none.
        return run_id.encode() in Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:
        return False
    except OSError:  # no /proc (macOS): fall back to "some process has this pid"
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True


def mark_lost(run_id: str) -> Run:
    """Record an unfinished run as lost; a run that finished meanwhile is left as it is."""
    pid = run_store.worker_pid(run_id)

    def lost(record: Run) -> None:
        if record.status.finished:
            return
        record.status = RunStatus.lost
        record.ended_at = run_store.now()
        record.error = (f"lost: its worker process (pid {pid}) ended without recording a result "
                        "(killed, out of memory, or the machine stopped)" if pid is not None else
                        "lost: the scheduler stopped before the run's worker was started")

    return run_store.update_run(run_id, lost)
