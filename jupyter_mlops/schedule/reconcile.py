"""Runs whose worker is gone: re-attach while the worker lives, else record the run lost.

Workers run in sessions of their own, so killing the scheduler (even with -9) leaves them
running: the next active scheduler simply follows them to their end. A worker that itself
died (killed, out of memory, machine stopped) never recorded a result; its run is marked
`lost` with the reason.
"""

from __future__ import annotations

from ..run.model import Run, RunStatus
from ..store import runs as run_store
from ..store import workers


def worker_alive(run_id: str) -> bool:
    """Whether the worker recorded for this run still runs it (a reused pid does not count)."""
    return workers.alive(*run_store.worker(run_id))


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
